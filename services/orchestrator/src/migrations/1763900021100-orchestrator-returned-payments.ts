import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments the ledger reversed (PaymentReversed: a bank's return, a chargeback), one row each: the
 * amount the debtor's notice of it names, and, by its key, a redelivered reversal books no second
 * notice. Ids and an amount only: nothing a debtor's erasure must reach.
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
        PRIMARY KEY (tenant_id, account_id, payment_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE returned_payment`);
  }
}
