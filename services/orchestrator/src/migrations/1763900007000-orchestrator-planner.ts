import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The planner's read model of each account (from ledger, scoring and promises events) with its
 * place in a strategy, the schedule of contacts the dispatcher executes, and which debtor owns
 * an address (by hash: the address itself is never stored here) so an opt-out reaches the debtor.
 */
export class OrchestratorPlanner1763900007000 implements MigrationInterface {
  name = 'OrchestratorPlanner1763900007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE debtor_profile ADD COLUMN language text NOT NULL DEFAULT ''`);
    // The instant the decision was about (a planned send, or a send at dispatch), and the stage that took it.
    await q.query(`ALTER TABLE contact_decision ADD COLUMN contact_at timestamptz`);
    await q.query(`ALTER TABLE contact_decision ADD COLUMN stage text NOT NULL DEFAULT 'score'`);
    await q.query(`CREATE TABLE planner_account (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      reference text NOT NULL DEFAULT '',
      product text NOT NULL DEFAULT '',
      currency text NOT NULL DEFAULT '',
      time_zone text NOT NULL DEFAULT 'UTC',
      segment text NOT NULL DEFAULT '',
      balance_minor bigint NOT NULL DEFAULT 0,
      balance_known boolean NOT NULL DEFAULT false,
      due_date text,
      days_past_due integer NOT NULL DEFAULT 0,
      promise_active boolean NOT NULL DEFAULT false,
      strategy_id text,
      strategy_version integer,
      arm_id text,
      entered_on text,
      steps_done text[] NOT NULL DEFAULT '{}',
      steps_failed text[] NOT NULL DEFAULT '{}',
      escalated boolean NOT NULL DEFAULT false,
      referred_to_legal boolean NOT NULL DEFAULT false,
      planned_at timestamptz,
      PRIMARY KEY (tenant_id, account_id)
    )`);
    await q.query(`CREATE TABLE contact_schedule (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      debtor_id text NOT NULL,
      decision_id uuid NOT NULL,
      strategy_id text NOT NULL,
      strategy_version integer NOT NULL,
      arm_id text NOT NULL,
      step_id text NOT NULL,
      channel text NOT NULL,
      template text NOT NULL,
      fallback boolean NOT NULL,
      due_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'invalid', 'cancelled')),
      attempts integer NOT NULL DEFAULT 0,
      provider_message_id text,
      outcome_code text,
      cancel_reason text,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      sent_at timestamptz,
      delivered_at timestamptz,
      PRIMARY KEY (tenant_id, id)
    )`);
    // One live row per account at a time, and one row per step and channel ever: a re-plan never doubles a send.
    await q.query(
      `CREATE UNIQUE INDEX contact_schedule_live ON contact_schedule (tenant_id, account_id) WHERE status IN ('pending', 'sending')`,
    );
    await q.query(
      `CREATE UNIQUE INDEX contact_schedule_step ON contact_schedule (tenant_id, account_id, strategy_id, arm_id, step_id, fallback)
        WHERE status <> 'cancelled'`,
    );
    await q.query(
      `CREATE INDEX contact_schedule_due ON contact_schedule (due_at) WHERE status IN ('pending', 'sending')`,
    );
    await q.query(`CREATE INDEX contact_schedule_debtor ON contact_schedule (tenant_id, debtor_id, sent_at)`);
    await q.query(
      `CREATE INDEX contact_schedule_provider_id ON contact_schedule (tenant_id, channel, provider_message_id)`,
    );
    await q.query(`CREATE TABLE contact_address_owner (
      tenant_id text NOT NULL,
      channel text NOT NULL,
      address_hash text NOT NULL,
      debtor_id text NOT NULL,
      PRIMARY KEY (tenant_id, channel, address_hash, debtor_id)
    )`);
    await q.query(`CREATE TABLE debtor_channel_opt_out (
      tenant_id text NOT NULL,
      debtor_id text NOT NULL,
      channel text NOT NULL,
      recorded_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, debtor_id, channel)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE debtor_channel_opt_out');
    await q.query('DROP TABLE contact_address_owner');
    await q.query('DROP TABLE contact_schedule');
    await q.query('DROP TABLE planner_account');
    await q.query('ALTER TABLE contact_decision DROP COLUMN stage');
    await q.query('ALTER TABLE contact_decision DROP COLUMN contact_at');
    await q.query('ALTER TABLE debtor_profile DROP COLUMN language');
  }
}
