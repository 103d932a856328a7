import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The offers waiting for a supervisor, by tenant and kind, oldest first: what the approval queue's
 * gauges read on every scrape (`approval-metrics.ts`), without reading the decided ones, which
 * grow without end.
 */
export class PromisesApprovalsWaiting1763900020000 implements MigrationInterface {
  name = 'PromisesApprovalsWaiting1763900020000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX offer_approval_waiting ON offer_approval (tenant_id, kind, requested_at) WHERE state = 1`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX offer_approval_waiting');
  }
}
