import { EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { ContactRefusals } from '../../planning/contact-refusals';
import { PolicyVerdict, checkPolicy } from '../../planning/domain/contact-plan';
import { PlannerRepository } from '../../planning/planner.repository';
import { recordDecision } from '../../planning/usecases/plan-account.usecase';
import { contactChannelOf } from '../domain';
import { AgentTaskRow } from '../agent-task.row';
import { AgentQueueRepository } from '../agent-queue.repository';

/** What the contact law said of handing a task out now. */
export type TaskLawAnswer =
  /** Allowed (`decisionId`: the decision recorded), or no contact (a reply review: no decision). */
  | { kind: 'allowed'; decisionId: string | null }
  /** Refused until `task.due_at` (the next permitted time), or for good (`task.state` cancelled). */
  | { kind: 'refused'; task: AgentTaskRow; verdict: PolicyVerdict }
  /** The debtor's facts are not known (yet): not handed out, left as it is. */
  | { kind: 'unknown' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The contact law asked about an agent's call or visit at the moment it would be handed out: the
 * dispatcher's send-time check (`DispatchDueContactsUseCase.decideAtSend`) for a person's contact.
 * Same engine (`checkPolicy`), same facts (`PlannerRepository.debtorOf`: time zone, jurisdiction,
 * consents, opt-outs, holds), same history (`historyOf`: the debtor's contacts on every account,
 * agents' and the voice bot's calls counted, a conversation where the debtor was reached), and the
 * decision recorded the same way (`contact_decision` stage `send`, ContactDecision), caused by
 * `agent-task:<id>`. Refused for now, the task stays open, due at the next permitted time;
 * refused for good (a hold, an opt-out or no consent for the channel, no rule pack), it is
 * cancelled. Either way the refusal stays on the task. Runs in the caller's transaction, on a task
 * row it holds locked.
 */
export class AgentTaskContactLaw {
  constructor(
    private readonly outbox: Outbox,
    private readonly refusals?: ContactRefusals,
    private readonly planner = new PlannerRepository(),
    private readonly tasks = new AgentQueueRepository(),
  ) {}

  /** `recordAllowed`: false for a listing (only a refusal changes the task; a claim records its decision). */
  async decide(tx: EntityManager, task: AgentTaskRow, now: Date, recordAllowed = true): Promise<TaskLawAnswer> {
    const channel = contactChannelOf(task.kind);
    if (!channel || !task.account_id) return { kind: 'allowed', decisionId: null };
    const debtor = await this.planner.debtorOf(tx, task.tenant_id, task.account_id);
    if (!debtor) return { kind: 'unknown' };
    // A field visit's schedule row was recorded sent when the task was queued: not a contact
    // before this one.
    const visitRow = task.caused_by_event_id.startsWith('visit:') ? task.caused_by_event_id.slice(6) : undefined;
    const history = await this.planner.historyOf(
      tx,
      task.tenant_id,
      debtor.debtorId,
      visitRow && UUID.test(visitRow) ? visitRow : undefined,
    );
    const verdict = checkPolicy(channel, debtor, history, now, task.account_id);
    if (verdict.allowed && !recordAllowed) return { kind: 'allowed', decisionId: null };
    const decisionId = await recordDecision(this.planner, tx, this.outbox, {
      tenantId: task.tenant_id,
      accountId: task.account_id,
      causedBy: `agent-task:${task.id}`,
      now,
      verdict,
      stage: 'send',
      armId: '',
    });
    this.refusals?.count(tx, verdict);
    if (verdict.allowed) return { kind: 'allowed', decisionId };
    const refused = await this.tasks.markRefused(tx, task.tenant_id, task.id, {
      reasons: verdict.reasons,
      at: now,
      nextPermittedAt: verdict.nextPermittedAt,
      decisionId,
    });
    return { kind: 'refused', task: refused ?? task, verdict };
  }
}
