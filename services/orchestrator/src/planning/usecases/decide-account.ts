import { localDate } from '@collections/platform';
import { PastContact, timeBarredCheck, timeBarredReason } from '../../policy/domain';
import { RULE_PACKS } from '../../policy/packs';
import {
  AccountSnapshot,
  AccountStatus,
  StrategyProgress,
  accountDaysPastDue,
  admits,
  assignArm,
  chooseStrategy,
} from '../../strategies/domain';
import { refusedForGood, taskVerdict } from '../../agents/domain';
import { PlanOutcome, PolicyVerdict, holdsOnAccount, planNextContact } from '../domain/contact-plan';
import { PAYMENT_RETURNED } from '../domain/notices';
import { ActiveStrategy, DebtorRow, PlannerAccountRow, ScheduleRow } from '../planner.repository';

/** The agent queue of a forbearance negotiation, where the strategy names no escalation queue. */
export const FORBEARANCE_QUEUE = 'forbearance';

/** The strategy id and template of the reminders a running payment plan's instalments get. */
export const INSTALMENT_REMINDER = 'instalment-reminder';

/**
 * Marks, in the progress's `stepsDone`, a legal referral refused because the debt is time-barred
 * (a step given up on): the refusal is recorded once per strategy entry, not on every plan. A ':'
 * is in no strategy step id, so it cannot be mistaken for one.
 */
export const TIME_BARRED_REFERRAL = 'legal-referral:time-barred';

/**
 * `escalation-refused`: the strategy escalates, and the contact law refuses the agent's call for good.
 * `legal-referral-refused`: the strategy refers the account for legal action, and the debtor's pack
 * wants forbearance first while none is on record (a negotiation task is queued instead), or the
 * debt is time-barred in the debtor's state (the first plan that finds it; later ones are `unchanged`).
 */
export type PlanResult =
  | PlanOutcome['kind']
  | 'escalation-refused'
  | 'legal-referral-refused'
  | 'no-account'
  | 'no-debtor'
  | 'no-strategy'
  | 'sending'
  | 'unchanged';

/** The account's live schedule row (pending or being sent), as far as planning needs it. */
export interface LiveScheduleFacts {
  readonly status: string;
  readonly step_id: string;
  readonly fallback: boolean;
  readonly strategy_id: string;
}

export type DecisionVerdict = Pick<
  PolicyVerdict,
  'channel' | 'at' | 'allowed' | 'reasons' | 'nextPermittedAt' | 'packVersion' | 'overrideVersion' | 'ruleKind'
>;

/** What planning an account writes, in order; applied one by one (an event) or in bulk (the daily run). */
export type PlanEffect =
  /** Cancel the account's pending row, if any (a row being sent is left to finish). */
  | { readonly kind: 'cancel'; readonly reason: string }
  /** An audit row and a ContactDecision. */
  | { readonly kind: 'decision'; readonly verdict: DecisionVerdict; readonly armId: string }
  /** A pending row (and ContactScheduled), allowed by the last decision before it. */
  | {
      readonly kind: 'schedule';
      readonly row: Omit<ScheduleRow, 'id' | 'status' | 'attempts' | 'decision_id'>;
    }
  /** A task in an agent queue: a call (an escalation), or a negotiation (forbearance before enforcement). */
  | {
      readonly kind: 'escalate';
      /** Absent: a call. */
      readonly taskKind?: 'call' | 'negotiate';
      readonly queue: string;
      readonly segment: string;
      readonly language: string;
      readonly reason: string;
      readonly causedBy: string;
    }
  /** The account's place in its strategy. */
  | {
      readonly kind: 'progress';
      readonly strategy: { readonly id: string; readonly version: number } | null;
      readonly progress: StrategyProgress | null;
    };

export interface AccountPlanInput {
  readonly account: PlannerAccountRow;
  /** Undefined while the ledger has not told the debtor's facts. */
  readonly debtor: DebtorRow | undefined;
  readonly live: LiveScheduleFacts | undefined;
  /** The debtor's contacts on every account (sent and being sent). */
  readonly history: readonly PastContact[];
  /** The tenant's active strategies. */
  readonly strategies: readonly ActiveStrategy[];
  readonly now: Date;
  /** Record a decision even when nothing can be planned (an answer to a score). */
  readonly answerWithoutStrategy?: boolean;
  /** The debtor's local day at `now`, when the caller knows it already. */
  readonly today?: string;
}

export interface AccountPlan {
  readonly result: PlanResult;
  readonly effects: readonly PlanEffect[];
}

const refusal = (now: Date, reason: string): PlanEffect => ({
  kind: 'decision',
  armId: '',
  verdict: { channel: 'sms', at: now, allowed: false, reasons: [reason], nextPermittedAt: null },
});

