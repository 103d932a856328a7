import { EntityManager } from 'typeorm';
import { orchestrator } from '@collections/contracts';
import { NewEvent, Outbox } from '@collections/messaging';
import { isSimulatedClock, localDate } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { Channel, PastContact } from '../../policy/domain';
import { createAgentTask } from '../../agents';
import { ActiveStrategy, DebtorRow, PlannerAccountRow, PlannerRepository, ScheduleRow } from '../planner.repository';
import { DecisionVerdict, INSTALMENT_REMINDER, PlanEffect, PlanResult, decideAccount } from './decide-account';
import { PAYMENT_RETURNED, RETURNED_PAYMENT_STEP } from '../domain/notices';
import { addDays } from '../../strategies/domain';
import { checkPolicy, preferredInstant } from '../domain/contact-plan';
import { ContactRefusals } from '../contact-refusals';

const CHANNEL_CODES: Readonly<Record<Channel, orchestrator.Channel>> = {
  call: orchestrator.Channel.CHANNEL_CALL,
  sms: orchestrator.Channel.CHANNEL_SMS,
  whatsapp: orchestrator.Channel.CHANNEL_WHATSAPP,
  email: orchestrator.Channel.CHANNEL_EMAIL,
  letter: orchestrator.Channel.CHANNEL_LETTER,
  visit: orchestrator.Channel.CHANNEL_VISIT,
};

export const channelCode = (channel: Channel | string): orchestrator.Channel =>
  CHANNEL_CODES[channel as Channel] ?? orchestrator.Channel.CHANNEL_UNSPECIFIED;

/** Hands an account to a human agent queue, inside the planner's transaction (events through the outbox). */
export interface AgentEscalation {
  escalate(
    tx: EntityManager,
    outbox: Outbox,
    request: {
      tenantId: string;
      accountId: string;
      /** Absent: a call. */
      kind?: 'call' | 'negotiate';
      queue: string;
      segment: string;
      language: string;
      reason: string;
      /** One task per account and strategy entry, however often the account is planned. */
      causedBy: string;
      now: Date;
    },
  ): Promise<void>;
}

/** Escalation to the orchestrator's own agent work queues: a call task, in the planner's transaction. */
export class AgentQueueEscalation implements AgentEscalation {
  async escalate(tx: EntityManager, outbox: Outbox, r: Parameters<AgentEscalation['escalate']>[2]): Promise<void> {
    await createAgentTask(tx, outbox, {
      tenantId: r.tenantId,
      accountId: r.accountId,
      kind: r.kind ?? 'call',
      queue: r.queue,
      segment: r.segment,
      language: r.language,
      reason: r.reason,
      causedByEventId: r.causedBy,
      now: r.now,
    });
  }
}

export type { PlanResult } from './decide-account';

/** Days after a reversal its notice may still go out, when the contact law keeps today closed. */
export const RETURNED_NOTICE_DAYS = 3;

/** A reversal older than `RETURNED_NOTICE_DAYS` at `now`: its notice is no longer sent. */
const noticeTooLate = (reversedAt: Date, now: Date) =>
  now.getTime() - reversedAt.getTime() > RETURNED_NOTICE_DAYS * 86_400_000;

/**
 * Whether a returned-payment notice must wait behind the account's live contact: one being sent, a
 * plan's reminder or another notice (a pending cadence contact it takes the place of).
 */
const blocksNotice = (live: ScheduleRow | undefined): boolean =>
  !!live &&
  (live.status !== 'pending' || live.strategy_id === INSTALMENT_REMINDER || live.strategy_id === PAYMENT_RETURNED);

/** The channels a reminder or notice goes on, in order of preference. */
const NOTICE_CHANNELS: readonly Channel[] = ['sms', 'email', 'whatsapp'];

/** What became of a reversed payment's notice: booked, refused by the contact law, or waiting its turn. */
export type ReturnedNotice = 'scheduled' | 'not-now' | 'waiting';

/** Where a plan came from, for the audit trail: an event id, `daily-run:<date>` or `dispatch:<id>`. */
export interface PlanCause {
  readonly id: string;
  /** Record a decision even when no strategy takes the account (an answer to a score). */
  readonly answerWithoutStrategy?: boolean;
}

