import { DataSource } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { AppError, Clock } from '@collections/platform';
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
  ) {}

  async putAgent(tenantId: string, profile: AgentProfile): Promise<AgentRow> {
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

  listTasks(tenantId: string, q: ListTasksQuery): Promise<AgentTaskRow[]> {
    const limit = q.limit && q.limit > 0 ? Math.min(q.limit, 1000) : 100;
    return this.repo.tasks(this.db.manager, tenantId, {
      state: q.state ?? 'open',
      queue: q.queue || undefined,
      agentId: q.agentId || undefined,
      limit,
    });
  }

  /**
   * Gives the agent the named task, or the next one that fits it; undefined when none is waiting.
   * The agent's row is locked for the claim, so its capacity holds; the task's row is locked, so
   * two agents never hold one task.
   */
  async claim(tenantId: string, agentId: string, taskId?: string): Promise<AgentTaskRow | undefined> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const agent = await this.repo.agent(tx, tenantId, agentId, true);
      if (!agent) throw AppError.notFound(`agent ${agentId} does not exist`);
      if (!agent.active) throw AppError.failedPrecondition(`agent ${agentId} is not active`);
      if (agent.claimed >= agent.capacity)
        throw AppError.failedPrecondition(`agent ${agentId} holds ${agent.claimed} tasks, its capacity`);
      const profile = agentProfileOf(agent);
      let task: AgentTaskRow | undefined;
      if (taskId) {
        task = await this.repo.task(tx, tenantId, taskId, true);
        if (!task) throw AppError.notFound(`agent task ${taskId} does not exist`);
        if (task.state !== 'open') throw AppError.failedPrecondition(`agent task ${taskId} is ${task.state}`);
        if (!taskFitsAgent(profile, task))
          throw AppError.failedPrecondition(`agent task ${taskId} does not fit agent ${agentId}`);
      } else {
        task = await this.repo.nextTaskFor(tx, tenantId, profile, now);
        if (!task) return undefined;
      }
      return this.repo.markClaimed(tx, tenantId, task.id, agentId, now);
    });
  }

  /** Closes a task the agent holds, recording and publishing its call outcome. */
  async complete(tenantId: string, agentId: string, taskId: string, completion: TaskCompletion): Promise<AgentTaskRow> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const task = await this.heldTask(tx, tenantId, agentId, taskId);
      const localToday = await this.repo.localToday(tx, tenantId, task.account_id, now);
      const c = validateCompletion(task.kind, completion, localToday);
      if (c.outcome)
        await recordCallOutcome(tx, this.outbox, {
          tenantId,
          accountId: task.account_id,
          taskId: task.id,
          agentId,
          source: 'agent',
          outcome: c.outcome,
          promisedAmount: c.promisedAmount,
          promisedDate: c.promisedDate,
          causedBy: `agent-task:${task.id}`,
          now,
        });
      return this.repo.markCompleted(tx, tenantId, task.id, c.outcome ?? null, now);
    });
  }

  /** Gives a held task back to its queue. */
  async release(tenantId: string, agentId: string, taskId: string): Promise<AgentTaskRow> {
    return this.db.transaction(async (tx) => {
      await this.heldTask(tx, tenantId, agentId, taskId);
      return this.repo.markOpen(tx, tenantId, taskId);
    });
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
