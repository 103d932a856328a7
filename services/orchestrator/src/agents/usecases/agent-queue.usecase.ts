import { DataSource } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { AppError, Clock, TENANT_CONFIGURATION_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import {
  AgentProfile,
  AgentTaskStateName,
  TaskCompletion,
  taskFitsAgent,
  validateAgent,
  validateCompletion,
} from '../domain';
import { AgentTaskRow } from '../agent-task.row';
import { AgentQueueRepository, AgentRow, agentProfileOf } from '../agent-queue.repository';
import { recordCallOutcome } from '../record-call-outcome';
import { AgentTaskContactLaw, DialDirectory, TaskLawAnswer } from './agent-task-contact-law';

/**
 * How many due tasks one "next" claim may find refused by the contact law before it answers
 * "none": each refused one is moved out of the due tasks, so the next claim goes on from there.
 */
const MAX_REFUSALS_PER_CLAIM = 50;

/**
 * A task handed to an agent by a claim; for a call or negotiation, `phone`: the number the contact
 * law lets them dial (see `AgentTaskContactLaw.decide`). Answered to the agent only: never stored,
 * published or logged.
 */
export type ClaimedAgentTask = AgentTaskRow & { readonly phone?: string };

export interface ListTasksQuery {
  state?: AgentTaskStateName;
  queue?: string;
  agentId?: string;
  limit?: number;
}

/** The agent queue commands and queries; every one begins with the tenant it acts for. */
export class AgentQueueUseCase {
  constructor(
    private readonly db: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly repo = new AgentQueueRepository(),
    private readonly law = new AgentTaskContactLaw(outbox),
    /** The ledger's directory: the number a claimed call is made on. Absent: no number is offered. */
    private readonly directory?: DialDirectory,
  ) {}

  async putAgent(tenantId: string, profile: AgentProfile): Promise<AgentRow> {
    requireRole(currentPrincipal(), TENANT_CONFIGURATION_ROLES, "changing agents' skills and capacity");
    const agent = validateAgent(profile);
    return this.db.transaction(async (tx) => {
      await this.repo.putAgent(tx, tenantId, agent, this.clock.now());
      return (await this.repo.agent(tx, tenantId, agent.agentId))!;
    });
  }

  async getAgent(tenantId: string, agentId: string): Promise<AgentRow> {
    const row = await this.repo.agent(this.db.manager, tenantId, agentId);
    if (!row) throw AppError.notFound(`agent ${agentId} does not exist`);
    return row;
  }

  async getTask(tenantId: string, taskId: string): Promise<AgentTaskRow> {
    const row = await this.repo.task(this.db.manager, tenantId, taskId);
    if (!row) throw AppError.notFound(`agent task ${taskId} does not exist`);
    return row;
  }

  /**
   * The tasks in a state. Open calls and visits that are due are first put to the contact law, as
   * a claim would (at most a page of them): one it refuses shows as due at its next permitted time,
   * or as cancelled, with the refusal; so an open task listed as due may be worked now.
   */
  async listTasks(tenantId: string, q: ListTasksQuery): Promise<AgentTaskRow[]> {
    const limit = q.limit && q.limit > 0 ? Math.min(q.limit, 1000) : 100;
    const filter = { state: q.state ?? 'open', queue: q.queue || undefined, agentId: q.agentId || undefined, limit };
    if (filter.state === 'open') {
      const now = this.clock.now();
      await this.db.transaction(async (tx) => {
        for (const task of await this.repo.dueContactTasks(tx, tenantId, filter, now))
          await this.law.decide(tx, task, now, 'listing');
      });
    }
    return this.repo.tasks(this.db.manager, tenantId, filter);
  }

  /**
   * Gives the agent the named task, or the next one that fits it; undefined when none is waiting.
   * The agent's row is locked for the claim, so its capacity holds; the task's row is locked, so
   * two agents never hold one task. A call or visit is handed out only when the contact law allows
   * it now (`AgentTaskContactLaw`): "next" takes the due tasks that fit, oldest first, one at a
   * time (SKIP LOCKED), and each one the law refuses moves out of the due tasks in the same
   * transaction (due at its next permitted time, or cancelled), so the law is asked only of tasks
   * that could be handed out, and of each once per due time. A named task the law refuses is
   * FAILED_PRECONDITION, its refusal kept. A call is put to the law on the number the ledger would
   * have it made on, and the claim answers that number (`ClaimedAgentTask.phone`).
   */
  async claim(tenantId: string, agentId: string, taskId?: string): Promise<ClaimedAgentTask | undefined> {
    const now = this.clock.now();
    const claimed = await this.db.transaction(
      async (tx): Promise<{ task?: ClaimedAgentTask; refused?: TaskLawAnswer }> => {
        const agent = await this.repo.agent(tx, tenantId, agentId, true);
        if (!agent) throw AppError.notFound(`agent ${agentId} does not exist`);
        if (!agent.active) throw AppError.failedPrecondition(`agent ${agentId} is not active`);
        if (agent.claimed >= agent.capacity)
          throw AppError.failedPrecondition(`agent ${agentId} holds ${agent.claimed} tasks, its capacity`);
        const profile = agentProfileOf(agent);
        if (taskId) {
          const task = await this.repo.task(tx, tenantId, taskId, true);
          if (!task) throw AppError.notFound(`agent task ${taskId} does not exist`);
          if (task.state !== 'open') throw AppError.failedPrecondition(`agent task ${taskId} is ${task.state}`);
          if (!taskFitsAgent(profile, task))
            throw AppError.failedPrecondition(`agent task ${taskId} does not fit agent ${agentId}`);
          const answer = await this.law.decide(tx, task, now, 'claim', this.directory);
          if (answer.kind !== 'allowed') return { refused: answer }; // committed: the refusal stays on the task
          return { task: await this.handOut(tx, tenantId, task, agentId, now, answer) };
        }
        const passed: string[] = [];
        for (let asked = 0; asked < MAX_REFUSALS_PER_CLAIM; asked++) {
          const task = await this.repo.nextTaskFor(tx, tenantId, profile, now, passed);
          if (!task) return {};
          const answer = await this.law.decide(tx, task, now, 'claim', this.directory);
          if (answer.kind === 'allowed') return { task: await this.handOut(tx, tenantId, task, agentId, now, answer) };
          passed.push(task.id);
        }
        return {};
      },
    );
    const refused = claimed.refused;
    if (!refused || refused.kind === 'allowed') return claimed.task;
    if (refused.kind === 'unknown')
      throw AppError.failedPrecondition(`agent task ${taskId} cannot be worked: the debtor's facts are not known yet`);
    throw AppError.failedPrecondition(
      refused.task.state === 'cancelled'
        ? `agent task ${taskId} is cancelled: the contact law refuses it (${refused.verdict.reasons.join('; ')})`
        : `agent task ${taskId} may not be worked before ${refused.task.due_at.toISOString()}: ${refused.verdict.reasons.join('; ')}`,
    );
  }

  /** Closes a task the agent holds, recording and publishing its call outcome. */
  async complete(tenantId: string, agentId: string, taskId: string, completion: TaskCompletion): Promise<AgentTaskRow> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const task = await this.heldTask(tx, tenantId, agentId, taskId);
      const localToday = await this.repo.localToday(tx, tenantId, task.account_id, now);
      const c = validateCompletion(task.kind, completion, localToday);
      if (c.outcome)
        await recordCallOutcome(
          tx,
          this.outbox,
          {
            tenantId,
            accountId: task.account_id,
            taskId: task.id,
            agentId,
            source: 'agent',
            channel: task.kind === 'field_visit' ? 'visit' : 'call',
            outcome: c.outcome,
            promisedAmount: c.promisedAmount,
            promisedDate: c.promisedDate,
            causedBy: `agent-task:${task.id}`,
            now,
          },
          this.law,
        );
      return this.repo.markCompleted(tx, tenantId, task.id, c.outcome ?? null, now);
    });
  }

  /**
   * Gives a held task back to its queue; or cancels it (AgentTaskCancelled, cause release) when
   * the contact law now refuses it for good (a hold, an opt-out or a consent withdrawn while the
   * agent held it), or its debtor was erased meanwhile: work the law stops is not queued again.
   */
  async release(tenantId: string, agentId: string, taskId: string): Promise<AgentTaskRow> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const held = await this.heldTask(tx, tenantId, agentId, taskId);
      return (await this.law.cancelOnRelease(tx, held, now, agentId)) ?? this.repo.markOpen(tx, tenantId, taskId);
    });
  }

  /** The task marked claimed by the agent, with the number the law allowed the call on. */
  private async handOut(
    tx: Parameters<AgentQueueRepository['task']>[0],
    tenantId: string,
    task: AgentTaskRow,
    agentId: string,
    now: Date,
    answer: Extract<TaskLawAnswer, { kind: 'allowed' }>,
  ): Promise<ClaimedAgentTask> {
    const claimed = await this.repo.markClaimed(tx, tenantId, task.id, agentId, now, answer.decisionId);
    return answer.phone ? { ...claimed, phone: answer.phone } : claimed;
  }

  private async heldTask(
    tx: Parameters<AgentQueueRepository['task']>[0],
    tenantId: string,
    agentId: string,
    taskId: string,
  ): Promise<AgentTaskRow> {
    const task = await this.repo.task(tx, tenantId, taskId, true);
    if (!task) throw AppError.notFound(`agent task ${taskId} does not exist`);
    if (task.state !== 'claimed' || task.agent_id !== agentId)
      throw AppError.failedPrecondition(`agent task ${taskId} is not held by agent ${agentId}`);
    return task;
  }
}
