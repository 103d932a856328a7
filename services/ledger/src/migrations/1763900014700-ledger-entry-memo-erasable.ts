import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A journal entry's memo can be erased: the one change the journal takes after an entry is
 * written is its memo becoming 'erased', and nothing else in the same UPDATE.
 *
 * The memo is the caller's free text (a charge's memo, an adjustment's or charge-off's reason),
 * so it may name the person; EraseDebtor pseudonymises it on the erased debtor's accounts. The
 * journal stays immutable otherwise (LedgerJournalSetChecks1763900011900): amounts, dates, kinds,
 * accounts, keys and the stored answer can never change, no entry is deleted, and a memo can
 * only go to 'erased', never to another text. The check compares the whole row, as JSON text,
 * with the memo put back: a column added later is covered without changing the function.
 */
export class LedgerEntryMemoErasable1763900014700 implements MigrationInterface {
  name = 'LedgerEntryMemoErasable1763900014700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION ledger_journal_entry_only_memo_erased() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        memo text;
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.memo = 'erased' THEN
          memo := NEW.memo;
          NEW.memo := OLD.memo;
          IF row_to_json(NEW)::text = row_to_json(OLD)::text THEN
            NEW.memo := memo;
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
      END $$`);
    await q.query(`DROP TRIGGER journal_entry_immutable ON journal_entry`);
    await q.query(`CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry FOR EACH ROW
      EXECUTE FUNCTION ledger_journal_entry_only_memo_erased('the journal is immutable: a correction is a new entry (only a memo can be erased)')`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Memos erased meanwhile stay erased: what was erased cannot come back.
    await q.query(`DROP TRIGGER journal_entry_immutable ON journal_entry`);
    await q.query(`CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry FOR EACH ROW
      EXECUTE FUNCTION ledger_refuse_change('the journal is immutable: a correction is a new entry')`);
    await q.query(`DROP FUNCTION ledger_journal_entry_only_memo_erased()`);
  }
}
