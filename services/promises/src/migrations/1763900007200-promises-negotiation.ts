import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Negotiation: every version of a tenant's limits (who set it, when, why), the offers held for a
 * supervisor's approval with the decision, and each account's scoring segment (for the segment caps).
 */
export class PromisesNegotiation1763900007200 implements MigrationInterface {
  name = 'PromisesNegotiation1763900007200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE negotiation_policy_version (
      tenant_id text NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      policy jsonb NOT NULL,
      changed_by text NOT NULL,
      change_reason text NOT NULL DEFAULT '',
      changed_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, version)
    )`);
    await q.query(`CREATE TABLE offer_approval (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('plan', 'settlement')),
      request jsonb NOT NULL,
      reason text NOT NULL,
      agent_id text NOT NULL,
      policy_version integer NOT NULL,
      state integer NOT NULL,
      idempotency_key text NOT NULL,
      requested_at timestamptz NOT NULL,
      decided_by text,
      decided_at timestamptz,
      decision_note text,
      plan_id uuid,
      settlement_id uuid,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, kind, idempotency_key)
    )`);
    await q.query(`CREATE INDEX offer_approval_by_state ON offer_approval (tenant_id, state, requested_at)`);
    await q.query(`CREATE TABLE promise_account_segment (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      segment integer NOT NULL,
      scored_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, account_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE promise_account_segment, offer_approval, negotiation_policy_version');
  }
}
