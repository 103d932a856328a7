import { EntityManager } from 'typeorm';
import { localDate } from '@collections/platform';
import {
  AgentProfile,
  AgentTaskKindName,
  AgentTaskStateName,
  CONTACT_TASK_KINDS,
  CONTACT_TASK_KINDS_SQL,
  contactKindsOf,
} from './domain';
import { AgentTaskRow, TASK_COLUMNS } from './agent-task.row';

export interface AgentRow {
  agent_id: string;
  name: string;
  skills: AgentTaskKindName[];
  languages: string[];
  segments: string[];
  queues: string[];
  capacity: number;
  active: boolean;
  claimed: number;
}

export function agentProfileOf(row: AgentRow): AgentProfile {
  return {
    agentId: row.agent_id,
    name: row.name,
    skills: row.skills,
    languages: row.languages,
    segments: row.segments,
    queues: row.queues,
    capacity: row.capacity,
    active: row.active,
  };
}

export interface TaskFilter {
  state: AgentTaskStateName;
  queue?: string;
  agentId?: string;
  limit: number;
}

/** The agent queues' queries; every one is scoped to a tenant. */
export class AgentQueueRepository {
  async putAgent(tx: EntityManager, tenantId: string, a: AgentProfile, now: Date): Promise<void> {
    await tx.query(
      `INSERT INTO agent_profile (tenant_id, agent_id, name, skills, languages, segments, queues, capacity, active, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, agent_id) DO UPDATE SET name = EXCLUDED.name, skills = EXCLUDED.skills,
         languages = EXCLUDED.languages, segments = EXCLUDED.segments, queues = EXCLUDED.queues,
         capacity = EXCLUDED.capacity, active = EXCLUDED.active, updated_at = EXCLUDED.updated_at`,
      [tenantId, a.agentId, a.name, a.skills, a.languages, a.segments, a.queues, a.capacity, a.active, now],
    );
  }

  /** The agent with the number of tasks it holds; `lock` serialises one agent's claims (capacity). */
  async agent(tx: EntityManager, tenantId: string, agentId: string, lock = false): Promise<AgentRow | undefined> {
    const [row] = (await tx.query(
      `SELECT agent_id, name, skills, languages, segments, queues, capacity, active FROM agent_profile
        WHERE tenant_id = $1 AND agent_id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, agentId],
    )) as Omit<AgentRow, 'claimed'>[];
    if (!row) return undefined;
    const [{ n }] = (await tx.query(
      `SELECT count(*)::int AS n FROM agent_task WHERE tenant_id = $1 AND agent_id = $2 AND state = 'claimed'`,
      [tenantId, agentId],
    )) as { n: number }[];
    return { ...row, claimed: n };
  }

  async task(tx: EntityManager, tenantId: string, taskId: string, lock = false): Promise<AgentTaskRow | undefined> {
    if (!UUID.test(taskId)) return undefined;
    const [row] = (await tx.query(
      `SELECT ${TASK_COLUMNS} FROM agent_task t WHERE t.tenant_id = $1 AND t.id = $2 ${lock ? 'FOR UPDATE OF t' : ''}`,
      [tenantId, taskId],
    )) as AgentTaskRow[];
    return row;
  }

  async tasks(tx: EntityManager, tenantId: string, f: TaskFilter): Promise<AgentTaskRow[]> {
    return (await tx.query(
      `SELECT ${TASK_COLUMNS} FROM agent_task t WHERE t.tenant_id = $1 AND t.state = $2
          AND ($3::text IS NULL OR t.queue = $3) AND ($4::text IS NULL OR t.agent_id = $4)
        ORDER BY t.due_at, t.created_at, t.id LIMIT $5`,
      [tenantId, f.state, f.queue ?? null, f.agentId ?? null, f.limit],
    )) as AgentTaskRow[];
  }

  /**
   * Locks the open task, due by `now`, that the agent should work next (oldest due first), skipping
   * tasks another agent is claiming at this instant and those in `skip`. The filter is
   * taskFitsAgent() in SQL; a call or visit whose debtor's facts are not known yet is not a
   * candidate (the contact law could not be asked). The contact law is asked of the candidate
   * after (`AgentTaskContactLaw`): one refused moves out of the due tasks (due later, or cancelled).
   */
  async nextTaskFor(
    tx: EntityManager,
    tenantId: string,
    a: AgentProfile,
    now: Date,
    skip: readonly string[] = [],
  ): Promise<AgentTaskRow | undefined> {
    const [row] = (await tx.query(
      `SELECT * FROM agent_task t
        WHERE tenant_id = $1 AND state = 'open' AND due_at <= $2 AND kind = ANY($3::text[])
          AND (cardinality($4::text[]) = 0 OR queue = ANY($4::text[]))
          AND (language = '' OR cardinality($5::text[]) = 0 OR split_part(language, '-', 1) = ANY($5::text[]))
          AND (segment = '' OR cardinality($6::text[]) = 0 OR segment = ANY($6::text[]))
          AND NOT (id = ANY($7::uuid[]))
          AND (kind NOT IN (${CONTACT_TASK_KINDS_SQL}) OR EXISTS (
                SELECT 1 FROM account_party ap JOIN debtor_profile p ON p.tenant_id = ap.tenant_id AND p.debtor_id = ap.debtor_id
                 WHERE ap.tenant_id = t.tenant_id AND ap.account_id = t.account_id))
        ORDER BY due_at, created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [tenantId, now, a.skills, a.queues, a.languages, a.segments, skip],
    )) as AgentTaskRow[];
    return row;
  }

