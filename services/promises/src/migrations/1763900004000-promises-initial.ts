import { MigrationInterface, QueryRunner } from 'typeorm';

export class PromisesInitial1763900004000 implements MigrationInterface {
  name = 'PromisesInitial1763900004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE promise (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      paid_minor bigint NOT NULL DEFAULT 0,
      currency char(3) NOT NULL,
      due_date date NOT NULL,
      state integer NOT NULL,
      idempotency_key text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, idempotency_key)
    )`);
    await q.query(`CREATE INDEX promise_open ON promise (tenant_id, account_id, due_date) WHERE state = 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE promise');
  }
}
