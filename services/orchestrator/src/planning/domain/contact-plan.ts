import {
  BankruptcyChapter,
  Channel,
  CreditorOnRecord,
  Hold,
  InconvenientWindow,
  Jurisdiction,
  PastContact,
  RuleKind,
  TenantRules,
  TimeZoneClock,
  ValidationNoticeOnRecord,
  coPartyHoldStops,
  evaluate,
  ruleKindOf,
  timeBarredCheck,
  timeBarredReason,
} from '../../policy/domain';
import { RULE_PACKS } from '../../policy/packs';
import {
  AccountSnapshot,
  AccountStatus,
  StopCondition,
  StrategyDocument,
  StrategyProgress,
  StrategyStep,
  nextAction,
  scheduledOn,
} from '../../strategies/domain';
import { templateThreatensLegalAction } from '../../templates/domain/template.catalogue';

const MS_PER_DAY = 86_400_000;
const MS_PER_MINUTE = 60_000;

/** What the contact law needs to know about the debtor behind an account. */
export interface DebtorContactFacts {
  readonly debtorId: string;
  readonly timeZone: string;
  /** Null when the debtor's country has no rule pack: nothing is sent. */
  readonly jurisdiction: Jurisdiction | null;
  readonly region: string;
  /**
   * Channels the debtor authorised, as the ledger recorded them; empty when none is: where the
   * pack requires consent (Colombia) no channel is then authorised.
   */
  readonly consent: readonly Channel[];
  readonly optedOut: readonly Channel[];
  readonly holds: readonly Hold[];
  /**
   * The active holds of the account's other parties (co-obligors, guarantors), every kind as the
   * ledger told them: the pack's `coPartyHolds` say which stop contact about the account
   * (`holdsOnAccount`). Absent: none (tests, the policy CLI).
   */
  readonly coPartyHolds?: readonly Hold[];
  /**
   * The chapter of each of those parties' active bankruptcy holds, `null` where the ledger has none
   * on record; absent: none on record. Under the US pack only a chapter 12 or 13 bankruptcy (or one
   * of no chapter on record) stops contact about the account (`coPartyHoldStops`).
   */
  readonly coPartyBankruptcyChapters?: readonly (BankruptcyChapter | null)[];
  /**
   * How the tenant names the creditor to debtors of the debtor's country (its creditor profile);
   * null when it has none: where the pack requires the creditor named (BR, MX) nothing is sent.
   */
  readonly creditor: CreditorOnRecord | null;
  /**
   * The account's validation notice where the tenant collects it for its creditor (its creditor
   * profile names a collector); null where it does not; absent: not known (tests, the policy CLI),
   * and the US rule is not checked.
   */
  readonly validationNotice?: ValidationNoticeOnRecord | null;
  /** Times the debtor said are inconvenient (the ledger's); absent or empty: none on record. */
  readonly inconvenient?: readonly InconvenientWindow[];
  /**
   * Channels on which every contact point the debtor has is at a workplace whose employer forbids
   * collection contact (the dispatcher uses any other first); absent or empty: none.
   */
  readonly workplaceForbidden?: readonly Channel[];
  /**
   * The tenant's rules for `jurisdiction` (its override applied), as `PlannerRepository` reads
   * them; absent, the jurisdiction's base pack decides (tests, the policy CLI).
   */
  readonly rules?: TenantRules;
}

/** The contact law's answer for one channel at one instant, in the words stored and published. */
export interface PolicyVerdict {
  readonly channel: Channel;
  readonly at: Date;
  readonly allowed: boolean;
  /** `rule-id: words`; empty when allowed. */
  readonly reasons: readonly string[];
  readonly nextPermittedAt: Date | null;
  /** The version of the pack that decided (`<base>+<tenant>.v<n>` under an override); absent: none did. */
  readonly packVersion?: string;
  /** The tenant's override version that decided; null or absent: none. */
  readonly overrideVersion?: number | null;
  /**
   * Refused: the kind of the first reason's rule in the pack that decided (a rule the tenant's
   * override added has the tenant's own id, which only that pack knows). Absent: allowed, or the
   * rule is of no such kind, or no pack decided. Not stored or published: the reasons say it.
   */
  readonly ruleKind?: RuleKind;
}

