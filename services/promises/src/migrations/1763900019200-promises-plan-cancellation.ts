import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A plan can be cancelled while active (CancelPlan, `payment_plan.state` PLAN_STATE_CANCELLED = 4):
 * when, by whom, why (a free text, erased with its debtor), and the idempotency key of the cancel,
 * so a retry answers the cancelled plan again. All null on every other plan.
 */
export class PromisesPlanCancellation1763900019200 implements MigrationInterface {
  name = 'PromisesPlanCancellation1763900019200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE payment_plan ADD COLUMN cancelled_at timestamptz, ADD COLUMN cancelled_by text,
         ADD COLUMN cancel_reason text, ADD COLUMN cancel_idempotency_key text`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE payment_plan DROP COLUMN cancelled_at, DROP COLUMN cancelled_by, DROP COLUMN cancel_reason,
         DROP COLUMN cancel_idempotency_key`,
    );
  }
}
