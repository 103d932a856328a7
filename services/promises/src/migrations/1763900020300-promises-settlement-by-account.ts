import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An account's settlements in any state by when they were agreed: the daily run asks whether one
 * was agreed after an expired offer was held (`ApprovalsRepository.expire`). The only index by
 * account before this held the open ones (`settlement_open`); payment plans have theirs
 * (`payment_plan_account`).
 */
export class PromisesSettlementByAccount1763900020300 implements MigrationInterface {
  name = 'PromisesSettlementByAccount1763900020300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX settlement_account ON settlement (tenant_id, account_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX settlement_account');
  }
}