/**
 * Decides an account's next contact and keeps its schedule: the strategy and arm (stable), the
 * strategy's next step in the debtor's local time and window, the contact law on it, one pending
 * row at most per account, an audit row and a ContactDecision per decision, ContactScheduled per
 * row. Stop conditions cancel the pending row at once. Idempotent: planning twice changes nothing.
 * The decision itself is `decideAccount` (shared with the batched daily run); this applies it.
 */
export class PlanAccountUseCase {
  constructor(
    /** The service's context: its clock is the instant every decision is taken at. */
    readonly ctx: ServiceContext,
    private readonly repo: PlannerRepository,
    private readonly escalation: AgentEscalation,
  ) {
    this.refusals = ContactRefusals.of(ctx.metrics);
  }

  /** The contact law's refusals and deferrals, counted as their decisions are recorded. */
  readonly refusals: ContactRefusals;

  async plan(
    tx: EntityManager,
    outbox: Outbox,
    tenantId: string,
    accountId: string,
    cause: PlanCause,
    strategies?: readonly ActiveStrategy[],
  ): Promise<PlanResult> {
    return (await this.planOn(tx, outbox, tenantId, accountId, cause, strategies)).result;
  }

  /**
   * `plan`, also giving the facts it was planned on, read with the account locked: the debtor and
   * their contacts across accounts (when the debtor is known). The dispatcher goes on to ask the
   * contact law on them, in the same transaction, without reading them twice.
   */
  async planOn(
    tx: EntityManager,
    outbox: Outbox,
    tenantId: string,
    accountId: string,
    cause: PlanCause,
    strategies?: readonly ActiveStrategy[],
  ): Promise<{ result: PlanResult; debtor?: DebtorRow; history?: PastContact[] }> {
    const now = this.ctx.clock.now();
    const account = await this.repo.lockAccount(tx, tenantId, accountId);
    if (!account) return { result: 'no-account' };
    const debtor = account.due_date ? await this.repo.debtorOf(tx, tenantId, accountId) : undefined;
    const ready = debtor !== undefined && debtor.jurisdiction !== null;
    const history = ready ? await this.repo.historyOf(tx, tenantId, debtor.debtorId) : undefined;
    let live = ready ? await this.repo.liveSchedule(tx, tenantId, accountId) : undefined;
    if (ready && account.returned_notice_waiting)
      live = await this.bookWaitingNotices(tx, outbox, account, debtor, live, cause.id, now);
    const { result, effects } = decideAccount({
      account,
      debtor,
      live,
      history: history ?? [],
      strategies: ready ? (strategies ?? (await this.repo.activeStrategies(tx, tenantId))) : [],
      now,
      answerWithoutStrategy: cause.answerWithoutStrategy,
    });
    await this.apply(tx, outbox, account, cause.id, now, effects);
    // The plan may have ended what a notice waited behind (the reminder of a plan that ended).
    if (ready && account.returned_notice_waiting)
      await this.bookWaitingNotices(
        tx,
        outbox,
        account,
        debtor,
        await this.repo.liveSchedule(tx, tenantId, accountId),
        cause.id,
        now,
      );
    return { result, debtor, history };
  }

  /**
   * An erased debtor's pending contacts, cancelled (`erased`): nothing more is sent to them. And
   * the dead letters of their records (keyed by the debtor's id or an account's) erased. (Their
   * agents' calls and visits are cancelled with the erasure itself: `debtorFactHandlersOf`.)
   */
  async cancelErased(tx: EntityManager, tenantId: string, debtorId: string): Promise<void> {
    const accountIds = await this.repo.accountsOfDebtor(tx, tenantId, debtorId);
    await this.ctx.backbone.deadLetters.erase(tx, tenantId, [debtorId, ...accountIds]);
    const cancelled = await this.repo.cancelPendingOfDebtor(tx, tenantId, debtorId, 'erased', this.ctx.clock.now());
    if (cancelled.length)
      this.ctx.logger.info(
        { tenantId, debtorId, scheduleIds: cancelled },
        "an erased debtor's pending contacts are cancelled",
      );
  }

