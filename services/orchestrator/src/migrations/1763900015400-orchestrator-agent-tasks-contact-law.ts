import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agent calls and visits under the contact law. A task the law refuses when it is about to be
 * handed out keeps the refusal (`refusal_reasons`, `refused_at`, `refusal_next_permitted_at`):
 * refused for now it stays open, due again at the next permitted time; refused for good (a hold,
 * an opt-out, an erased debtor, no rule pack) it is `cancelled`. A claimed task carries the
 * decision that allowed it. Each call outcome records the debtor called (the account's primary
 * debtor) and the channel (`call`, or `visit` for a field visit's outcome), so the contact history
 * the planner and the dispatcher read counts agents' calls by debtor, by index.
 */
export class OrchestratorAgentTasksContactLaw1763900015400 implements MigrationInterface {
  name = 'OrchestratorAgentTasksContactLaw1763900015400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_state_check`);
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_check`);
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_state_check CHECK (state IN ('open', 'claimed', 'completed', 'cancelled'))`,
    );
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_check CHECK ((state IN ('open', 'cancelled')) = (agent_id IS NULL))`,
    );
    await q.query(`ALTER TABLE agent_task ADD COLUMN refusal_reasons text[] NOT NULL DEFAULT '{}',
      ADD COLUMN refused_at timestamptz, ADD COLUMN refusal_next_permitted_at timestamptz, ADD COLUMN decision_id uuid`);
    await q.query(
      `ALTER TABLE agent_call_outcome ADD COLUMN debtor_id text, ADD COLUMN channel text NOT NULL DEFAULT 'call'`,
    );
    await q.query(
      `UPDATE agent_call_outcome o SET channel = 'visit' FROM agent_task t
        WHERE t.tenant_id = o.tenant_id AND t.id = o.task_id AND t.kind = 'field_visit'`,
    );
    await q.query(
      `UPDATE agent_call_outcome o SET debtor_id = (SELECT a.debtor_id FROM account_party a
         WHERE a.tenant_id = o.tenant_id AND a.account_id = o.account_id ORDER BY a.role LIMIT 1)`,
    );
    // The contact history's agents' calls (a voice-bot call or a visit counts by its schedule row).
    await q.query(
      `CREATE INDEX agent_call_outcome_debtor_calls ON agent_call_outcome (tenant_id, debtor_id, recorded_at)
        WHERE source = 'agent' AND channel = 'call'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agent_call_outcome_debtor_calls`);
    await q.query(`ALTER TABLE agent_call_outcome DROP COLUMN debtor_id, DROP COLUMN channel`);
    await q.query(`UPDATE agent_task SET state = 'completed', completed_at = refused_at WHERE state = 'cancelled'`);
    await q.query(`ALTER TABLE agent_task DROP COLUMN refusal_reasons, DROP COLUMN refused_at,
      DROP COLUMN refusal_next_permitted_at, DROP COLUMN decision_id`);
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_check`);
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_state_check`);
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_state_check CHECK (state IN ('open', 'claimed', 'completed'))`,
    );
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_check CHECK ((state = 'open') = (agent_id IS NULL))`,
    );
  }
}
