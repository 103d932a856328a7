import { EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { ContactRefusals } from '../../planning/contact-refusals';
import { PolicyVerdict } from '../../planning/domain/contact-plan';
import { DebtorRow, PlannerRepository } from '../../planning/planner.repository';
import { recordDecision } from '../../planning/usecases/plan-account.usecase';
import { ContactDirectory } from '../../dispatch/contact-directory';
import { addressKindOf } from '../../dispatch/message-content';
import {
  CancelWhy,
  ERASED_REFUSAL,
  NumberToDial,
  contactChannelOf,
  dialVerdict,
  forGoodRuleCodes,
  refusedForGood,
  ruleCodesOf,
} from '../domain';
import { AgentTaskRow } from '../agent-task.row';
import { AgentQueueRepository } from '../agent-queue.repository';
import { publishAgentTaskCancelled } from '../cancel-agent-task';

/** What the contact law said of handing a task out now. */
export type TaskLawAnswer =
  /**
   * Allowed (`decisionId`: the decision recorded), or no contact (a reply review: no decision);
   * `phone`: for a call claimed with the ledger asked, the number the agent is offered.
   */
  | { kind: 'allowed'; decisionId: string | null; phone?: string }
  /** Refused until `task.due_at` (the next permitted time), or for good (`task.state` cancelled). */
  | { kind: 'refused'; task: AgentTaskRow; verdict: PolicyVerdict }
  /** The debtor's facts are not known (yet): not handed out, left as it is. */
  | { kind: 'unknown' };

/** The law's verdict on a task, read and not yet acted on. */
type Verdict =
  | { kind: 'no-contact' }
  | { kind: 'unknown' }
  | { kind: 'verdict'; verdict: PolicyVerdict; debtor: DebtorRow; phone?: string };

/** Where a claim reads the number a call is made on: the ledger's directory, as the dispatcher's. */
export type DialDirectory = Pick<ContactDirectory, 'addressesOf'>;

/** What a fact about the debtor did to their tasks. */
export interface DebtorTasksSwept {
  /** Open tasks cancelled (AgentTaskCancelled published for each). */
  cancelled: AgentTaskRow[];
  /** Held tasks that now carry a for-good refusal (still the agent's; a release cancels them). */
  held: AgentTaskRow[];
}

/** The same reasons, in the same order: the law refusing for the same rules in the same words. */
const sameReasons = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((r, i) => r === b[i]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The contact law asked about an agent's call or visit: the dispatcher's send-time check
 * (`DispatchDueContactsUseCase.decideAtSend`) for a person's contact. Same engine (`taskVerdict`:
 * `checkPolicy`), same facts (`PlannerRepository.debtorOf`: time zone, jurisdiction, consents,
 * opt-outs, holds, the tenant's pack), same history (`historyOf`: the debtor's contacts on every
 * account, agents' and the voice bot's calls counted, a conversation where the debtor was
 * reached), and the decision recorded the same way (`contact_decision` stage `send`,
 * ContactDecision), caused by `agent-task:<id>`.
 *
 * Asked when a task would be handed out (`decide`: a claim, the open listing): refused for now,
 * the task stays open, due at the next permitted time; refused for good (a hold, an opt-out or no
 * consent for the channel, no rule pack), it is cancelled. Asked again when a fact about the
 * debtor arrives that may stop contact for good (`sweepDebtor`: a hold, a consent withdrawn, an
 * opt-out, changed facts) and on a release (`cancelIfRefusedForGood`): there only a refusal for
 * good acts. Every cancellation publishes AgentTaskCancelled. Runs in the caller's transaction, on
 * task rows it holds locked.
 */
export class AgentTaskContactLaw {
  constructor(
    private readonly outbox: Outbox,
    private readonly refusals?: ContactRefusals,
    private readonly planner = new PlannerRepository(),
    private readonly tasks = new AgentQueueRepository(),
  ) {}

  /**
   * The law on handing the task out now, as a claim (`claim`: the allowing decision is recorded
   * too) or the open listing (`listing`: only a refusal changes the task). A claim of a call with
   * `number` (the ledger's, read by `numberToDial` outside any transaction: see `screenClaim`) puts
   * the call to the law as made on it (`dialVerdict`): its only number at a workplace that forbids
   * contact is US-WORKPLACE's refusal, recorded and counted like any other; the number is answered
   * only when the law allows the call.
   */
  async decide(
    tx: EntityManager,
    task: AgentTaskRow,
    now: Date,
    asked: 'claim' | 'listing',
    number?: NumberToDial,
  ): Promise<TaskLawAnswer> {
    return this.act(tx, task, now, asked, await this.verdictOn(tx, task, now, asked === 'claim' ? number : undefined));
  }

  /**
   * The first step of a claim where the ledger gives the number a call is made on: a call to a
   * known debtor answers `ask-ledger` (the claim reads the number with no transaction open, then
   * `decide`s on it, so the decision is recorded once, on the number). `named` false (a "next" claim
   * choosing among the due tasks): the call is first put to the law on the facts alone, and a
   * refusal acts as a claim's (recorded, the task deferred or cancelled) with no number asked;
   * an allowance is not recorded here. Any other task is `decide`d as a claim.
   */
  async screenClaim(
    tx: EntityManager,
    task: AgentTaskRow,
    now: Date,
    named: boolean,
  ): Promise<TaskLawAnswer | { kind: 'ask-ledger'; debtorId: string }> {
    const v = await this.verdictOn(tx, task, now);
    if (v.kind !== 'verdict' || contactChannelOf(task.kind) !== 'call') return this.act(tx, task, now, 'claim', v);
    if (named || v.verdict.allowed) return { kind: 'ask-ledger', debtorId: v.debtor.debtorId };
    return this.act(tx, task, now, 'claim', v);
  }

  /** The verdict acted on: an allowance recorded for a claim, a refusal kept on the task. */
  private async act(
    tx: EntityManager,
    task: AgentTaskRow,
    now: Date,
    asked: 'claim' | 'listing',
    v: Verdict,
  ): Promise<TaskLawAnswer> {
    if (v.kind === 'no-contact') return { kind: 'allowed', decisionId: null };
    if (v.kind === 'unknown') return v;
    const verdict = v.verdict;
    if (verdict.allowed && asked === 'listing') return { kind: 'allowed', decisionId: null };
    const decisionId = await this.record(tx, task, verdict, now);
    if (verdict.allowed) return { kind: 'allowed', decisionId, ...(v.phone ? { phone: v.phone } : {}) };
    const refused = await this.refuseOpen(tx, task, v, now, decisionId, { cause: asked, causedBy: '' });
    return { kind: 'refused', task: refused ?? task, verdict };
  }

  /**
   * An open task, cancelled when the law now refuses it for good (decision recorded, refusal kept,
   * AgentTaskCancelled); answers the cancelled task, or undefined (allowed, refused only for now,
   * or the debtor's facts unknown: the task is left exactly as it was).
   */
  async cancelIfRefusedForGood(
    tx: EntityManager,
    task: AgentTaskRow,
    now: Date,
    why: CancelWhy,
  ): Promise<AgentTaskRow | undefined> {
    const v = await this.verdictOn(tx, task, now);
    if (v.kind !== 'verdict' || !refusedForGood(v.verdict)) return undefined;
    const decisionId = await this.record(tx, task, v.verdict, now);
    return this.refuseOpen(tx, task, v, now, decisionId, why);
  }

  /**
   * A fact about the debtor arrived (`why`): each of their calls and visits not yet worked
   * (`channel`: only those on that channel) is put to the law now. An open one refused for good is
   * cancelled; a held one keeps its agent and carries the refusal (a release then cancels it). Either
   * way the refusal is recorded as the law's decision at that instant (`contact_decision` stage
   * `send`, cause `agent-task:<id>`, counted); a held task already carrying the same reasons is
   * left as it is, and no decision is recorded again. One allowed, or refused only for now, is
   * untouched (the claim defers it when its time comes).
   */
  async sweepDebtor(
    tx: EntityManager,
    tenantId: string,
    debtorId: string,
    now: Date,
    why: CancelWhy,
    channel?: 'call' | 'visit',
  ): Promise<DebtorTasksSwept> {
    const swept: DebtorTasksSwept = { cancelled: [], held: [] };
    for (const task of await this.tasks.contactTasksOfDebtor(tx, tenantId, debtorId, channel)) {
      if (task.state === 'open') {
        const cancelled = await this.cancelIfRefusedForGood(tx, task, now, why);
        if (cancelled) swept.cancelled.push(cancelled);
        continue;
      }
      const v = await this.verdictOn(tx, task, now);
      if (v.kind !== 'verdict' || !refusedForGood(v.verdict)) continue;
      const held = await this.tasks.markHeldRefused(tx, tenantId, task.id, v.verdict.reasons, now);
      if (!held) continue; // it carries this refusal already: recorded when it was refused
      await this.record(tx, held, v.verdict, now);
      swept.held.push(held);
    }
    return swept;
  }

  /**
   * The ledger erased the debtor: their open calls and visits are cancelled (`erased`; the law
   * cannot be asked, no facts are left), and held ones carry that refusal (a release cancels them).
   */
  async cancelErasedDebtor(
    tx: EntityManager,
    tenantId: string,
    debtorId: string,
    now: Date,
    causedBy: string,
  ): Promise<DebtorTasksSwept> {
    const cancelled = await this.tasks.cancelOpenContactTasksOfDebtor(tx, tenantId, debtorId, ERASED_REFUSAL, now);
    const erased = { codes: ruleCodesOf([ERASED_REFUSAL]), decisionId: null };
    for (const task of cancelled)
      await publishAgentTaskCancelled(tx, this.outbox, task, now, { cause: 'erasure', causedBy }, erased);
    const held: AgentTaskRow[] = [];
    for (const task of await this.tasks.contactTasksOfDebtor(tx, tenantId, debtorId)) {
      if (task.state !== 'claimed') continue;
      const marked = await this.tasks.markHeldRefused(tx, tenantId, task.id, [ERASED_REFUSAL], now);
      if (marked) held.push(marked);
    }
    return { cancelled, held };
  }

  /**
   * A held task its agent gives back (`held`, as it was before the release): cancelled instead of
   * queued again when the law now refuses it for good, or when its debtor was erased while it was
   * held. Answers the cancelled task, or undefined (the caller puts it back in its queue). When the
   * law gives the very reasons of the refusal the task carries (`sweepDebtor` recorded it while it
   * was held), that decision is the one it is cancelled on (the task keeps its refusal's time): one
   * refusal, one decision. Other reasons (another fact since, or an hour the law now refuses too)
   * are a decision of their own, recorded at the release.
   */
  async cancelOnRelease(
    tx: EntityManager,
    held: AgentTaskRow,
    now: Date,
    agentId: string,
  ): Promise<AgentTaskRow | undefined> {
    const why: CancelWhy = { cause: 'release', causedBy: agentId };
    if (held.refusal_reasons.includes(ERASED_REFUSAL)) {
      const cancelled = await this.tasks.cancelReleased(tx, held.tenant_id, held.id, {
        reasons: [ERASED_REFUSAL],
        at: now,
        decisionId: null,
      });
      if (cancelled)
        await publishAgentTaskCancelled(tx, this.outbox, cancelled, now, why, {
          codes: ruleCodesOf([ERASED_REFUSAL]),
          decisionId: null,
        });
      return cancelled;
    }
    const v = await this.verdictOn(tx, held, now);
    if (v.kind !== 'verdict' || !refusedForGood(v.verdict)) return undefined;
    const { at, decisionId } = (await this.heldRefusal(tx, held, v.verdict)) ?? {
      at: now,
      decisionId: await this.record(tx, held, v.verdict, now),
    };
    const cancelled = await this.tasks.cancelReleased(tx, held.tenant_id, held.id, {
      reasons: v.verdict.reasons,
      at,
      decisionId,
    });
    if (cancelled)
      await publishAgentTaskCancelled(tx, this.outbox, cancelled, now, why, {
        codes: forGoodRuleCodes(v.verdict, v.debtor),
        decisionId,
      });
    return cancelled;
  }

  /**
   * The law's verdict on working the task at `now`, on the facts a claim reads (and with `number`,
   * a call as made on the number the ledger gave); nothing written.
   */
  private async verdictOn(tx: EntityManager, task: AgentTaskRow, now: Date, number?: NumberToDial): Promise<Verdict> {
    if (!task.account_id) return { kind: 'no-contact' };
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
    const dial = dialVerdict(task.kind, debtor, history, now, task.account_id, number);
    return dial ? { kind: 'verdict', verdict: dial.verdict, debtor, phone: dial.phone } : { kind: 'no-contact' };
  }

  /**
   * The refusal a held task carries and its recorded decision, when the law's `verdict` now is that
   * refusal (the same reasons); undefined otherwise, or when it carries none (or one marked before
   * held refusals were recorded).
   */
  private async heldRefusal(
    tx: EntityManager,
    held: AgentTaskRow,
    verdict: PolicyVerdict,
  ): Promise<{ at: Date; decisionId: string } | undefined> {
    const at = held.refused_at;
    if (!at || !sameReasons(held.refusal_reasons, verdict.reasons)) return undefined;
    const decisionId = await this.tasks.refusalDecisionOf(tx, held, at);
    return decisionId ? { at, decisionId } : undefined;
  }

  /** The decision on the task, recorded (`contact_decision` stage `send`, ContactDecision) and counted. */
  private async record(tx: EntityManager, task: AgentTaskRow, verdict: PolicyVerdict, now: Date): Promise<string> {
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
    return decisionId;
  }

  /** The refusal kept on an open task: due later, or cancelled (and AgentTaskCancelled) when for good. */
  private async refuseOpen(
    tx: EntityManager,
    task: AgentTaskRow,
    { verdict, debtor }: { verdict: PolicyVerdict; debtor: DebtorRow },
    now: Date,
    decisionId: string,
    why: CancelWhy,
  ): Promise<AgentTaskRow | undefined> {
    const refused = await this.tasks.markRefused(tx, task.tenant_id, task.id, {
      reasons: verdict.reasons,
      at: now,
      nextPermittedAt: verdict.nextPermittedAt,
      decisionId,
    });
    if (refused?.state === 'cancelled')
      await publishAgentTaskCancelled(tx, this.outbox, refused, now, why, {
        codes: forGoodRuleCodes(verdict, debtor),
        decisionId,
      });
    return refused;
  }
}

/**
 * The ledger's number for the debtor's calls now (`addressesFrom`'s pick), and whether it is a
 * forbidden workplace. A network call: never made inside a transaction (a slow ledger would hold
 * the claim's row locks, and the embedded ledger needs the database the transaction holds). The
 * ledger unreachable: UNAVAILABLE.
 */
export async function numberToDial(
  directory: DialDirectory,
  tenantId: string,
  debtorId: string,
): Promise<NumberToDial> {
  const addresses = await directory.addressesOf(tenantId, debtorId);
  return {
    phone: addresses?.phone,
    workplaceForbidden: addresses?.workplaceForbidden?.includes(addressKindOf('call')) ?? false,
  };
}