  /**
   * Planning an account an event concerns: at once on the real clock. On a simulated clock the
   * account is marked instead and planned at the clock's next move (`MarkedAccountsPlanningJob`),
   * on the facts of a settled platform: the ledger's, scoring's and promises' topics reach the
   * planner in another order in-process (one partition) than over Kafka (four), and a plan made
   * between two of an account's events would differ with that order.
   */
  async planAfterEvent(
    tx: EntityManager,
    outbox: Outbox,
    tenantId: string,
    accountId: string,
    cause: PlanCause,
  ): Promise<PlanResult | 'marked'> {
    if (!isSimulatedClock(this.ctx.clock)) return this.plan(tx, outbox, tenantId, accountId, cause);
    await this.repo.markForPlanning(tx, tenantId, accountId, {
      causedBy: cause.id,
      answer: cause.answerWithoutStrategy ?? false,
      now: this.ctx.clock.now(),
    });
    return 'marked';
  }

  /**
   * A reminder before an instalment of a running payment plan falls due: one contact on the
   * debtor's local day, at 09:00 or as soon as the contact law allows, no later than the due date
   * (SMS, else e-mail, else WhatsApp), with the instalment-reminder template; a decision per policy
   * answer. Once per instalment (the row's step is the plan and instalment), so a redelivered event
   * books nothing more. Booked only where nothing else is live on the account.
   */
  async remindInstalment(
    tx: EntityManager,
    outbox: Outbox,
    tenantId: string,
    accountId: string,
    instalment: { planId: string; seq: number; dueDate: string },
    causedBy: string,
  ): Promise<'scheduled' | 'not-now'> {
    const facts = await this.noticeFacts(tx, tenantId, accountId);
    if (!facts || facts.live) return 'not-now';
    return this.bookNotice(tx, outbox, facts.account, facts.debtor, causedBy, {
      strategyId: INSTALMENT_REMINDER,
      stepId: `instalment:${instalment.planId}:${instalment.seq}`,
      lastDay: (today) => instalment.dueDate || today,
    });
  }

  /**
   * The notice of a payment the ledger reversed (a bank's return, a chargeback): the debtor is told
   * that the payment came back and what the account owes now, on the payment-returned template,
   * at 09:00 on their local day or as soon as the contact law allows within `RETURNED_NOTICE_DAYS`
   * (SMS, else e-mail, else WhatsApp), a decision per policy answer. It takes the place of the
   * cadence's pending contact, which the account's next plan (after the notice is sent) books
   * again. Behind a contact being sent, a plan's reminder or another notice, it waits: the
   * account's next plan after that contact ends books it (`planOn`). Once per payment: a
   * redelivered reversal books nothing more. A reversal learnt of more than `RETURNED_NOTICE_DAYS`
   * after it was made (a consumer far behind, a replay of the topic) is recorded and not told.
   */
  async noticeReturnedPayment(
    tx: EntityManager,
    outbox: Outbox,
    tenantId: string,
    returned: {
      accountId: string;
      paymentId: string;
      amountMinor: number;
      currency: string;
      reason: string;
      /** When the ledger reversed it (its event's time). */
      reversedAt: Date;
    },
    causedBy: string,
  ): Promise<ReturnedNotice | 'duplicate' | 'late'> {
    const now = this.ctx.clock.now();
    const { accountId } = returned;
    if (!(await this.repo.recordReturnedPayment(tx, tenantId, { ...returned, at: returned.reversedAt })))
      return 'duplicate';
    // Learnt of days late (a consumer far behind, a replay of the topic): too old to tell of now.
    if (noticeTooLate(returned.reversedAt, now)) return 'late';
    const facts = await this.noticeFacts(tx, tenantId, accountId);
    if (!facts) return 'not-now';
    return this.noticeOf(tx, outbox, facts.account, facts.debtor, facts.live, returned.paymentId, causedBy);
  }

  /**
   * What a contact outside the strategy is booked on: the account (locked), its debtor's facts, and
   * its live contact; undefined while the account or the debtor's jurisdiction is not known.
   */
  private async noticeFacts(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
  ): Promise<{ account: PlannerAccountRow; debtor: DebtorRow; live: ScheduleRow | undefined } | undefined> {
    const account = await this.repo.lockAccount(tx, tenantId, accountId);
    const debtor = account && (await this.repo.debtorOf(tx, tenantId, accountId));
    if (!account || !debtor?.jurisdiction) return undefined;
    return { account, debtor, live: await this.repo.liveSchedule(tx, tenantId, accountId) };
  }

