import { MigrationInterface, QueryRunner } from 'typeorm';
import { addPlanCheck } from './1763900012500-promises-plan-set-checks';

/**
 * A payment to a plan writes one row (plan_payment) beside the rows it updates, instead of three:
 *
 * - What a plan announced (`kind:seq` keys: 'kept:3', 'completed:-1') moves from one
 *   plan_announcement row per announcement into the plan's own row (`payment_plan.announced`),
 *   which every payment already rewrites (its state and revision). The announcement's time was
 *   never read: the event that announced it carries it (ce_time).
 * - Where each payment went (plan_allocation, one row per payment and instalment) is no longer
 *   stored: it is a function of the plan's live payments in posting order and its schedule
 *   (`allocatePayments`), both kept, and what it adds up to per instalment is stored as
 *   `plan_instalment.paid_minor`. A plan's credit is its live payments less what its
 *   instalments were paid.
 *
 * In the promises bench the two inserts (with their keys and statement-level checks) were about
 * 20 us of PostgreSQL's CPU per payment. `down` recreates both tables as they were (with their
 * set-based checks): the announcements from the plans' keys (announced at the time of the
 * rollback), the allocations empty (the next review of a plan rewrites them).
 */
export class PromisesPlanRowsFolded1763900012600 implements MigrationInterface {
  name = 'PromisesPlanRowsFolded1763900012600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_plan ADD COLUMN announced text[] NOT NULL DEFAULT '{}'`);
    await q.query(`UPDATE payment_plan p SET announced = a.keys
      FROM (SELECT tenant_id, plan_id, array_agg(kind || ':' || seq ORDER BY kind, seq) AS keys
              FROM plan_announcement GROUP BY tenant_id, plan_id) a
     WHERE p.tenant_id = a.tenant_id AND p.id = a.plan_id`);
    for (const table of ['plan_announcement', 'plan_allocation']) {
      await q.query(`DROP TABLE ${table}`);
      await q.query(`DROP FUNCTION promises_${table}_plan_exists()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE plan_allocation (
      tenant_id text NOT NULL,
      plan_id uuid NOT NULL,
      payment_id text NOT NULL,
      seq integer NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      paid_on date NOT NULL,
      PRIMARY KEY (tenant_id, plan_id, payment_id, seq)
    )`);
    await q.query(`CREATE TABLE plan_announcement (
      tenant_id text NOT NULL,
      plan_id uuid NOT NULL,
      kind text NOT NULL,
      seq integer NOT NULL,
      announced_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, plan_id, kind, seq)
    )`);
    for (const table of ['plan_allocation', 'plan_announcement']) await addPlanCheck(q, table);
    await q.query(`INSERT INTO plan_announcement (tenant_id, plan_id, kind, seq, announced_at)
      SELECT p.tenant_id, p.id, split_part(k, ':', 1), split_part(k, ':', 2)::int, now()
        FROM payment_plan p, unnest(p.announced) AS k`);
    await q.query('ALTER TABLE payment_plan DROP COLUMN announced');
  }
}
