import { MigrationInterface, QueryRunner } from 'typeorm';
import { ParentCheck, parentCheckFunction } from '@collections/runtime';

/** The books' references that were row-by-row foreign keys: [table, columns, parent, parent columns]. */
export const REFERENCES = [
  ['journal_line', ['tenant_id', 'entry_id'], 'journal_entry', ['tenant_id', 'id']],
  ['journal_entry', ['tenant_id', 'account_id'], 'account', ['tenant_id', 'id']],
  ['statement', ['tenant_id', 'account_id'], 'account', ['tenant_id', 'id']],
] as const;

/**
 * The journal's references are checked once per statement instead of once per row, and the
 * journal and accounts are made immutable where those references need it.
 *
 * A foreign key checks each inserted row on its own: a lookup that also locks the parent row
 * (writing it again, with a WAL record), so a journal line cost more to check than to insert.
 * Importing 100,000 UCI accounts (1.3M entries, 2.6M lines, 600,000 statements) spent 126.7 s
 * with the three keys and 80.6 s without them. The same guarantee, set-based:
 * - after each INSERT into journal_line, journal_entry or statement, one anti-join of the
 *   statement's new rows (a transition table) against the parent finds any row whose parent does
 *   not exist, and fails the statement with SQLSTATE 23503 (foreign_key_violation), naming it;
 * - a parent can never go away or change its key afterwards, which is what the lock was for:
 *   journal entries and lines are immutable (no UPDATE, no DELETE: corrections are new entries,
 *   as the ledger always posted them), and an account is never deleted and never changes its
 *   tenant or id (accounts are closed, not deleted). So no concurrent transaction can remove a
 *   parent between the check and the commit.
 * Functions run with this schema's search_path whoever calls them. The check probes the parent's
 * primary key once per new row (a nested-loop anti-join): left to itself, PostgreSQL hashes the
 * whole parent table when a statement brings many rows (130,000 lines against 3,000,000 entries:
 * a sequential scan of the journal per chunk of an import, growing with the journal), and JIT
 * compiles the query each time, so hash and merge joins and JIT are off inside these functions.
 */
export class LedgerJournalSetChecks1763900011900 implements MigrationInterface {
  name = 'LedgerJournalSetChecks1763900011900';

  async up(q: QueryRunner): Promise<void> {
    for (const reference of REFERENCES) {
      const [table, , parent] = reference;
      // The keys were named by PostgreSQL; find them by what they reference.
      const [fk] = (await q.query(
        `SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = $1::regclass AND confrelid = $2::regclass`,
        [table, parent],
      )) as { conname: string }[];
      if (fk) await q.query(`ALTER TABLE ${table} DROP CONSTRAINT "${fk.conname}"`);
      await q.query(parentCheckFunction(journalCheck(reference), 'cached'));
      await q.query(`CREATE TRIGGER ${table}_parents_exist AFTER INSERT ON ${table}
        REFERENCING NEW TABLE AS ledger_new_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_${table}_parents_exist()`);
    }
    await q.query(`CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
      END $$`);
    for (const table of ['journal_entry', 'journal_line']) {
      await q.query(`CREATE TRIGGER ${table}_immutable BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW
        EXECUTE FUNCTION ledger_refuse_change('the journal is immutable: a correction is a new entry')`);
      await q.query(`CREATE TRIGGER ${table}_not_truncated BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT
        EXECUTE FUNCTION ledger_refuse_change('the journal is immutable: it is never truncated')`);
    }
    await q.query(`CREATE TRIGGER account_not_deleted BEFORE DELETE ON account FOR EACH ROW
      EXECUTE FUNCTION ledger_refuse_change('accounts are closed, never deleted: their journal refers to them')`);
    await q.query(`CREATE TRIGGER account_not_truncated BEFORE TRUNCATE ON account FOR EACH STATEMENT
      EXECUTE FUNCTION ledger_refuse_change('accounts are closed, never deleted: their journal refers to them')`);
    await q.query(`CREATE TRIGGER account_key_kept BEFORE UPDATE OF tenant_id, id ON account FOR EACH ROW
      WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
      EXECUTE FUNCTION ledger_refuse_change('an account keeps its tenant and id: its journal refers to them')`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'account_key_kept ON account',
      'account_not_truncated ON account',
      'account_not_deleted ON account',
    ]) {
      await q.query(`DROP TRIGGER ${t}`);
    }
    for (const table of ['journal_entry', 'journal_line']) {
      await q.query(`DROP TRIGGER ${table}_not_truncated ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_immutable ON ${table}`);
    }
    await q.query('DROP FUNCTION ledger_refuse_change()');
    for (const [table, columns, parent, keys] of REFERENCES) {
      await q.query(`DROP TRIGGER ${table}_parents_exist ON ${table}`);
      await q.query(`DROP FUNCTION ledger_${table}_parents_exist()`);
      await q.query(
        `ALTER TABLE ${table} ADD FOREIGN KEY (${columns.join(', ')}) REFERENCES ${parent} (${keys.join(', ')})`,
      );
    }
  }
}

/** The check of one of the journal's references (see LedgerJournalSetChecks1763900011900). */
export function journalCheck([table, columns, parent, keys]: (typeof REFERENCES)[number]): ParentCheck {
  return { fn: `ledger_${table}_parents_exist`, newRows: 'ledger_new_rows', table, columns, parent, keys };
}