  /** One reversed payment's notice booked, refused by the law, or left waiting behind the live contact. */
  private async noticeOf(
    tx: EntityManager,
    outbox: Outbox,
    account: PlannerAccountRow,
    debtor: DebtorRow,
    live: ScheduleRow | undefined,
    paymentId: string,
    causedBy: string,
  ): Promise<ReturnedNotice> {
    const notice: ReturnedNotice = blocksNotice(live)
      ? 'waiting'
      : await this.bookNotice(tx, outbox, account, debtor, causedBy, {
          strategyId: PAYMENT_RETURNED,
          stepId: `${RETURNED_PAYMENT_STEP}${paymentId}`,
          lastDay: (today) => addDays(today, RETURNED_NOTICE_DAYS),
          replacing: live ? `replaced:${PAYMENT_RETURNED}` : undefined,
        });
    const state = notice === 'scheduled' ? 'booked' : notice === 'waiting' ? 'waiting' : 'not-booked';
    await this.repo.returnedNotice(tx, account.tenant_id, account.account_id, paymentId, state);
    return notice;
  }

  /**
   * The notices that waited behind the account's live contact, booked now that nothing stands in
   * their way (oldest first, one at a time); one that waited past `RETURNED_NOTICE_DAYS` is given
   * up with a warning. Answers the account's live row after it.
   */
  private async bookWaitingNotices(
    tx: EntityManager,
    outbox: Outbox,
    account: PlannerAccountRow,
    debtor: DebtorRow,
    live: ScheduleRow | undefined,
    causedBy: string,
    now: Date,
  ): Promise<ScheduleRow | undefined> {
    const { tenant_id: tenantId, account_id: accountId } = account;
    const blocked = blocksNotice(live);
    for (const waiting of await this.repo.waitingReturnedPayments(tx, tenantId, accountId)) {
      if (noticeTooLate(waiting.reversedAt, now)) {
        await this.repo.returnedNotice(tx, tenantId, accountId, waiting.paymentId, 'not-booked');
        this.ctx.logger.warn(
          { tenantId, accountId, paymentId: waiting.paymentId, reversedAt: waiting.reversedAt },
          `payment-returned notice not booked: it waited more than ${RETURNED_NOTICE_DAYS} days behind the account's other contacts; tell the debtor another way`,
        );
        continue;
      }
      // Still behind the live contact: it stays waiting as recorded.
      if (blocked) break;
      const notice = await this.noticeOf(tx, outbox, account, debtor, live, waiting.paymentId, causedBy);
      if (notice === 'scheduled') return this.repo.liveSchedule(tx, tenantId, accountId);
    }
    return live;
  }

  /**
   * A reminder's or notice's contact that failed on its channel (an invalid number, no address, the
   * contact law refusing it for good at send time), tried once more, as its fallback, on the next
   * of SMS, e-mail and WhatsApp the law allows, within the same days as the first (a reminder up to
   * its instalment's due date, a notice up to `RETURNED_NOTICE_DAYS` after the reversal). A
   * fallback that fails too is given up, as a strategy step's is. Called by the dispatcher in the
   * failure's transaction, before the account is planned again.
   */
  async fallBackNotice(tx: EntityManager, outbox: Outbox, row: ScheduleRow): Promise<'scheduled' | 'not-now' | 'none'> {
    const reminder = row.strategy_id === INSTALMENT_REMINDER;
    if (row.fallback || (!reminder && row.strategy_id !== PAYMENT_RETURNED)) return 'none';
    const channels = NOTICE_CHANNELS.slice(NOTICE_CHANNELS.indexOf(row.channel) + 1);
    const { tenant_id: tenantId, account_id: accountId } = row;
    const facts = await this.noticeFacts(tx, tenantId, accountId);
    if (!facts || facts.live || channels.length === 0) return 'not-now';
    const { account, debtor } = facts;
    const instalment = reminder ? await this.repo.instalmentOfStep(tx, tenantId, accountId, row.step_id) : undefined;
    const returned = reminder ? undefined : await this.repo.returnedPaymentOfStep(tx, tenantId, accountId, row.step_id);
    const lastDay = instalment
      ? instalment.dueDate
      : returned
        ? addDays(localDate(returned.reversedAt, debtor.timeZone), RETURNED_NOTICE_DAYS)
        : undefined;
    if (!lastDay) return 'not-now';
    return this.bookNotice(tx, outbox, account, debtor, `dispatch:${row.id}`, {
      strategyId: row.strategy_id,
      stepId: row.step_id,
      lastDay: () => lastDay,
      channels,
      fallback: true,
    });
  }

