import { EntityManager } from 'typeorm';
import { orchestrator } from '@collections/contracts';
import { Outbox } from '@collections/messaging';
import { localDate } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { Channel } from '../../policy/domain';
import {
  AccountSnapshot,
  AccountStatus,
  StrategyProgress,
  admits,
  assignArm,
  chooseStrategy,
  daysPastDue,
} from '../../strategies/domain';
import { createAgentTask } from '../../agents';
import { PlanOutcome, PolicyVerdict, planNextContact } from '../domain/contact-plan';
import { ActiveStrategy, PlannerAccountRow, PlannerRepository } from '../planner.repository';

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
      kind: 'call',
      queue: r.queue,
      segment: r.segment,
      language: r.language,
      reason: r.reason,
      causedByEventId: r.causedBy,
      now: r.now,
    });
  }
}

export type PlanResult = PlanOutcome['kind'] | 'no-account' | 'no-debtor' | 'no-strategy' | 'sending' | 'unchanged';

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
 */
export class PlanAccountUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlannerRepository,
    private readonly escalation: AgentEscalation,
  ) {}

  async plan(
    tx: EntityManager,
    outbox: Outbox,
    tenantId: string,
    accountId: string,
    cause: PlanCause,
    strategies?: readonly ActiveStrategy[],
  ): Promise<PlanResult> {
    const now = this.ctx.clock.now();
    const account = await this.repo.lockAccount(tx, tenantId, accountId);
    if (!account) return 'no-account';
    if (!account.due_date) {
      if (cause.answerWithoutStrategy)
        await this.decide(tx, outbox, account, cause.id, now, {
          channel: 'sms',
          at: now,
          allowed: false,
          reasons: ['no-due-date: no statement with a due date is known for the account yet'],
          nextPermittedAt: null,
        });
      return 'no-account';
    }
    const debtor = await this.repo.debtorOf(tx, tenantId, accountId);
    if (!debtor || !debtor.jurisdiction) {
      if (cause.answerWithoutStrategy)
        await this.decide(tx, outbox, account, cause.id, now, {
          channel: 'sms',
          at: now,
          allowed: false,
          reasons: [
            debtor
              ? 'no-rule-pack: no contact rules for the debtor’s country'
              : 'no-debtor-facts: the debtor’s time zone and jurisdiction are not known yet',
          ],
          nextPermittedAt: null,
        });
      return 'no-debtor';
    }
    const today = localDate(now, debtor.timeZone);
    const snapshot: AccountSnapshot = {
      tenantId,
      accountId,
      segment: account.segment,
      product: account.product,
      jurisdiction: debtor.jurisdiction,
      balanceMinor: Number(account.balance_minor),
      currency: account.currency,
      dueDate: account.due_date,
    };
    const all = strategies ?? (await this.repo.activeStrategies(tx, tenantId));
    const current = all.find((s) => s.key === account.strategy_id);
    const admitted =
      current && admits(current.document, snapshot, today) ? current : chooseStrategy(all, snapshot, today);
    const chosen = all.find((s) => s.key === admitted?.key) ?? current;
    if (!chosen) {
      await this.repo.cancelPending(tx, tenantId, accountId, 'no-strategy', now);
      if (cause.answerWithoutStrategy)
        await this.decide(tx, outbox, account, cause.id, now, {
          channel: 'sms',
          at: now,
          allowed: false,
          reasons: ['no-strategy: no active strategy of the tenant admits the account'],
          nextPermittedAt: null,
        });
      return 'no-strategy';
    }
    let progress: StrategyProgress;
    if (chosen === current && account.arm_id && account.entered_on) {
      progress = {
        enteredOn: account.entered_on,
        armId: account.arm_id,
        stepsDone: account.steps_done,
        stepsFailed: account.steps_failed,
        escalated: account.escalated,
        referredToLegal: account.referred_to_legal,
      };
    } else {
      await this.repo.cancelPending(tx, tenantId, accountId, `entered strategy ${chosen.key}`, now);
      progress = {
        enteredOn: today,
        armId: assignArm(chosen.document, chosen.key, tenantId, accountId).id,
        stepsDone: [],
        stepsFailed: [],
        escalated: false,
        referredToLegal: false,
      };
    }
    const arm = chosen.document.arms.find((a) => a.id === progress.armId);
    const armChannels = new Set(
      arm?.steps.flatMap((s) => [s.channel, ...(s.fallbackChannel ? [s.fallbackChannel] : [])]),
    );
    const status: AccountStatus = {
      paidInFull: account.balance_known && Number(account.balance_minor) <= 0,
      promiseActive: account.promise_active,
      disputed: debtor.holds.includes('dispute'),
      optedOut: armChannels.size > 0 && [...armChannels].every((c) => debtor.optedOut.includes(c)),
      holds: debtor.holds,
    };
    const live = await this.repo.liveSchedule(tx, tenantId, accountId);
    if (live?.status === 'sending') return 'sending';

    const plan = planNextContact({
      doc: chosen.document,
      account: snapshot,
      status,
      progress,
      today,
      now,
      facts: debtor,
      history: await this.repo.historyOf(tx, tenantId, debtor.debtorId),
    });
    const outcome = plan.outcome;
    progress = plan.progress;
    const strategy = { id: chosen.key, version: chosen.version };

    if (
      outcome.kind === 'schedule' &&
      live &&
      live.step_id === outcome.step.id &&
      live.fallback === outcome.fallback &&
      live.strategy_id === chosen.key
    ) {
      // Already on the schedule; its time is checked again when it is sent.
      await this.repo.saveProgress(tx, tenantId, accountId, strategy, progress, now);
      return 'unchanged';
    }
    if (live)
      await this.repo.cancelPending(
        tx,
        tenantId,
        accountId,
        outcome.kind === 'stopped' ? `stop:${outcome.because.join(',')}` : `replanned:${outcome.kind}`,
        now,
      );

    let lastDecision: string | undefined;
    for (const verdict of plan.decisions) lastDecision = await this.decide(tx, outbox, account, cause.id, now, verdict);

    switch (outcome.kind) {
      case 'schedule': {
        const scheduleId = await this.repo.insertSchedule(
          tx,
          {
            tenant_id: tenantId,
            account_id: accountId,
            debtor_id: debtor.debtorId,
            decision_id: lastDecision!,
            strategy_id: chosen.key,
            strategy_version: chosen.version,
            arm_id: progress.armId,
            step_id: outcome.step.id,
            channel: outcome.channel,
            template: outcome.step.template,
            fallback: outcome.fallback,
            due_at: outcome.dueAt,
          },
          now,
        );
        if (scheduleId)
          await outbox.add(tx, {
            type: 'collections.orchestrator.v1.ContactScheduled',
            key: accountId,
            tenantId,
            time: now,
            payload: {
              scheduleId,
              decisionId: lastDecision!,
              accountId,
              channel: channelCode(outcome.channel),
              template: outcome.step.template,
              strategyId: chosen.key,
              strategyVersion: chosen.version,
              armId: progress.armId,
              stepId: outcome.step.id,
              fallback: outcome.fallback,
              dueAt: outcome.dueAt,
            },
          });
        break;
      }
      case 'escalate': {
        progress = { ...progress, escalated: true };
        await this.decide(tx, outbox, account, cause.id, now, {
          channel: 'call',
          at: now,
          allowed: true,
          reasons: [`escalation: handed to the agent queue ${outcome.queue}`],
          nextPermittedAt: now,
        });
        await this.escalation.escalate(tx, outbox, {
          tenantId,
          accountId,
          queue: outcome.queue,
          segment: account.segment,
          language: debtor.language.slice(0, 2),
          reason: `strategy ${chosen.key} escalates at ${daysPastDue(snapshot.dueDate, today)} days past due`,
          causedBy: `escalation:${accountId}:${chosen.key}:${progress.enteredOn}`,
          now,
        });
        break;
      }
      case 'legal-referral': {
        progress = { ...progress, referredToLegal: true };
        await this.decide(tx, outbox, account, cause.id, now, {
          channel: 'letter',
          at: now,
          allowed: true,
          reasons: ['legal-referral: the strategy refers the account for legal action'],
          nextPermittedAt: now,
        });
        break;
      }
      case 'stopped':
      case 'idle':
        break;
    }
    await this.repo.saveProgress(tx, tenantId, accountId, strategy, progress, now);
    return outcome.kind;
  }

  private async decide(
    tx: EntityManager,
    outbox: Outbox,
    account: PlannerAccountRow,
    causedBy: string,
    now: Date,
    verdict: Pick<PolicyVerdict, 'channel' | 'at' | 'allowed' | 'reasons' | 'nextPermittedAt'>,
  ): Promise<string> {
    return recordDecision(this.repo, tx, outbox, {
      tenantId: account.tenant_id,
      accountId: account.account_id,
      causedBy,
      now,
      verdict,
      stage: 'plan',
    });
  }
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
    verdict: Pick<PolicyVerdict, 'channel' | 'at' | 'allowed' | 'reasons' | 'nextPermittedAt'>;
    stage: 'plan' | 'send';
  },
): Promise<string> {
  const channel = channelCode(d.verdict.channel);
  const id = await repo.insertDecision(tx, {
    tenantId: d.tenantId,
    accountId: d.accountId,
    channel,
    allowed: d.verdict.allowed,
    reasons: d.verdict.reasons,
    decidedAt: d.now,
    causedBy: d.causedBy,
    nextPermittedAt: d.verdict.nextPermittedAt,
    contactAt: d.verdict.at,
    stage: d.stage,
  });
  await outbox.add(tx, {
    type: 'collections.orchestrator.v1.ContactDecision',
    key: d.accountId,
    tenantId: d.tenantId,
    time: d.now,
    payload: {
      decisionId: id,
      accountId: d.accountId,
      channel,
      allowed: d.verdict.allowed,
      reasons: [...d.verdict.reasons],
      decidedAt: d.now,
      nextPermittedAt: d.verdict.nextPermittedAt ?? undefined,
    },
  });
  return id;
}
