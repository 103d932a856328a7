import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Offers a supervisor approved or rejected, by decision time: every scrape counts those decided in
 * the last 24 hours (`collections_offer_approvals_decided_last_day`), across tenants, without
 * reading the older ones.
 */
export class PromisesApprovalDecidedIndex1763900020800 implements MigrationInterface {
  name = 'PromisesApprovalDecidedIndex1763900020800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX offer_approval_decided ON offer_approval (decided_at) WHERE state IN (2, 3)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX offer_approval_decided');
  }
}
