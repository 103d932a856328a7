import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  APPEND_CONTRIBUTION_FUNCTION_SQL,
  KINDS_BEFORE_CHARGE_OFF,
  POSTED_UTC_DAY,
  contributionFunctionSql,
} from '../kpis/kpi-rollup';

const KEY = 'tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2';

/**
 * The KPI rollup is moved once per batch of facts, by the projections themselves (see
 * src/kpis/kpi-rollup.ts): `kpi_contribution` gives the accounts' contribution summed by key, and
 * the deltas a KPI query used to fold in are gone. Deltas still waiting are folded in first.
 * Payments are dated as they were then, by their posting day in UTC (1763900014600 dates them by
 * `paid_on` and creates the function again).
 */
export class ReportingKpiRollupBatches1763900009000 implements MigrationInterface {
  name = 'ReportingKpiRollupBatches1763900009000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`INSERT INTO kpi_rollup (${KEY}, n, v)
      SELECT ${KEY}, sum(n), sum(v) FROM kpi_rollup_delta GROUP BY ${KEY} HAVING sum(n) <> 0 OR sum(v) <> 0
      ON CONFLICT (${KEY}) DO UPDATE SET n = kpi_rollup.n + excluded.n, v = kpi_rollup.v + excluded.v`);
    await q.query('DROP FUNCTION kpi_append_contribution(text, text[], text[], bigint)');
    await q.query('DROP TABLE kpi_rollup_delta');
    await q.query(contributionFunctionSql(POSTED_UTC_DAY, KINDS_BEFORE_CHARGE_OFF));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION kpi_contribution(text[], text[], text[])');
    await q.query(`CREATE TABLE kpi_rollup_delta (LIKE kpi_rollup)`);
    await q.query(`CREATE INDEX kpi_rollup_delta_tenant ON kpi_rollup_delta (tenant_id)`);
    await q.query(APPEND_CONTRIBUTION_FUNCTION_SQL);
  }
}
