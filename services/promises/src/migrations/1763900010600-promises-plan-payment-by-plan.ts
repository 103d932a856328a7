import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A plan's payments by plan: every batch of posted payments, every reversal and every review
 * reads a plan's live payments in posting order, and plan_payment's only index (its primary key)
 * is by payment id, so each read scanned all the tenant's payments (growing with every payment).
 */
export class PromisesPlanPaymentByPlan1763900010600 implements MigrationInterface {
  name = 'PromisesPlanPaymentByPlan1763900010600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX plan_payment_by_plan ON plan_payment (tenant_id, plan_id, received_seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX plan_payment_by_plan');
  }
}
