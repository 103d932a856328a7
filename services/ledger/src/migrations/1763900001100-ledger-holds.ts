import { MigrationInterface, QueryRunner } from 'typeorm';

/** Holds on debtors (dispute, bankruptcy, deceased, attorney, cease-communication), with dates and source. */
export class LedgerHolds1763900001100 implements MigrationInterface {
  name = 'LedgerHolds1763900001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE debtor_hold (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      debtor_id text NOT NULL,
      kind smallint NOT NULL,
      source text NOT NULL,
      starts_on date NOT NULL,
      ends_on date,
      lifted_at timestamptz,
      lift_reason text,
      idempotency_key text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, idempotency_key),
      FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtor (tenant_id, id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE debtor_hold');
  }
}