/**
 * The contact-policy engine (the same as the policy CLI's) on one proposed contact, with the
 * debtor's earlier contacts on every account.
 */
export function checkPolicy(
  channel: Channel,
  facts: DebtorContactFacts,
  history: readonly PastContact[],
  at: Date,
  debtId: string,
): PolicyVerdict {
  if (!facts.jurisdiction)
    return {
      channel,
      at,
      allowed: false,
      reasons: ['no-rule-pack: no contact rules for the debtor’s country'],
      nextPermittedAt: null,
    };
  const pack = facts.rules?.pack ?? RULE_PACKS[facts.jurisdiction];
  const decision = evaluate(
    {
      timezone: facts.timeZone,
      region: facts.region || undefined,
      channel,
      at,
      debtId,
      history,
      consent: facts.consent,
      optedOut: facts.optedOut,
      holds: facts.holds,
      coPartyHolds: facts.coPartyHolds,
      coPartyBankruptcyChapters: facts.coPartyBankruptcyChapters,
      creditor: facts.creditor,
      validationNotice: facts.validationNotice,
      inconvenient: facts.inconvenient,
      workplaceForbidden: facts.workplaceForbidden?.includes(channel) ?? false,
    },
    pack,
  );
  const ruleKind = decision.allowed ? undefined : ruleKindOf(pack, decision.reasons[0]?.ruleId ?? '');
  return {
    channel,
    at,
    allowed: decision.allowed,
    reasons: decision.reasons.map((r) => `${r.ruleId}: ${r.message}`),
    nextPermittedAt: decision.nextPermittedAt,
    packVersion: pack.version,
    overrideVersion: facts.rules?.overrideVersion ?? null,
    ...(ruleKind ? { ruleKind } : {}),
  };
}

/**
 * The holds that stop contact about the account: the debtor's own, and those of the account's other
 * parties that the debtor's pack (the tenant's) names in `coPartyHolds` (a dispute of the debt; in
 * the US a chapter 12 or 13 bankruptcy, or one of no chapter on record, too), not their personal ones. What a strategy's stop conditions see and the
 * dispatcher's stop of a row being sent; the contact law reads both lists itself (`checkPolicy`).
 */
export function holdsOnAccount(
  facts: Pick<DebtorContactFacts, 'holds' | 'coPartyHolds' | 'coPartyBankruptcyChapters' | 'jurisdiction' | 'rules'>,
): Hold[] {
  const holds = [...facts.holds];
  if (!facts.jurisdiction || !facts.coPartyHolds?.length) return holds;
  const pack = facts.rules?.pack ?? RULE_PACKS[facts.jurisdiction];
  for (const rule of pack.coPartyHolds ?? [])
    if (coPartyHoldStops(rule, facts) && !holds.includes(rule.hold)) holds.push(rule.hold);
  return holds;
}

/** The step id and template of a debt collector's validation notice (US Regulation F §1006.34). */
export const VALIDATION_NOTICE = 'validation-notice';

/**
 * The validation notice, in place of the strategy's `step`, while the debtor's pack wants one of
 * a debt collector and it is neither sent nor given up (both of its channels failed or refused):
 * on the step's day and in its window, on the rule's first channel, then its second.
 */
