import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The debtor's own limits on contact: the weekly times they said are inconvenient
 * (`[{day, from, to, channels}]` in their local time; Regulation F §1006.6(b)(1)(i)) on the debtor,
 * and on a contact point whether it is at a workplace whose employer forbids collection contact
 * there (§1006.6(b)(3)). Not identifying on their own: plain columns, never logged.
 */
export class LedgerDebtorContactPreferences1763900017600 implements MigrationInterface {
  name = 'LedgerDebtorContactPreferences1763900017600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor ADD COLUMN IF NOT EXISTS inconvenient_times jsonb NOT NULL DEFAULT '[]'`);
    await q.query(
      `ALTER TABLE contact_point ADD COLUMN IF NOT EXISTS workplace_forbidden boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_point DROP COLUMN IF EXISTS workplace_forbidden`);
    await q.query(`ALTER TABLE debtor DROP COLUMN IF EXISTS inconvenient_times`);
  }
}
