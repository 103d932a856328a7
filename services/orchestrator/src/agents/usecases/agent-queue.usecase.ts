import { DataSource, EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { AppError, Clock, TENANT_CONFIGURATION_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import {
  AgentProfile,
  AgentTaskStateName,
  NumberToDial,
  TaskCompletion,
  taskFitsAgent,
  validateAgent,
  validateCompletion,
} from '../domain';
import { AgentTaskRow } from '../agent-task.row';
import { AgentQueueRepository, AgentRow, agentProfileOf } from '../agent-queue.repository';
import { recordCallOutcome } from '../record-call-outcome';
import { AgentTaskContactLaw, DialDirectory, TaskLawAnswer, numberToDial } from './agent-task-contact-law';

/**
 * How many due tasks one "next" claim may find refused by the contact law before it answers
 * "none": each refused one is moved out of the due tasks, so the next claim goes on from there.
 */
const MAX_REFUSALS_PER_CLAIM = 50;

/**
 * How many times one "next" claim picks a call again when, while the ledger was asked for its
 * number, another agent took it or it changed (no longer open, due or fitting).
 */
const MAX_CLAIM_RACES = 3;

/**
 * How many pages' worth of calls and visits one listing may put to the contact law: each one it
 * moves out of the page is replaced by the next, up to this many times the page.
 */
const MAX_LISTING_SCREENED = 2;

/** A step of a claim: the task claimed, or not (`refused`: the law's refusal; none for "no task"). */
type ClaimStep =
  | { kind: 'claimed'; task: ClaimedAgentTask }
  | { kind: 'refused'; refused?: Exclude<TaskLawAnswer, { kind: 'allowed' }> };

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
   * The tasks in a state. The open calls and visits the listing would show are first put to the
   * contact law on the orchestrator's own facts (`screenListed`), so an open task listed as due may
   * be worked now, and none is listed that the law refuses for good on those facts (a hold, an
   * opt-out, the debtor's only number at a workplace that forbids calls): those are cancelled,
   * with the refusal, and left out.
   */
  async listTasks(tenantId: string, q: ListTasksQuery): Promise<AgentTaskRow[]> {
    const limit = q.limit && q.limit > 0 ? Math.min(q.limit, 1000) : 100;
    const filter = { state: q.state ?? 'open', queue: q.queue || undefined, agentId: q.agentId || undefined, limit };
    if (filter.state === 'open') await this.db.transaction((tx) => this.screenListed(tx, tenantId, filter));
    return this.repo.tasks(this.db.manager, tenantId, filter);
  }

  /**
   * The open calls and visits of a listing's page, put to the law as a claim would (at most a page
   * of them, and as many more as the law moved out of it, up to `MAX_LISTING_SCREENED` pages):
   * - due: refused for now, due at its next permitted time; refused for good, cancelled;
   * - not yet due: cancelled when the law refuses it for good now; a time rule is left to the claim
   *   (it is listed with the time it is due).
   * Each one moved out of the page is replaced by the next, screened too, so a task that slid into
   * the page is not shown unscreened. No ledger call: the debtor's facts alone decide (a claim
   * still refuses a call whose only number the ledger flags and the facts do not know yet).
   */
  private async screenListed(
    tx: EntityManager,
    tenantId: string,
    filter: { queue?: string; limit: number },
  ): Promise<void> {
    const now = this.clock.now();
    const screened: string[] = [];
    for (let want = filter.limit; want > 0 && screened.length < filter.limit * MAX_LISTING_SCREENED;) {
      const tasks = await this.repo.listedContactTasks(tx, tenantId, { queue: filter.queue, limit: want }, screened);
      let moved = 0;
      for (const task of tasks) {
        screened.push(task.id);
        const refused =
          task.due_at <= now
            ? (await this.law.decide(tx, task, now, 'listing')).kind === 'refused'
            : !!(await this.law.cancelIfRefusedForGood(tx, task, now, { cause: 'listing', causedBy: '' }));
        if (refused) moved++;
      }
      want = tasks.length < want ? 0 : moved;
    }
  }

  /**
   * Gives the agent the named task, or the next one that fits it; undefined when none is waiting.
   * The agent's row is locked for the claim, so its capacity holds; the task's row is locked, so
   * two agents never hold one task. A call or visit is handed out only when the contact law allows
   * it now (`AgentTaskContactLaw`): "next" takes the due tasks that fit, oldest first, one at a
   * time (SKIP LOCKED), and each one the law refuses moves out of the due tasks in the same
   * transaction (due at its next permitted time, or cancelled), so the law is asked only of tasks
   * that could be handed out, and of each once per due time. A named task the law refuses is
   * FAILED_PRECONDITION, its refusal kept.
   *
   * A call is put to the law on the number the ledger would have it made on, and the claim answers
   * that number (`ClaimedAgentTask.phone`). The ledger is asked with no transaction open: the task
   * is picked (and "next"'s refusals on the facts committed) in one transaction, the number read,
   * then a second transaction locks the agent and the task again, checks the task is still open
   * and fits, and decides on the number (the decision recorded once). A named task taken or changed
   * meanwhile answers as it would have; "next" picks again (`MAX_CLAIM_RACES` times at most).
   */
  async claim(tenantId: string, agentId: string, taskId?: string): Promise<ClaimedAgentTask | undefined> {
    const now = this.clock.now();
    const passed: string[] = [];
    for (let raced = 0; raced < MAX_CLAIM_RACES;) {
      const picked = await this.db.transaction((tx) => this.pick(tx, tenantId, agentId, now, taskId, passed));
      if (picked.kind !== 'ask-ledger') return this.claimed(picked, taskId);
      const number = await numberToDial(this.directory!, tenantId, picked.debtorId);
      const dialled = await this.db.transaction((tx) =>
        this.claimCall(tx, tenantId, agentId, picked.task.id, now, number, !!taskId),
      );
      if (dialled.kind === 'raced') raced++;
      else if (dialled.kind === 'refused' && !taskId) passed.push(picked.task.id);
      else return this.claimed(dialled, taskId);
    }
    return undefined;
  }

  /**
   * The claim's first transaction: the agent locked, the named task or the next one the law allows
   * on the facts, claimed unless it is a call whose number the ledger is to give (`ask-ledger`:
   * nothing claimed). "Next" passes over the tasks in `passed` and adds those it refuses.
   */
  private async pick(
    tx: EntityManager,
    tenantId: string,
    agentId: string,
    now: Date,
    taskId: string | undefined,
    passed: string[],
  ): Promise<ClaimStep | { kind: 'ask-ledger'; task: AgentTaskRow; debtorId: string }> {
    const profile = await this.lockAgent(tx, tenantId, agentId);
    if (taskId) {
      const task = await this.lockNamedTask(tx, tenantId, agentId, taskId, profile);
      const answer = await this.screen(tx, task, now, true);
      if (answer.kind === 'ask-ledger') return { ...answer, task };
      return this.handOutIfAllowed(tx, tenantId, task, agentId, now, answer); // a refusal is committed: it stays on the task
    }
    while (passed.length < MAX_REFUSALS_PER_CLAIM) {
      const task = await this.repo.nextTaskFor(tx, tenantId, profile, now, passed);
      if (!task) return { kind: 'refused' };
      const answer = await this.screen(tx, task, now, false);
      if (answer.kind === 'ask-ledger') return { ...answer, task };
      if (answer.kind === 'allowed') return this.handOutIfAllowed(tx, tenantId, task, agentId, now, answer);
      passed.push(task.id);
    }
    return { kind: 'refused' };
  }

  /**
   * The law on a task a claim picked, on the facts: with a ledger to ask, a call whose number it is
   * to give is left to it (`ask-ledger`; `named`: the agent named it, asked even when the facts refuse it); without one, decided here.
   */
  private screen(tx: EntityManager, task: AgentTaskRow, now: Date, named: boolean) {
    return this.directory ? this.law.screenClaim(tx, task, now, named) : this.law.decide(tx, task, now, 'claim');
  }

  /**
   * The claim's second transaction, once the ledger gave the call's `number`: the agent and the
   * task locked again, the task checked still open (and for "next", still due) and fitting, then
   * put to the law on the number and claimed, or refused (the refusal kept on the task).
   */
  private async claimCall(
    tx: EntityManager,
    tenantId: string,
    agentId: string,
    taskId: string,
    now: Date,
    number: NumberToDial,
    named: boolean,
  ): Promise<ClaimStep | { kind: 'raced' }> {
    const profile = await this.lockAgent(tx, tenantId, agentId);
    let task: AgentTaskRow;
    if (named) task = await this.lockNamedTask(tx, tenantId, agentId, taskId, profile);
    else {
      const row = await this.repo.task(tx, tenantId, taskId, true);
      if (!row || row.state !== 'open' || row.due_at > now || !taskFitsAgent(profile, row)) return { kind: 'raced' };
      task = row;
    }
    return this.handOutIfAllowed(
      tx,
      tenantId,
      task,
      agentId,
      now,
      await this.law.decide(tx, task, now, 'claim', number),
    );
  }

  /** The agent's profile, its row locked: active, and holding fewer tasks than its capacity. */
  private async lockAgent(tx: EntityManager, tenantId: string, agentId: string): Promise<AgentProfile> {
    const agent = await this.repo.agent(tx, tenantId, agentId, true);
    if (!agent) throw AppError.notFound(`agent ${agentId} does not exist`);
    if (!agent.active) throw AppError.failedPrecondition(`agent ${agentId} is not active`);
    if (agent.claimed >= agent.capacity)
      throw AppError.failedPrecondition(`agent ${agentId} holds ${agent.claimed} tasks, its capacity`);
    return agentProfileOf(agent);
  }

  /** The named task, its row locked: open, and fitting the agent. */
  private async lockNamedTask(
    tx: EntityManager,
    tenantId: string,
    agentId: string,
    taskId: string,
    profile: AgentProfile,
  ): Promise<AgentTaskRow> {
    const task = await this.repo.task(tx, tenantId, taskId, true);
    if (!task) throw AppError.notFound(`agent task ${taskId} does not exist`);
    if (task.state !== 'open') throw AppError.failedPrecondition(`agent task ${taskId} is ${task.state}`);
    if (!taskFitsAgent(profile, task))
      throw AppError.failedPrecondition(`agent task ${taskId} does not fit agent ${agentId}`);
    return task;
  }

  /** The task claimed when the law allows it; otherwise the refusal (committed with the transaction). */
  private async handOutIfAllowed(
    tx: EntityManager,
    tenantId: string,
    task: AgentTaskRow,
    agentId: string,
    now: Date,
    answer: TaskLawAnswer,
  ): Promise<ClaimStep> {
    if (answer.kind !== 'allowed') return { kind: 'refused', refused: answer };
    return { kind: 'claimed', task: await this.handOut(tx, tenantId, task, agentId, now, answer) };
  }

  /** What a claim answers: the task claimed, none (a "next" claim), or a named task's refusal. */
  private claimed(step: ClaimStep, taskId: string | undefined): ClaimedAgentTask | undefined {
    if (step.kind === 'claimed') return step.task;
    const refused = step.refused;
    if (!refused || !taskId) return undefined;
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
