import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the ledger told us about an account (AccountOpened): its time zone and currency. */
export class PromisesAccountProfiles1763900005200 implements MigrationInterface {
  name = 'PromisesAccountProfiles1763900005200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE promise_account_profile (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      time_zone text NOT NULL,
      currency char(3) NOT NULL,
      PRIMARY KEY (tenant_id, account_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE promise_account_profile');
  }
}