function validationNoticeFor(step: StrategyStep, facts: DebtorContactFacts, progress: StrategyProgress) {
  const rule = facts.jurisdiction && (facts.rules?.pack ?? RULE_PACKS[facts.jurisdiction]).validationNotice;
  if (!rule || !facts.validationNotice || facts.validationNotice.sentAt !== null) return undefined;
  if (progress.stepsDone.includes(VALIDATION_NOTICE)) return undefined;
  const fallback = (progress.stepsFailed ?? []).includes(VALIDATION_NOTICE);
  const [first, second] = rule.noticeChannels;
  if (fallback && second === undefined) return undefined;
  const notice: StrategyStep = {
    id: VALIDATION_NOTICE,
    channel: first,
    template: VALIDATION_NOTICE,
    offset: step.offset,
    ...(step.preferredWindow ? { preferredWindow: step.preferredWindow } : {}),
    ...(second ? { fallbackChannel: second } : {}),
  };
  return { step: notice, channel: fallback ? second : first, fallback };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
const dayNumberOf = (date: string) =>
  Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / MS_PER_DAY;

/**
 * When the step would like to go out: the start of its preferred window (or of the day) on its
 * day in the debtor's zone; if that has passed, now when now is inside the window, else the
 * window's next start. The contact law may move it later still.
 */
export function preferredInstant(step: StrategyStep, on: string, timeZone: string, now: Date): Date {
  const clock = TimeZoneClock.for(timeZone);
  const from = step.preferredWindow ? minutesOf(step.preferredWindow.from) : 0;
  const to = step.preferredWindow ? minutesOf(step.preferredWindow.to) : 24 * 60;
  const candidate = clock.instantOf(dayNumberOf(on) * MS_PER_DAY + from * MS_PER_MINUTE);
  if (candidate >= now.getTime()) return new Date(candidate);
  const local = clock.local(now.getTime());
  if (local.minute >= from && local.minute < to) return now;
  const day = local.minute < from ? local.day : local.day + 1;
  return new Date(clock.instantOf(day * MS_PER_DAY + from * MS_PER_MINUTE, now.getTime()));
}

export interface PlanInput {
  readonly doc: StrategyDocument;
  readonly account: AccountSnapshot;
  readonly status: AccountStatus;
  readonly progress: StrategyProgress;
  /** The debtor's local day. */
  readonly today: string;
  readonly now: Date;
  readonly facts: DebtorContactFacts;
  readonly history: readonly PastContact[];
}

export type PlanOutcome =
  | { readonly kind: 'stopped'; readonly because: readonly StopCondition[] }
  | { readonly kind: 'escalate'; readonly queue: string }
  | { readonly kind: 'legal-referral' }
  /** Nothing to schedule: the cadence is done, or waits for a day the planner cannot see yet. */
  | { readonly kind: 'idle' }
  | {
      readonly kind: 'schedule';
      readonly step: StrategyStep;
      readonly channel: Channel;
      readonly fallback: boolean;
      readonly dueAt: Date;
    };

export interface Plan {
  readonly outcome: PlanOutcome;
  /** Progress after steps skipped (their day passed) or refused for good by the contact law. */
  readonly progress: StrategyProgress;
  /** Every policy decision taken on the way, in order: the audit trail. */
  readonly decisions: readonly PolicyVerdict[];
}

/**
 * The account's next contact: the strategy's next action, moved to the debtor's preferred local
 * time and then to the first instant the contact law allows. A step whose day has passed while
 * a later step is already due is skipped (a reminder before the due date means nothing after
 * it); a step the law refuses for good (opt-out, no consent, a hold) fails over to its fallback
 * channel, or is given up. Pure: the same input gives the same plan.
 */
export function planNextContact(input: PlanInput): Plan {
  const { doc, account, status, facts, history, now, today } = input;
  let progress = input.progress;
  const decisions: PolicyVerdict[] = [];
  const arm = doc.arms.find((a) => a.id === progress.armId);
  for (let guard = 0; guard <= 2 * (arm?.steps.length ?? 0) + 3; guard++) {
    let action = nextAction(doc, account, status, progress, today);
    if (action.kind === 'wait' && action.nextOn !== null) {
      // Plan the next step now for its day; stops and escalations are looked at again on that day.
      const ahead = nextAction(doc, account, status, progress, action.nextOn);
      if (ahead.kind !== 'step') return { outcome: { kind: 'idle' }, progress, decisions };
      action = ahead;
    }
    switch (action.kind) {
      case 'stopped':
        return { outcome: { kind: 'stopped', because: action.because }, progress, decisions };
      case 'escalate':
        return { outcome: { kind: 'escalate', queue: action.queue }, progress, decisions };
      case 'legal-referral':
        return { outcome: { kind: 'legal-referral' }, progress, decisions };
      case 'wait':
        return { outcome: { kind: 'idle' }, progress, decisions };
    }
    const notice = validationNoticeFor(action.step, facts, progress);
    const { step, channel, fallback } = notice ?? action;
    const failedBefore = (progress.stepsFailed ?? []).includes(step.id);
    if (!notice && !failedBefore && supersededOn(arm?.steps ?? [], step, account.dueDate, progress.enteredOn, today)) {
      progress = { ...progress, stepsDone: [...progress.stepsDone, step.id] };
      continue;
    }
    const preferred = preferredInstant(step, action.scheduledOn, facts.timeZone, now);
    const barred = timeBarredThreat(step, account, facts, action.scheduledOn > today ? action.scheduledOn : today);
    if (barred) {
      // No threat of a suit on a time-barred debt: the message is not sent, on any channel.
      decisions.push({
        channel,
        at: preferred,
        allowed: false,
        reasons: [barred.reason],
        nextPermittedAt: null,
        packVersion: barred.packVersion,
        overrideVersion: facts.rules?.overrideVersion ?? null,
      });
      progress = { ...progress, stepsDone: [...progress.stepsDone, step.id] };
      continue;
    }
    const first = checkPolicy(channel, facts, history, preferred, account.accountId);
    decisions.push(first);
    if (first.allowed)
      return { outcome: { kind: 'schedule', step, channel, fallback, dueAt: preferred }, progress, decisions };
    if (first.nextPermittedAt) {
      const later = checkPolicy(channel, facts, history, first.nextPermittedAt, account.accountId);
      decisions.push(later);
      if (later.allowed)
        return { outcome: { kind: 'schedule', step, channel, fallback, dueAt: later.at }, progress, decisions };
    }
    progress = refused(progress, step, failedBefore);
  }
  return { outcome: { kind: 'idle' }, progress, decisions };
}

/**
 * The refusal of a step whose template threatens legal action (`threatensLegalAction`) on a debt
 * that is time-barred on `day` (the later of today and the step's day, the debtor's local days):
 * the debtor's pack forbids threatening a suit then (`enforcement.noSuitWhenTimeBarred`, US
 * Regulation F §1006.26(b)) and the tenant's period for the debtor's state (and the account's
 * product), counted from the default date (the oldest unpaid due date, else the due date, as days
 * past due count), has run. Undefined otherwise, and where no period is configured for the state:
 * the message goes out as before. The dispatcher asks it again of a row `sending` but not out yet
 * (a letter in the print batch, a row left `sending`), on the debtor's local day then.
 */
export function timeBarredThreat(
  step: Pick<StrategyStep, 'template'>,
  account: Pick<AccountSnapshot, 'product' | 'dueDate' | 'oldestUnpaidDueDate'>,
  facts: Pick<DebtorContactFacts, 'jurisdiction' | 'region' | 'rules'>,
  day: string,
): { readonly reason: string; readonly packVersion: string } | undefined {
  if (!facts.jurisdiction || !templateThreatensLegalAction(step.template)) return undefined;
  const pack = facts.rules?.pack ?? RULE_PACKS[facts.jurisdiction];
  const rule = pack.enforcement?.noSuitWhenTimeBarred;
  if (!rule) return undefined;
  const check = timeBarredCheck(
    rule,
    facts.region,
    account.product,
    account.oldestUnpaidDueDate || account.dueDate,
    day,
  );
  if (check.kind !== 'checked' || !check.barred) return undefined;
  return { reason: timeBarredReason(rule, check), packVersion: pack.version };
}

/** A later step of the arm is already due today: this one's moment has passed. */
function supersededOn(
  steps: readonly StrategyStep[],
  step: StrategyStep,
  dueDate: string,
  enteredOn: string,
  today: string,
): boolean {
  const index = steps.findIndex((s) => s.id === step.id);
  return steps.slice(index + 1).some((s) => scheduledOn(s, dueDate, enteredOn) <= today);
}

/** The law will not allow this channel until something changes: try the fallback, or give the step up. */
export function refused(progress: StrategyProgress, step: StrategyStep, failedBefore: boolean): StrategyProgress {
  if (!failedBefore && step.fallbackChannel !== undefined)
    return { ...progress, stepsFailed: [...(progress.stepsFailed ?? []), step.id] };
  return { ...progress, stepsDone: [...progress.stepsDone, step.id] };
}
