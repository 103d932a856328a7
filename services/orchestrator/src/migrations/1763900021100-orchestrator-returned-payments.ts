import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments the ledger reversed (PaymentReversed: a bank's return, a chargeback), one row each: the
 * amount the debtor's notice of it names, and, by its key, a redelivered reversal books no second
 * notice. Ids and an amount only: nothing a debtor's erasure must reach. `notice`: booked, not
 * booked (the law allowed none in time), or waiting for the contact live on the account to end;
 * `planner_account.returned_notice_waiting` says, on the row planning reads anyway, that one waits.
 */
export class OrchestratorReturnedPayments1763900021100 implements MigrationInterface {
  name = 'OrchestratorReturnedPayments1763900021100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE returned_payment (
        tenant_id text NOT NULL,
        account_id text NOT NULL,
        payment_id text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        currency char(3) NOT NULL,
        reason text NOT NULL,
        reversed_at timestamptz NOT NULL,
        notice text NOT NULL CHECK (notice IN ('booked', 'waiting', 'not-booked')),
        PRIMARY KEY (tenant_id, account_id, payment_id)
      )`);
    await q.query(
      `CREATE INDEX returned_payment_waiting ON returned_payment (tenant_id, account_id, reversed_at) WHERE notice = 'waiting'`,
    );
    await q.query(`ALTER TABLE planner_account ADD COLUMN returned_notice_waiting boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account DROP COLUMN returned_notice_waiting`);
    await q.query(`DROP TABLE returned_payment`);
  }
}