  /**
   * One contact outside the strategy (a reminder, a notice): on the debtor's local day at 09:00, or
   * the next moment the contact law allows up to `lastDay`, on SMS, else e-mail, else WhatsApp; a
   * decision per policy answer. `replacing`: the pending row it takes the place of is cancelled
   * with that reason, only when the notice is booked.
   */
  private async bookNotice(
    tx: EntityManager,
    outbox: Outbox,
    account: PlannerAccountRow,
    debtor: DebtorRow,
    causedBy: string,
    notice: {
      strategyId: string;
      stepId: string;
      lastDay: (today: string) => string;
      replacing?: string;
      /** The channels to try, in order (SMS, e-mail, WhatsApp by default); a fallback's are those after the failed one. */
      channels?: readonly Channel[];
      fallback?: boolean;
    },
  ): Promise<'scheduled' | 'not-now'> {
    const now = this.ctx.clock.now();
    const today = localDate(now, debtor.timeZone);
    const window = { from: '09:00', to: '20:00' };
    const preferred = preferredInstant(
      {
        id: 'notice',
        channel: 'sms',
        template: notice.strategyId,
        offset: { from: 'entry', days: 0 },
        preferredWindow: window,
      },
      today,
      debtor.timeZone,
      now,
    );
    const effects: PlanEffect[] = [];
    const armId = account.arm_id ?? '';
    const lastDay = notice.lastDay(today);
    const history = await this.repo.historyOf(tx, account.tenant_id, debtor.debtorId);
    for (const channel of notice.channels ?? NOTICE_CHANNELS) {
      let verdict = checkPolicy(channel, debtor, history, preferred, account.account_id);
      effects.push({ kind: 'decision', verdict, armId });
      // Announced once: when the law closes the rest of today (a Sunday, a holiday, a cap), the
      // contact goes at the next moment it allows, up to its last day.
      if (
        !verdict.allowed &&
        verdict.nextPermittedAt &&
        localDate(verdict.nextPermittedAt, debtor.timeZone) <= lastDay
      ) {
        verdict = checkPolicy(channel, debtor, history, verdict.nextPermittedAt, account.account_id);
        effects.push({ kind: 'decision', verdict, armId });
      }
      if (!verdict.allowed) continue;
      if (notice.replacing) effects.unshift({ kind: 'cancel', reason: notice.replacing });
      effects.push({
        kind: 'schedule',
        row: {
          tenant_id: account.tenant_id,
          account_id: account.account_id,
          debtor_id: debtor.debtorId,
          strategy_id: notice.strategyId,
          strategy_version: 1,
          arm_id: armId,
          step_id: notice.stepId,
          channel,
          template: notice.strategyId,
          fallback: notice.fallback ?? false,
          due_at: verdict.at,
        },
      });
      break;
    }
    await this.apply(tx, outbox, account, causedBy, now, effects);
    return effects.some((e) => e.kind === 'schedule') ? 'scheduled' : 'not-now';
  }

