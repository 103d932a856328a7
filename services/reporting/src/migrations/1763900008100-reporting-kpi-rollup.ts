import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  APPEND_CONTRIBUTION_FUNCTION_SQL,
  KINDS_BEFORE_CHARGE_OFF,
  POSTED_UTC_DAY,
  rebuildRollupSql,
} from '../kpis/kpi-rollup';

/**
 * The KPI rollup (see src/kpis/kpi-rollup.ts): sums per tenant, account group and day that a KPI
 * query adds up instead of reading every fact, and the deltas the projections append to it in
 * the transaction of each fact, folded in by the next query. Built here from the facts already
 * projected; from then on the projections keep it. Payments are dated as they were then, by their
 * posting day in UTC (`POSTED_UTC_DAY`; 1763900014600 dates them by `paid_on`).
 */
export class ReportingKpiRollup1763900008100 implements MigrationInterface {
  name = 'ReportingKpiRollup1763900008100';

  async up(q: QueryRunner): Promise<void> {
    const columns = `tenant_id text NOT NULL,
      currency text NOT NULL,
      segment text NOT NULL,
      model_version text NOT NULL,
      kind text NOT NULL,
      d1 date NOT NULL,
      d2 date NOT NULL,
      k1 text NOT NULL,
      k2 text NOT NULL,
      n bigint NOT NULL,
      v bigint NOT NULL`;
    await q.query(`CREATE TABLE kpi_rollup (${columns},
      PRIMARY KEY (tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2))`);
    await q.query(`CREATE INDEX kpi_rollup_query ON kpi_rollup (tenant_id, kind, currency, d1)`);
    await q.query(`CREATE TABLE kpi_rollup_delta (${columns})`);
    await q.query(`CREATE INDEX kpi_rollup_delta_tenant ON kpi_rollup_delta (tenant_id)`);
    await q.query(`CREATE INDEX contact_fact_account ON contact_fact (tenant_id, account_id)`);
    await q.query(`CREATE INDEX contact_sent_fact_account ON contact_sent_fact (tenant_id, account_id)`);
    await q.query(`CREATE INDEX call_outcome_fact_account ON call_outcome_fact (tenant_id, account_id)`);
    await q.query(`CREATE INDEX payment_fact_account ON payment_fact (tenant_id, account_id)`);
    await q.query(`CREATE INDEX promise_kept_fact_account ON promise_kept_fact (tenant_id, account_id)`);
    await q.query(`CREATE INDEX promise_broken_fact_account ON promise_broken_fact (tenant_id, account_id)`);
    await q.query(APPEND_CONTRIBUTION_FUNCTION_SQL);
    for (const sql of rebuildRollupSql(POSTED_UTC_DAY, KINDS_BEFORE_CHARGE_OFF)) await q.query(sql);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const i of [
      'promise_broken_fact_account',
      'promise_kept_fact_account',
      'payment_fact_account',
      'call_outcome_fact_account',
      'contact_sent_fact_account',
      'contact_fact_account',
    ]) {
      await q.query(`DROP INDEX ${i}`);
    }
    await q.query('DROP FUNCTION kpi_append_contribution(text, text[], text[], bigint)');
    await q.query('DROP TABLE kpi_rollup_delta');
    await q.query('DROP TABLE kpi_rollup');
  }
}
