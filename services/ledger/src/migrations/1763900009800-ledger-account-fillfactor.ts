import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every posting rewrites its account's row (the cached balance and days past due), none of
 * whose columns is indexed: with room left on each page the new version stays on the same page
 * (a HOT update) instead of adding an entry to each of the account's five indexes. Applies to
 * pages written from now on; an existing table gets it at its next rewrite (VACUUM FULL).
 */
export class LedgerAccountFillfactor1763900009800 implements MigrationInterface {
  name = 'LedgerAccountFillfactor1763900009800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account SET (fillfactor = 70)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account RESET (fillfactor)`);
  }
}
