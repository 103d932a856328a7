import { MigrationInterface, QueryRunner } from 'typeorm';

/** Payment plans: their schedule, the payments allocated to them and what was announced about them. */
export class PromisesPlans1763900005000 implements MigrationInterface {
  name = 'PromisesPlans1763900005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE payment_plan (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      currency char(3) NOT NULL,
      total_minor bigint NOT NULL CHECK (total_minor > 0),
      down_payment_minor bigint NOT NULL CHECK (down_payment_minor >= 0 AND down_payment_minor < total_minor),
      instalments integer NOT NULL CHECK (instalments BETWEEN 1 AND 120),
      frequency integer NOT NULL,
      first_date date NOT NULL,
      channel integer NOT NULL,
      taken_by integer NOT NULL,
      agent_id text NOT NULL DEFAULT '',
      state integer NOT NULL,
      idempotency_key text NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, idempotency_key)
    )`);
    await q.query(`CREATE INDEX payment_plan_account ON payment_plan (tenant_id, account_id, created_at)`);
    await q.query(`CREATE TABLE plan_instalment (
      tenant_id text NOT NULL,
      plan_id uuid NOT NULL,
      seq integer NOT NULL,
      due_date date NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      paid_minor bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0 AND paid_minor <= amount_minor),
      PRIMARY KEY (tenant_id, plan_id, seq),
      FOREIGN KEY (tenant_id, plan_id) REFERENCES payment_plan (tenant_id, id)
    )`);
    // Every payment a plan received, in the order it was posted; a reversed one stays, flagged.
    await q.query(`CREATE TABLE plan_payment (
      tenant_id text NOT NULL,
      plan_id uuid NOT NULL,
      payment_id text NOT NULL,
      received_seq bigint GENERATED ALWAYS AS IDENTITY,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      paid_on date NOT NULL,
      reversed boolean NOT NULL DEFAULT false,
      PRIMARY KEY (tenant_id, payment_id),
      FOREIGN KEY (tenant_id, plan_id) REFERENCES payment_plan (tenant_id, id)
    )`);
    // Where each live payment went: recomputed from plan_payment whenever a payment arrives or is reversed.
    await q.query(`CREATE TABLE plan_allocation (
      tenant_id text NOT NULL,
      plan_id uuid NOT NULL,
      payment_id text NOT NULL,
      seq integer NOT NULL,
      amount_minor bigint NOT NULL CHECK (amount_minor > 0),
      paid_on date NOT NULL,
      PRIMARY KEY (tenant_id, plan_id, payment_id, seq),
      FOREIGN KEY (tenant_id, plan_id) REFERENCES payment_plan (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE plan_announcement (
      tenant_id text NOT NULL,
      plan_id uuid NOT NULL,
      kind text NOT NULL,
      seq integer NOT NULL,
      announced_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, plan_id, kind, seq),
      FOREIGN KEY (tenant_id, plan_id) REFERENCES payment_plan (tenant_id, id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE plan_announcement, plan_allocation, plan_payment, plan_instalment, payment_plan');
  }
}
