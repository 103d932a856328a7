import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The settlements the cash forecast expects a lump sum from (promises' SettlementAgreed, …Paid,
 * …Lapsed), in a table of their own rather than as plans of one instalment: the plan KPIs (the
 * instalment kept rate) read plans and instalments only, so no settlement can slip into them through
 * a forgotten filter, and a settlement keeps its own words (open → paid | lapsed). The index serves
 * the forecast's per-account look-up of an open or paid settlement.
 */
export class ReportingForecastSettlements1763900013500 implements MigrationInterface {
  name = 'ReportingForecastSettlements1763900013500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE forecast_settlement_fact (
      tenant_id text NOT NULL,
      settlement_id text NOT NULL,
      account_id text NOT NULL,
      currency char(3),
      amount_minor bigint,
      due_date date,
      agreed_at timestamptz,
      state text NOT NULL DEFAULT 'open',
      PRIMARY KEY (tenant_id, settlement_id)
    )`);
    await q.query(`CREATE INDEX forecast_settlement_fact_account ON forecast_settlement_fact (tenant_id, account_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE forecast_settlement_fact');
  }
}
