import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An account's promises in any state by when they were taken: an offer's expiry asks whether the
 * debtor promised to pay after it was held (`ApprovalsRepository.expire`). The only
 * index by account before this held the open ones (`promise_open`) and the ended ones
 * (`promise_cancel_reason`).
 */
export class PromisesPromiseByAccount1763900020400 implements MigrationInterface {
  name = 'PromisesPromiseByAccount1763900020400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX promise_account ON promise (tenant_id, account_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX promise_account');
  }
}
