import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Loan instalment schedules, each tenant's aging buckets, and the date of the last daily
 * delinquency run per account (the account's `days_past_due` and `aging_bucket` are the last
 * values announced, so a re-run never announces a bucket move twice).
 */
export class LedgerLifecycle1763900004000 implements MigrationInterface {
  name = 'LedgerLifecycle1763900004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE instalment (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      number integer NOT NULL CHECK (number >= 1),
      due_date date NOT NULL,
      principal_minor bigint NOT NULL CHECK (principal_minor >= 0),
      interest_minor bigint NOT NULL CHECK (interest_minor >= 0),
      PRIMARY KEY (tenant_id, account_id, number),
      FOREIGN KEY (tenant_id, account_id) REFERENCES account (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE aging_config (
      tenant_id text PRIMARY KEY,
      buckets jsonb NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`ALTER TABLE account ADD COLUMN delinquency_as_of date`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account DROP COLUMN delinquency_as_of`);
    await q.query('DROP TABLE aging_config');
    await q.query('DROP TABLE instalment');
  }
}
