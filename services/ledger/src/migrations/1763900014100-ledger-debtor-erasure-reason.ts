import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An erasure's reason (EraseDebtor's free text, e.g. the data-subject request's reference) kept
 * with the debtor it erased, where it was only written to the log: a free text may name the
 * person, and personal data never goes to a log. The first erasure's reason stays.
 */
export class LedgerDebtorErasureReason1763900014100 implements MigrationInterface {
  name = 'LedgerDebtorErasureReason1763900014100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor ADD COLUMN erasure_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor DROP COLUMN erasure_reason`);
  }
}
