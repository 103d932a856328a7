import { MigrationInterface, QueryRunner } from 'typeorm';

/** Walking-skeleton tables: accounts with a cached balance and idempotent payments. */
export class LedgerInitial1763900001000 implements MigrationInterface {
  name = 'LedgerInitial1763900001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account (
      tenant_id text NOT NULL,
      id text NOT NULL,
      currency char(3) NOT NULL,
      balance_minor bigint NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE payment (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      idempotency_key text NOT NULL,
      reference text NOT NULL DEFAULT '',
      balance_after_minor bigint NOT NULL,
      posted_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, idempotency_key),
      FOREIGN KEY (tenant_id, account_id) REFERENCES account (tenant_id, id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE payment');
    await q.query('DROP TABLE account');
  }
}