  /** The plan's writes, one by one, in the caller's transaction. */
  async apply(
    tx: EntityManager,
    outbox: Outbox,
    account: Pick<PlannerAccountRow, 'tenant_id' | 'account_id'>,
    causedBy: string,
    now: Date,
    effects: readonly PlanEffect[],
  ): Promise<void> {
    const { tenant_id: tenantId, account_id: accountId } = account;
    let lastDecision: string | undefined;
    for (const effect of effects) {
      switch (effect.kind) {
        case 'cancel':
          await this.repo.cancelPending(tx, tenantId, accountId, effect.reason, now);
          break;
        case 'decision':
          lastDecision = await recordDecision(this.repo, tx, outbox, {
            tenantId,
            accountId,
            causedBy,
            now,
            verdict: effect.verdict,
            stage: 'plan',
            armId: effect.armId,
          });
          this.refusals.count(tx, effect.verdict);
          break;
        case 'schedule': {
          const row = { ...effect.row, decision_id: lastDecision! };
          const scheduleId = await this.repo.insertSchedule(tx, row, now);
          if (scheduleId) await outbox.add(tx, contactScheduled(scheduleId, row, now));
          break;
        }
        case 'escalate':
          await this.escalation.escalate(tx, outbox, {
            tenantId,
            accountId,
            kind: effect.taskKind,
            queue: effect.queue,
            segment: effect.segment,
            language: effect.language,
            reason: effect.reason,
            causedBy: effect.causedBy,
            now,
          });
          break;
        case 'progress':
          await this.repo.saveProgress(tx, tenantId, accountId, effect.strategy, effect.progress, now);
          break;
      }
    }
  }
}

/** ContactScheduled for a new pending row. */
export function contactScheduled(
  scheduleId: string,
  row: Omit<ScheduleRow, 'id' | 'status' | 'attempts'>,
  now: Date,
): NewEvent<'collections.orchestrator.v1.ContactScheduled'> {
  return {
    type: 'collections.orchestrator.v1.ContactScheduled',
    key: row.account_id,
    tenantId: row.tenant_id,
    time: now,
    payload: {
      scheduleId,
      decisionId: row.decision_id,
      accountId: row.account_id,
      channel: channelCode(row.channel),
      template: row.template,
      strategyId: row.strategy_id,
      strategyVersion: row.strategy_version,
      armId: row.arm_id,
      stepId: row.step_id,
      fallback: row.fallback,
      dueAt: row.due_at,
    },
  };
}

/** A decision's stage as stored (`contact_decision.stage`), in the contract's words. */
export const decisionStage = (stage: 'plan' | 'send'): orchestrator.ContactDecisionStage =>
  stage === 'plan'
    ? orchestrator.ContactDecisionStage.CONTACT_DECISION_STAGE_PLAN
    : orchestrator.ContactDecisionStage.CONTACT_DECISION_STAGE_SEND;

/** ContactDecision for an audit row. */
export function contactDecision(
  decisionId: string,
  d: {
    tenantId: string;
    accountId: string;
    now: Date;
    verdict: DecisionVerdict;
    armId?: string;
    stage: 'plan' | 'send';
  },
): NewEvent<'collections.orchestrator.v1.ContactDecision'> {
  return {
    type: 'collections.orchestrator.v1.ContactDecision',
    key: d.accountId,
    tenantId: d.tenantId,
    time: d.now,
    payload: {
      decisionId,
      accountId: d.accountId,
      channel: channelCode(d.verdict.channel),
      allowed: d.verdict.allowed,
      reasons: [...d.verdict.reasons],
      decidedAt: d.now,
      nextPermittedAt: d.verdict.nextPermittedAt ?? undefined,
      armId: d.armId || undefined,
      packVersion: d.verdict.packVersion || undefined,
      overrideVersion: d.verdict.overrideVersion ?? undefined,
      stage: decisionStage(d.stage),
    },
  };
}

/** One audit row and one ContactDecision per decision, in the caller's transaction. */
export async function recordDecision(
  repo: PlannerRepository,
  tx: EntityManager,
  outbox: Outbox,
  d: {
    tenantId: string;
    accountId: string;
    causedBy: string;
    now: Date;
    verdict: DecisionVerdict;
    stage: 'plan' | 'send';
    /** The account's champion/challenger arm ('' when it is in no strategy). */
    armId: string;
  },
): Promise<string> {
  const { id, armId } = await repo.insertDecision(tx, {
    tenantId: d.tenantId,
    accountId: d.accountId,
    channel: channelCode(d.verdict.channel),
    allowed: d.verdict.allowed,
    reasons: d.verdict.reasons,
    decidedAt: d.now,
    causedBy: d.causedBy,
    nextPermittedAt: d.verdict.nextPermittedAt,
    contactAt: d.verdict.at,
    stage: d.stage,
    armId: d.armId,
    packVersion: d.verdict.packVersion,
    overrideVersion: d.verdict.overrideVersion,
  });
  await outbox.add(tx, contactDecision(id, { ...d, armId: armId ?? undefined }));
  return id;
}