  /**
   * Locks the open calls and visits of a listing, in its order (oldest due first, at most `limit`),
   * due or not yet, skipping those being claimed and those in `skip` (screened already): the
   * contact law is asked of them before they are shown.
   */
  async listedContactTasks(
    tx: EntityManager,
    tenantId: string,
    f: Omit<TaskFilter, 'state' | 'agentId'>,
    skip: readonly string[] = [],
  ): Promise<AgentTaskRow[]> {
    return (await tx.query(
      `SELECT * FROM agent_task t WHERE t.tenant_id = $1 AND t.state = 'open'
          AND t.kind IN (${CONTACT_TASK_KINDS_SQL}) AND ($2::text IS NULL OR t.queue = $2) AND NOT (t.id = ANY($4::uuid[]))
        ORDER BY t.due_at, t.created_at, t.id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [tenantId, f.queue ?? null, f.limit, skip],
    )) as AgentTaskRow[];
  }

  async markClaimed(
    tx: EntityManager,
    tenantId: string,
    taskId: string,
    agentId: string,
    now: Date,
    decisionId: string | null = null,
  ) {
    const [row] = (await tx.query(
      `WITH claimed AS (UPDATE agent_task SET state = 'claimed', agent_id = $3, claimed_at = $4, decision_id = $5,
          refusal_reasons = '{}', refused_at = NULL, refusal_next_permitted_at = NULL
        WHERE tenant_id = $1 AND id = $2 AND state = 'open' RETURNING *) SELECT ${TASK_COLUMNS} FROM claimed t`,
      [tenantId, taskId, agentId, now, decisionId],
    )) as AgentTaskRow[];
    return row;
  }

  /**
   * The contact law refused the open task: for now (`nextPermittedAt`: it is due again then) or
   * for good (null: cancelled). The refusal stays on the task for the agents and operators.
   */
  async markRefused(
    tx: EntityManager,
    tenantId: string,
    taskId: string,
    refusal: { reasons: readonly string[]; at: Date; nextPermittedAt: Date | null; decisionId: string },
  ): Promise<AgentTaskRow | undefined> {
    const [row] = (await tx.query(
      `WITH refused AS (UPDATE agent_task SET state = CASE WHEN $5::timestamptz IS NULL THEN 'cancelled' ELSE state END,
          due_at = COALESCE($5::timestamptz, due_at), refusal_reasons = $3, refused_at = $4,
          refusal_next_permitted_at = $5, decision_id = $6
        WHERE tenant_id = $1 AND id = $2 AND state = 'open' RETURNING *) SELECT ${TASK_COLUMNS} FROM refused t`,
      [tenantId, taskId, refusal.reasons, refusal.at, refusal.nextPermittedAt, refusal.decisionId],
    )) as AgentTaskRow[];
    return row;
  }

  /**
   * The debtor's calls and visits not yet worked — open, or held by an agent — on every account
   * the debtor is a party to (only those of `channel`, when given), locked (oldest first) for a
   * fact about the debtor to be put to the contact law: a claim under way is waited for, and its
   * task then seen as claimed.
   */
  async contactTasksOfDebtor(
    tx: EntityManager,
    tenantId: string,
    debtorId: string,
    channel?: 'call' | 'visit',
  ): Promise<AgentTaskRow[]> {
    const kinds = channel ? contactKindsOf(channel) : [...CONTACT_TASK_KINDS];
    return (await tx.query(
      `SELECT t.* FROM agent_task t
        WHERE t.tenant_id = $1 AND t.state IN ('open', 'claimed') AND t.kind = ANY($3::text[])
          AND t.account_id IN (SELECT a.account_id FROM account_party a WHERE a.tenant_id = $1 AND a.debtor_id = $2)
        ORDER BY t.created_at, t.id FOR UPDATE OF t`,
      [tenantId, debtorId, kinds],
    )) as AgentTaskRow[];
  }

  /**
   * Cancels the open calls and visits of the debtor's accounts (an erased debtor): none is worked.
   * Answers the tasks cancelled (each once: a task already cancelled is not taken again).
   */
  async cancelOpenContactTasksOfDebtor(
    tx: EntityManager,
    tenantId: string,
    debtorId: string,
    reason: string,
    now: Date,
  ): Promise<AgentTaskRow[]> {
    return (await tx.query(
      `WITH cancelled AS (UPDATE agent_task t SET state = 'cancelled', refusal_reasons = ARRAY[$3], refused_at = $4,
          refusal_next_permitted_at = NULL
         FROM account_party a
        WHERE a.tenant_id = $1 AND a.debtor_id = $2 AND t.tenant_id = a.tenant_id AND t.account_id = a.account_id
          AND t.state = 'open' AND t.kind IN (${CONTACT_TASK_KINDS_SQL}) RETURNING t.*)
       SELECT DISTINCT ON (t.id) t.* FROM cancelled t ORDER BY t.id`,
      [tenantId, debtorId, reason, now],
    )) as AgentTaskRow[];
  }

  /**
   * The contact law refuses for good a task an agent holds: it stays the agent's (the call or
   * visit under way may be completed with its outcome), and carries the refusal, so the agent and
   * supervisors see it, and a release cancels it. Changes nothing when it already carries it.
   */
  async markHeldRefused(
    tx: EntityManager,
    tenantId: string,
    taskId: string,
    reasons: readonly string[],
    at: Date,
  ): Promise<AgentTaskRow | undefined> {
    const [row] = (await tx.query(
      `WITH refused AS (UPDATE agent_task SET refusal_reasons = $3, refused_at = $4, refusal_next_permitted_at = NULL
        WHERE tenant_id = $1 AND id = $2 AND state = 'claimed' AND refusal_reasons IS DISTINCT FROM $3::text[]
        RETURNING *) SELECT ${TASK_COLUMNS} FROM refused t`,
      [tenantId, taskId, reasons, at],
    )) as AgentTaskRow[];
    return row;
  }

  /**
   * The contact law's decision that refused the task at `at` with the reasons it carries (recorded
   * with the refusal of a held task, `AgentTaskContactLaw.sweepDebtor`); undefined when none was
   * (a refusal marked before those were recorded).
   */
  async refusalDecisionOf(tx: EntityManager, task: AgentTaskRow, at: Date): Promise<string | undefined> {
    const [row] = (await tx.query(
      `SELECT id FROM contact_decision
        WHERE tenant_id = $1 AND account_id = $2 AND decided_at = $3 AND caused_by_event = $4
          AND stage = 'send' AND NOT allowed AND reasons = $5::text[]
        ORDER BY id LIMIT 1`,
      [task.tenant_id, task.account_id, at, `agent-task:${task.id}`, task.refusal_reasons],
    )) as { id: string }[];
    return row?.id;
  }

  /** A held task cancelled on its release (the contact law refuses it for good), with the refusal. */
  async cancelReleased(
    tx: EntityManager,
    tenantId: string,
    taskId: string,
    refusal: { reasons: readonly string[]; at: Date; decisionId: string | null },
  ): Promise<AgentTaskRow | undefined> {
    const [row] = (await tx.query(
      `WITH cancelled AS (UPDATE agent_task SET state = 'cancelled', agent_id = NULL, refusal_reasons = $3,
          refused_at = $4, refusal_next_permitted_at = NULL, decision_id = COALESCE($5, decision_id)
        WHERE tenant_id = $1 AND id = $2 AND state = 'claimed' RETURNING *) SELECT ${TASK_COLUMNS} FROM cancelled t`,
      [tenantId, taskId, refusal.reasons, refusal.at, refusal.decisionId],
    )) as AgentTaskRow[];
    return row;
  }

  /**
   * Closes the agent's task. A negotiation an agent completed is a forbearance measure on record
   * for the account (`planner_account.forbearance_on_record_at`, the first one's time stays).
   */
  async markCompleted(tx: EntityManager, tenantId: string, taskId: string, outcome: string | null, now: Date) {
    const [row] = (await tx.query(
      `WITH completed AS (UPDATE agent_task SET state = 'completed', completed_at = $3, outcome = $4
        WHERE tenant_id = $1 AND id = $2 AND state = 'claimed' RETURNING *),
       forbearance AS (UPDATE planner_account pa SET forbearance_on_record_at = COALESCE(pa.forbearance_on_record_at, $3)
         FROM completed c WHERE c.kind = 'negotiate' AND pa.tenant_id = c.tenant_id AND pa.account_id = c.account_id)
       SELECT ${TASK_COLUMNS} FROM completed t`,
      [tenantId, taskId, now, outcome],
    )) as AgentTaskRow[];
    return row;
  }

  async markOpen(tx: EntityManager, tenantId: string, taskId: string) {
    const [row] = (await tx.query(
      `WITH released AS (UPDATE agent_task SET state = 'open', agent_id = NULL, claimed_at = NULL,
          refusal_reasons = '{}', refused_at = NULL, refusal_next_permitted_at = NULL
        WHERE tenant_id = $1 AND id = $2 AND state = 'claimed' RETURNING *) SELECT ${TASK_COLUMNS} FROM released t`,
      [tenantId, taskId],
    )) as AgentTaskRow[];
    return row;
  }

  /** The account's local calendar date (its primary debtor's time zone; UTC when unknown). */
  async localToday(tx: EntityManager, tenantId: string, accountId: string, now: Date): Promise<string> {
    return localDate(now, await accountTimeZone(tx, tenantId, accountId));
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The time zone of the account's primary debtor, from the ledger's events; UTC when unknown. */
export async function accountTimeZone(tx: EntityManager, tenantId: string, accountId: string): Promise<string> {
  const [row] = (await tx.query(
    `SELECT p.time_zone FROM account_party a JOIN debtor_profile p ON p.tenant_id = a.tenant_id AND p.debtor_id = a.debtor_id
      WHERE a.tenant_id = $1 AND a.account_id = $2 ORDER BY a.role LIMIT 1`,
    [tenantId, accountId],
  )) as { time_zone: string }[];
  return row?.time_zone ?? 'UTC';
}
