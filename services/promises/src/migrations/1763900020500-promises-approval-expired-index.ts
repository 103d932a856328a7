import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Offers held for a supervisor by expiry time, while pending or expired: every scrape counts those
 * that expired in the last 24 hours (`collections_offer_approvals_expired_last_day`), across
 * tenants, without reading the older ones (`offer_approval_by_state` leads with the tenant).
 */
export class PromisesApprovalExpiredIndex1763900020500 implements MigrationInterface {
  name = 'PromisesApprovalExpiredIndex1763900020500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX offer_approval_expiry ON offer_approval (expires_at) WHERE state IN (1, 4)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX offer_approval_expiry');
  }
}
