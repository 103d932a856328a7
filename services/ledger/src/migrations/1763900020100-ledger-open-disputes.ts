import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The dispute holds that wait for a compliance officer (no end date, not lifted), by tenant and
 * start date: what the disputes' gauges read on every scrape (`dispute-metrics.ts`) without
 * reading every hold ever set.
 */
export class LedgerOpenDisputes1763900020100 implements MigrationInterface {
  name = 'LedgerOpenDisputes1763900020100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX debtor_hold_open_dispute ON debtor_hold (tenant_id, starts_on)
         WHERE kind = 1 AND lifted_at IS NULL AND ends_on IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX debtor_hold_open_dispute');
  }
}
