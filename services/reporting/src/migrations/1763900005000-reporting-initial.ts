import { MigrationInterface, QueryRunner } from 'typeorm';

/** Read model built only from events; each row is keyed by the event that produced it. */
export class ReportingInitial1763900005000 implements MigrationInterface {
  name = 'ReportingInitial1763900005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE payment_fact (
      tenant_id text NOT NULL,
      payment_id text NOT NULL,
      account_id text NOT NULL,
      amount_minor bigint NOT NULL,
      currency char(3) NOT NULL,
      posted_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, payment_id)
    )`);
    await q.query(`CREATE TABLE promise_kept_fact (
      tenant_id text NOT NULL,
      promise_id text NOT NULL,
      account_id text NOT NULL,
      kept_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, promise_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE promise_kept_fact');
    await q.query('DROP TABLE payment_fact');
  }
}
