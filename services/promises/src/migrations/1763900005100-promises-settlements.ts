import { MigrationInterface, QueryRunner } from 'typeorm';

/** Settlements: a lump sum below the balance, the payments towards it and the discount posted. */
export class PromisesSettlements1763900005100 implements MigrationInterface {
  name = 'PromisesSettlements1763900005100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE settlement (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      currency char(3) NOT NULL,
      balance_minor bigint NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0 AND amount_minor < balance_minor),
      discount_minor bigint NOT NULL CHECK (discount_minor = balance_minor - amount_minor),
      paid_minor bigint NOT NULL DEFAULT 0,
      due_date date NOT NULL,
      channel integer NOT NULL,
      taken_by integer NOT NULL,
      agent_id text NOT NULL DEFAULT '',
      state integer NOT NULL,
      discount_entry_id text,
      idempotency_key text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, idempotency_key)
    )`);
    await q.query(`CREATE INDEX settlement_open ON settlement (tenant_id, account_id, created_at) WHERE state = 1`);
    await q.query(`CREATE TABLE settlement_payment (
      tenant_id text NOT NULL,
      settlement_id uuid NOT NULL,
      payment_id text NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      PRIMARY KEY (tenant_id, payment_id),
      FOREIGN KEY (tenant_id, settlement_id) REFERENCES settlement (tenant_id, id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE settlement_payment, settlement');
  }
}
