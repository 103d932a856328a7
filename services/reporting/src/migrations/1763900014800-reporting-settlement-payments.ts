import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What is paid towards each settlement the forecast expects (promises' SettlementPaymentApplied), so
 * that an open settlement expects only what remains of its amount. Each payment is kept by its id
 * in `forecast_settlement_payment_fact` (its amount, and whether it was reversed: a negative
 * SettlementPaymentApplied), and `forecast_settlement_fact.paid_minor` is the sum of the payments not
 * reversed, computed again from them on each event: whatever the order the events arrive in, and
 * however often, the same payments stand and so does the sum. Settlements projected so far have no
 * payments recorded: they expect their whole amount, as before, until their payments are announced.
 */
export class ReportingSettlementPayments1763900014800 implements MigrationInterface {
  name = 'ReportingSettlementPayments1763900014800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE forecast_settlement_payment_fact (
      tenant_id text NOT NULL,
      settlement_id text NOT NULL,
      payment_id text NOT NULL,
      amount_minor bigint NOT NULL,
      reversed boolean NOT NULL DEFAULT false,
      PRIMARY KEY (tenant_id, settlement_id, payment_id)
    )`);
    await q.query(`ALTER TABLE forecast_settlement_fact ADD COLUMN paid_minor bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE forecast_settlement_fact DROP COLUMN paid_minor');
    await q.query('DROP TABLE forecast_settlement_payment_fact');
  }
}
