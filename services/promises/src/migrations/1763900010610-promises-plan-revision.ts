import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A plan's revision: replaced by a new random value by every write of the plan's payments,
 * allocations, paid amounts, announcements or state, so the batch consumer may keep a plan's
 * payments and announcements in memory between batches and read them again only when the locked
 * plan row carries another revision. Null (plans before this, and new plans) is never cached.
 */
export class PromisesPlanRevision1763900010610 implements MigrationInterface {
  name = 'PromisesPlanRevision1763900010610';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_plan ADD COLUMN revision uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE payment_plan DROP COLUMN revision');
  }
}
