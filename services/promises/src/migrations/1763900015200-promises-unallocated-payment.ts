import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A payment of an account that had nothing to take it (no settlement, no active plan, no open
 * single promise it could count towards) is kept too (`unallocated_payment`), so that the payment
 * replayed under a new event id after a promise is made is recognised as paid before, and counts
 * nowhere; a reversal of it flags it. And a completed plan can be reopened by a reversal and
 * completed again: each completion's relapse risk stays recorded, the one a reopening made no longer
 * current flagged by when (`plan_relapse_risk.reopened_at`), so at most one current risk per plan
 * (where the plan was the key, and a second completion could record nothing).
 */
export class PromisesUnallocatedPayment1763900015200 implements MigrationInterface {
  name = 'PromisesUnallocatedPayment1763900015200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE unallocated_payment (
      tenant_id text NOT NULL,
      payment_id text NOT NULL,
      account_id text NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      paid_on date NOT NULL,
      reversed boolean NOT NULL DEFAULT false,
      PRIMARY KEY (tenant_id, payment_id)
    )`);
    await q.query(`ALTER TABLE plan_relapse_risk ADD COLUMN reopened_at timestamptz`);
    await q.query(`ALTER TABLE plan_relapse_risk DROP CONSTRAINT plan_relapse_risk_pkey`);
    await q.query(
      `CREATE UNIQUE INDEX plan_relapse_risk_current ON plan_relapse_risk (tenant_id, plan_id) WHERE reopened_at IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM plan_relapse_risk WHERE reopened_at IS NOT NULL');
    await q.query('DROP INDEX plan_relapse_risk_current');
    await q.query('ALTER TABLE plan_relapse_risk ADD PRIMARY KEY (tenant_id, plan_id)');
    await q.query('ALTER TABLE plan_relapse_risk DROP COLUMN reopened_at');
    await q.query('DROP TABLE unallocated_payment');
  }
}
