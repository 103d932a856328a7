import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per account the KPI rollup has been moved for, locked (FOR UPDATE) by the batch that moves
 * it (src/kpis/kpi-rollup.ts): batches of one tenant that touch different accounts no longer take
 * turns on the tenant's advisory lock. Row locks, not advisory ones: a batch of 2,000 accounts would
 * hold 2,000 entries of the shared lock table. Rows are added as accounts first come.
 */
export class ReportingKpiAccountLock1763900012100 implements MigrationInterface {
  name = 'ReportingKpiAccountLock1763900012100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE kpi_account_lock (tenant_id text NOT NULL, account_id text NOT NULL, PRIMARY KEY (tenant_id, account_id))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kpi_account_lock');
  }
}
