import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The debtor's own limits on contact, from the ledger's DebtorUpserted: the weekly times they said
 * are inconvenient (`[{day, from, to, channels}]`, local time; Regulation F §1006.6(b)(1)(i)) and
 * the channels on which every contact point they have is a workplace whose employer forbids
 * collection contact (§1006.6(b)(3)). Not identifying (no address, no name): plain columns. Debtors
 * known before are as they were until the ledger announces them again: none on record.
 */
export class OrchestratorDebtorInconvenience1763900017700 implements MigrationInterface {
  name = 'OrchestratorDebtorInconvenience1763900017700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor_profile
      ADD COLUMN IF NOT EXISTS inconvenient_times jsonb NOT NULL DEFAULT '[]',
      ADD COLUMN IF NOT EXISTS workplace_forbidden_channels text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor_profile
      DROP COLUMN IF EXISTS inconvenient_times,
      DROP COLUMN IF EXISTS workplace_forbidden_channels`);
  }
}