/**
 * An account's plan from its facts: the strategy and arm (stable), the strategy's next step in the
 * debtor's local time and window, the contact law on it, at most one live row, a decision per
 * policy answer; stop conditions cancel the pending row. Pure: the writes are its effects, so the
 * planner on an event and the batched daily run decide with the same code.
 */
export function decideAccount(input: AccountPlanInput): AccountPlan {
  const { account, debtor, now } = input;
  const effects: PlanEffect[] = [];
  if (!account.due_date) {
    if (input.answerWithoutStrategy)
      effects.push(refusal(now, 'no-due-date: no statement with a due date is known for the account yet'));
    return { result: 'no-account', effects };
  }
  if (!debtor || !debtor.jurisdiction) {
    if (input.answerWithoutStrategy)
      effects.push(
        refusal(
          now,
          debtor
            ? 'no-rule-pack: no contact rules for the debtor’s country'
            : 'no-debtor-facts: the debtor’s time zone and jurisdiction are not known yet',
        ),
      );
    return { result: 'no-debtor', effects };
  }
  if (
    // The running plan's own reminder: it stands while the plan runs (the cadence is paused).
    (input.live?.strategy_id === INSTALMENT_REMINDER && account.promise_active) ||
    // The notice of a reversed payment stands until it is sent, whatever the cadence would do (the
    // balance read here may not have the reversal yet: BalanceChanged travels on another topic);
    // the contact law is checked again when it is sent, and the account planned after it goes on
    // with the cadence.
    input.live?.strategy_id === PAYMENT_RETURNED
  )
    return { result: input.live.status === 'sending' ? 'sending' : 'unchanged', effects };
  const tenantId = account.tenant_id;
  const accountId = account.account_id;
  const today = input.today ?? localDate(now, debtor.timeZone);
  const snapshot: AccountSnapshot = {
    tenantId,
    accountId,
    segment: account.segment,
    product: account.product,
    jurisdiction: debtor.jurisdiction,
    balanceMinor: Number(account.balance_minor),
    currency: account.currency,
    dueDate: account.due_date,
    oldestUnpaidDueDate: account.oldest_unpaid_due_date,
  };
  const all = input.strategies;
  const current = all.find((s) => s.key === account.strategy_id);
  const admitted =
    current && admits(current.document, snapshot, today) ? current : chooseStrategy(all, snapshot, today);
  const chosen = all.find((s) => s.key === admitted?.key) ?? current;
  if (!chosen) {
    effects.push({ kind: 'cancel', reason: 'no-strategy' });
    if (input.answerWithoutStrategy)
      effects.push(refusal(now, 'no-strategy: no active strategy of the tenant admits the account'));
    return { result: 'no-strategy', effects };
  }
  let live = input.live;
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
    effects.push({ kind: 'cancel', reason: `entered strategy ${chosen.key}` });
    if (live?.status === 'pending') live = undefined;
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
  // The debtor's holds and their co-parties' that stop contact about this account (a co-obligor's
  // dispute, a guarantor's bankruptcy in the US): a strategy stopping on them stops here too.
  const holds = holdsOnAccount(debtor);
  const status: AccountStatus = {
    paidInFull: account.balance_known && Number(account.balance_minor) <= 0,
    promiseActive: account.promise_active,
    disputed: holds.includes('dispute'),
    optedOut: armChannels.size > 0 && [...armChannels].every((c) => debtor.optedOut.includes(c)),
    holds,
  };
  if (live?.status === 'sending') return { result: 'sending', effects };

  const plan = planNextContact({
    doc: chosen.document,
    account: snapshot,
    status,
    progress,
    today,
    now,
    facts: debtor,
    history: input.history,
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
    effects.push({ kind: 'progress', strategy, progress });
    return { result: 'unchanged', effects };
  }
  if (live)
    effects.push({
      kind: 'cancel',
      reason: outcome.kind === 'stopped' ? `stop:${outcome.because.join(',')}` : `replanned:${outcome.kind}`,
    });
  for (const verdict of plan.decisions) effects.push({ kind: 'decision', verdict, armId: progress.armId });
  let result: PlanResult = outcome.kind;

  switch (outcome.kind) {
    case 'schedule':
      effects.push({
        kind: 'schedule',
        row: {
          tenant_id: tenantId,
          account_id: accountId,
          debtor_id: debtor.debtorId,
          strategy_id: chosen.key,
          strategy_version: chosen.version,
          arm_id: progress.armId,
          step_id: outcome.step.id,
          channel: outcome.channel,
          template: outcome.step.template,
          fallback: outcome.fallback,
          due_at: outcome.dueAt,
        },
      });
      break;
    case 'escalate': {
      // The call the escalation would queue, put to the contact law as an agent's claim puts it
      // (`taskVerdict`, the debtor's facts and contacts read for this plan). Refused for good (a
      // hold, no consent or an opt-out for calls, no pack), no task is handed out: the refusal is
      // recorded instead, and the account stays unescalated, so a plan after the debtor's facts
      // change (a hold lifted, consent given) escalates it then. Refused only for now, the task is
      // queued, due when the claim's check allows it.
      const call = taskVerdict('call', debtor, input.history, now, accountId)!;
      if (refusedForGood(call)) {
        effects.push({ kind: 'decision', armId: progress.armId, verdict: call });
        result = 'escalation-refused';
        break;
      }
      progress = { ...progress, escalated: true };
      effects.push({
        kind: 'decision',
        armId: progress.armId,
        verdict: {
          channel: 'call',
          at: now,
          allowed: true,
          reasons: [`escalation: handed to the agent queue ${outcome.queue}`],
          nextPermittedAt: now,
        },
      });
      effects.push({
        kind: 'escalate',
        queue: outcome.queue,
        segment: account.segment,
        language: debtor.language.slice(0, 2),
        reason: `strategy ${chosen.key} escalates at ${accountDaysPastDue(snapshot, today)} days past due`,
        causedBy: `escalation:${accountId}:${chosen.key}:${progress.enteredOn}`,
      });
      break;
    }
    case 'legal-referral': {
      const rules = debtor.rules?.pack ?? RULE_PACKS[debtor.jurisdiction];
      /** The referral's decision (a letter's, now): refused with its reasons, or made. */
      const referral = (allowed: boolean, reasons: string[]): PlanEffect => ({
        kind: 'decision',
        armId: progress.armId,
        verdict: {
          channel: 'letter',
          at: now,
          allowed,
          reasons,
          nextPermittedAt: allowed ? now : null,
          ...(allowed ? {} : { packVersion: rules.version, overrideVersion: debtor.rules?.overrideVersion ?? null }),
        },
      });
      // No suit on a time-barred debt (US Regulation F §1006.26(b)): the state's limitation period
      // (the tenant's, by override) counted from the default date (the oldest unpaid due date, as
      // days past due count) to the debtor's local today. Run out: the referral is refused with the
      // rule's words and figures, once per strategy entry (`TIME_BARRED_REFERRAL` in the progress),
      // and the account stays unreferred. No period for the state: the referral goes ahead, saying
      // the check could not be made.
      const timeBarredRule = rules.enforcement?.noSuitWhenTimeBarred;
      const timeBarred =
        timeBarredRule &&
        timeBarredCheck(
          timeBarredRule,
          debtor.region,
          account.product,
          snapshot.oldestUnpaidDueDate || snapshot.dueDate,
          today,
        );
      if (timeBarredRule && timeBarred?.kind === 'checked' && timeBarred.barred) {
        if (progress.stepsDone.includes(TIME_BARRED_REFERRAL)) {
          result = 'unchanged';
          break;
        }
        effects.push(referral(false, [timeBarredReason(timeBarredRule, timeBarred)]));
        progress = { ...progress, stepsDone: [...progress.stepsDone, TIME_BARRED_REFERRAL] };
        result = 'legal-referral-refused';
        break;
      }
      // Forbearance before enforcement (EU CCD art. 35): where the debtor's pack wants it and no
      // measure is on record, the referral is refused with the rule's words, the account stays
      // unreferred, and one negotiation task (one per strategy entry, however often it is planned)
      // offers forbearance; a plan after a measure comes on record makes the referral.
      const forbearance = rules.enforcement?.forbearanceFirst;
      if (forbearance && !account.forbearance_on_record_at) {
        effects.push(
          referral(false, [
            `${forbearance.id}: ${forbearance.text} [${forbearance.citation}] — no forbearance measure is on record for the account`,
          ]),
        );
        effects.push({
          kind: 'escalate',
          taskKind: 'negotiate',
          queue: chosen.document.escalation?.queue ?? FORBEARANCE_QUEUE,
          segment: account.segment,
          language: debtor.language.slice(0, 2),
          reason: `forbearance must be offered before enforcement (${forbearance.id}): strategy ${chosen.key} refers the account for legal action at ${accountDaysPastDue(snapshot, today)} days past due`,
          causedBy: `forbearance:${accountId}:${chosen.key}:${progress.enteredOn}`,
        });
        result = 'legal-referral-refused';
        break;
      }
      progress = { ...progress, referredToLegal: true };
      effects.push(
        referral(true, [
          'legal-referral: the strategy refers the account for legal action',
          ...(timeBarredRule && timeBarred?.kind === 'no-period'
            ? [
                `${timeBarredRule.id}: whether the debt is time-barred could not be checked — ` +
                  (!timeBarred.state
                    ? 'no state is on record for the debtor'
                    : timeBarredRule.limitationPeriods[timeBarred.state]
                      ? `no limitation period is configured for ${timeBarred.state} and the product ${account.product}`
                      : `no limitation period is configured for ${timeBarred.state}`),
              ]
            : []),
        ]),
      );
      break;
    }
    case 'stopped':
    case 'idle':
      break;
  }
  effects.push({ kind: 'progress', strategy, progress });
  return { result, effects };
}
