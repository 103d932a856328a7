import { MigrationInterface, QueryRunner } from 'typeorm';
import { ParentCheck, parentCheckFunction } from '@collections/runtime';

/** The tables whose rows belong to a payment plan through (tenant_id, plan_id), until now by foreign key. */
const CHILDREN = ['plan_instalment', 'plan_payment', 'plan_allocation', 'plan_announcement'] as const;

/**
 * A plan's rows are checked against their plan once per statement instead of once per row, and a
 * plan can no longer go away or change its key, which is what the per-row check's lock was for.
 *
 * A foreign key checks each inserted row on its own: a lookup of the plan that also locks it.
 * Every batch of payments inserts a payment, an allocation and an announcement per payment, so a
 * batch of 500 ran 1,500 such checks: 10-22 ms of a 50-115 ms statement in the promises bench
 * (auto_explain, "Trigger for constraint ..."). The same guarantee, set-based, as the ledger's
 * journal has it (LedgerJournalSetChecks1763900011900):
 * - after each INSERT into a plan's tables, one anti-join of the statement's new rows (a
 *   transition table) against payment_plan finds any row whose plan does not exist, and fails the
 *   statement with SQLSTATE 23503 (foreign_key_violation), naming it;
 * - a row never moves to another plan (its tenant_id and plan_id are never updated);
 * - a plan is never deleted or truncated and never changes its tenant or id: plans end completed
 *   or defaulted and stay, with their history. So no concurrent transaction can remove a plan
 *   between the check and the commit.
 * The check probes payment_plan's primary key once per new row (a nested loop): hash and merge
 * joins and JIT are off inside the functions, so a large batch never hashes a whole tenant's plans.
 */
export class PromisesPlanSetChecks1763900012500 implements MigrationInterface {
  name = 'PromisesPlanSetChecks1763900012500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE FUNCTION promises_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
      END $$`);
    for (const table of CHILDREN) {
      // The keys were named by PostgreSQL; find them by what they reference.
      const [fk] = (await q.query(
        `SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = $1::regclass
            AND confrelid = 'payment_plan'::regclass`,
        [table],
      )) as { conname: string }[];
      if (fk) await q.query(`ALTER TABLE ${table} DROP CONSTRAINT "${fk.conname}"`);
      await addPlanCheck(q, table);
    }
    await q.query(`CREATE TRIGGER payment_plan_not_deleted BEFORE DELETE ON payment_plan FOR EACH ROW
      EXECUTE FUNCTION promises_refuse_change('plans end completed or defaulted, never deleted: their rows refer to them')`);
    await q.query(`CREATE TRIGGER payment_plan_not_truncated BEFORE TRUNCATE ON payment_plan FOR EACH STATEMENT
      EXECUTE FUNCTION promises_refuse_change('plans end completed or defaulted, never deleted: their rows refer to them')`);
    await q.query(`CREATE TRIGGER payment_plan_key_kept BEFORE UPDATE OF tenant_id, id ON payment_plan FOR EACH ROW
      WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.id IS DISTINCT FROM NEW.id)
      EXECUTE FUNCTION promises_refuse_change('a plan keeps its tenant and id: its rows refer to them')`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['payment_plan_key_kept', 'payment_plan_not_truncated', 'payment_plan_not_deleted']) {
      await q.query(`DROP TRIGGER ${t} ON payment_plan`);
    }
    for (const table of CHILDREN) {
      await q.query(`DROP TRIGGER ${table}_plan_kept ON ${table}`);
      await q.query(`DROP TRIGGER ${table}_plan_exists ON ${table}`);
      await q.query(`DROP FUNCTION promises_${table}_plan_exists()`);
      await q.query(
        `ALTER TABLE ${table} ADD FOREIGN KEY (tenant_id, plan_id) REFERENCES payment_plan (tenant_id, id)`,
      );
    }
    await q.query('DROP FUNCTION promises_refuse_change()');
  }
}

/**
 * The set-based check of one of a plan's tables (see PromisesPlanSetChecks1763900012500): after
 * each INSERT, its new rows' plans must exist; a row never moves to another plan.
 */
export async function addPlanCheck(q: QueryRunner, table: string): Promise<void> {
  await q.query(parentCheckFunction(planCheck(table), 'cached'));
  await q.query(`CREATE TRIGGER ${table}_plan_exists AFTER INSERT ON ${table}
      REFERENCING NEW TABLE AS promises_new_rows FOR EACH STATEMENT EXECUTE FUNCTION promises_${table}_plan_exists()`);
  await q.query(`CREATE TRIGGER ${table}_plan_kept BEFORE UPDATE OF tenant_id, plan_id ON ${table} FOR EACH ROW
      WHEN (OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.plan_id IS DISTINCT FROM NEW.plan_id)
      EXECUTE FUNCTION promises_refuse_change('a plan''s row stays with its plan')`);
}

/** The check of one of a plan's tables (see PromisesPlanSetChecks1763900012500). */
export function planCheck(table: string): ParentCheck {
  return {
    fn: `promises_${table}_plan_exists`,
    newRows: 'promises_new_rows',
    table,
    columns: ['tenant_id', 'plan_id'],
    parent: 'payment_plan',
    keys: ['tenant_id', 'id'],
  };
}
