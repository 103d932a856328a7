import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Human agents' work queues: the agents (skills, languages, segments, queues, capacity), their tasks
 * (one per tenant and cause, so a redelivered cause never queues twice) and the call outcomes
 * recorded by agents or the voice bot.
 */
export class OrchestratorAgentQueues1763900007100 implements MigrationInterface {
  name = 'OrchestratorAgentQueues1763900007100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE agent_profile (
      tenant_id text NOT NULL,
      agent_id text NOT NULL,
      name text NOT NULL DEFAULT '',
      skills text[] NOT NULL,
      languages text[] NOT NULL DEFAULT '{}',
      segments text[] NOT NULL DEFAULT '{}',
      queues text[] NOT NULL DEFAULT '{}',
      capacity integer NOT NULL CHECK (capacity >= 0),
      active boolean NOT NULL DEFAULT true,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, agent_id)
    )`);
    await q.query(`CREATE TABLE agent_task (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('call', 'review_reply', 'negotiate')),
      queue text NOT NULL,
      segment text NOT NULL DEFAULT '',
      language text NOT NULL DEFAULT '',
      reason text NOT NULL,
      caused_by_event_id text NOT NULL,
      state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'claimed', 'completed')),
      agent_id text,
      due_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      claimed_at timestamptz,
      completed_at timestamptz,
      outcome text,
      PRIMARY KEY (tenant_id, id),
      CHECK ((state = 'open') = (agent_id IS NULL))
    )`);
    await q.query(`CREATE UNIQUE INDEX agent_task_cause ON agent_task (tenant_id, caused_by_event_id)`);
    await q.query(`CREATE INDEX agent_task_waiting ON agent_task (tenant_id, due_at, created_at) WHERE state = 'open'`);
    await q.query(`CREATE INDEX agent_task_held ON agent_task (tenant_id, agent_id) WHERE state = 'claimed'`);
    await q.query(`CREATE TABLE agent_call_outcome (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      task_id uuid,
      agent_id text,
      source text NOT NULL CHECK (source IN ('agent', 'voice_bot')),
      outcome text NOT NULL,
      promised_amount_minor bigint,
      promised_currency text,
      promised_date date,
      recorded_at timestamptz NOT NULL,
      caused_by text NOT NULL,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE UNIQUE INDEX agent_call_outcome_cause ON agent_call_outcome (tenant_id, caused_by)`);
    await q.query(`CREATE INDEX agent_call_outcome_account ON agent_call_outcome (tenant_id, account_id, recorded_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE agent_call_outcome');
    await q.query('DROP TABLE agent_task');
    await q.query('DROP TABLE agent_profile');
  }
}
