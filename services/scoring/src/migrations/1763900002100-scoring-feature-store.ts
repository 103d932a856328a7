import { MigrationInterface, QueryRunner } from 'typeorm';

/** The feature store: what the ledger's events say about each account's cycles and payments. */
export class ScoringFeatureStore1763900002100 implements MigrationInterface {
  name = 'ScoringFeatureStore1763900002100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_profile (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      currency char(3) NOT NULL,
      credit_limit_minor bigint NOT NULL,
      PRIMARY KEY (tenant_id, account_id)
    )`);
    await q.query(`CREATE TABLE account_cycle (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      cycle integer NOT NULL,
      statement_month char(7) NOT NULL,
      bill_minor bigint NOT NULL,
      currency char(3) NOT NULL,
      reported_status smallint,
      PRIMARY KEY (tenant_id, account_id, cycle)
    )`);
    await q.query(`CREATE TABLE account_payment_month (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      month char(7) NOT NULL,
      paid_minor bigint NOT NULL,
      PRIMARY KEY (tenant_id, account_id, month)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE account_payment_month');
    await q.query('DROP TABLE account_cycle');
    await q.query('DROP TABLE account_profile');
  }
}
