import { createHash } from 'node:crypto';
import {
  AccountSnapshot,
  AccountStatus,
  NextAction,
  Range,
  StopCondition,
  StrategyArm,
  StrategyDocument,
  StrategyProgress,
  StrategyStep,
} from './strategy.types';

const DAY_MS = 86_400_000;

/**
 * Day numbers and dates already converted: a daily run asks about the same few hundred dates
 * millions of times, and a Date per question was a large part of planning's time. Bounded: cleared
 * when it holds more than a few decades of days.
 */
const dayNumbers = new Map<string, number>();
const dates = new Map<number, string>();
const REMEMBERED = 20_000;

/** `YYYY-MM-DD` to a day number; civil days only, no time zone. */
export function dayNumber(date: string): number {
  let n = dayNumbers.get(date);
  if (n === undefined) {
    n = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
    if (dayNumbers.size >= REMEMBERED) dayNumbers.clear();
    dayNumbers.set(date, n);
  }
  return n;
}

export function addDays(date: string, days: number): string {
  const n = dayNumber(date) + days;
  let d = dates.get(n);
  if (d === undefined) {
    d = new Date(n * DAY_MS).toISOString().slice(0, 10);
    if (dates.size >= REMEMBERED) dates.clear();
    dates.set(n, d);
  }
  return d;
}

/** Negative before the due date: on D-3 this is `-3`. */
export function daysPastDue(dueDate: string, today: string): number {
  return dayNumber(today) - dayNumber(dueDate);
}

/**
 * The account's days past due on its local day `today`, as strategies count them (entry ranges,
 * escalation, legal referral): from the ledger's oldest unpaid due date when it told one, else from
 * the latest statement's due date. A card that keeps receiving statements unpaid is as late as its
 * oldest unpaid cycle, not its latest; step offsets still count from the latest due date.
 */
export function accountDaysPastDue(account: AccountSnapshot, today: string): number {
  return daysPastDue(account.oldestUnpaidDueDate || account.dueDate, today);
}

const inRange = (value: number, r: Range | undefined) =>
  r === undefined || ((r.min === undefined || value >= r.min) && (r.max === undefined || value <= r.max));

/** Whether the account meets every entry condition of the strategy on its local day `today`. */
export function admits(doc: StrategyDocument, account: AccountSnapshot, today: string): boolean {
  const e = doc.entry;
  return (
    (e.segments === undefined || e.segments.includes(account.segment)) &&
    (e.products === undefined || e.products.includes(account.product)) &&
    (e.jurisdictions === undefined || e.jurisdictions.includes(account.jurisdiction)) &&
    (e.currency === undefined || e.currency === account.currency) &&
    inRange(account.balanceMinor, e.balanceMinor) &&
    inRange(accountDaysPastDue(account, today), e.daysPastDue)
  );
}

/** The strategy an account enters: the lowest priority among those that admit it, then by key. */
export function chooseStrategy<K extends string>(
  strategies: ReadonlyArray<{ readonly key: K; readonly document: StrategyDocument }>,
  account: AccountSnapshot,
  today: string,
): { readonly key: K; readonly document: StrategyDocument } | null {
  const candidates = strategies
    .filter((s) => admits(s.document, account, today))
    .sort((a, b) => a.document.priority - b.document.priority || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return candidates[0] ?? null;
}

/**
 * Stable champion/challenger split: a bucket 0..9999 from a hash of tenant, strategy and account,
 * so the same account lands in the same arm on every evaluation and on every replica.
 */
export function assignArm(
  doc: StrategyDocument,
  strategyKey: string,
  tenantId: string,
  accountId: string,
): StrategyArm {
  const digest = createHash('sha256').update(`${tenantId}\u0000${strategyKey}\u0000${accountId}`).digest();
  const bucket = digest.readUInt32BE(0) % 10_000;
  let upTo = 0;
  for (const arm of doc.arms) {
    upTo += arm.weight * 100;
    if (bucket < upTo) return arm;
  }
  return doc.arms[doc.arms.length - 1];
}

export function activeStops(doc: StrategyDocument, status: AccountStatus): StopCondition[] {
  const hit: Record<StopCondition, boolean> = {
    payment: status.paidInFull,
    promise: status.promiseActive,
    dispute: status.disputed,
    opt_out: status.optedOut,
    hold: status.holds.length > 0,
  };
  return doc.stopConditions.filter((c) => hit[c]);
}

export function scheduledOn(step: StrategyStep, dueDate: string, enteredOn: string): string {
  return addDays(step.offset.from === 'due_date' ? dueDate : enteredOn, step.offset.days);
}

/**
 * What to do for the account on its local day `today`. Steps come strictly in document order: the
 * first step not yet done is the only candidate, and it is due once its day has come. A stop
 * condition silences everything; legal referral outranks escalation, which outranks a step.
 */
export function nextAction(
  doc: StrategyDocument,
  account: AccountSnapshot,
  status: AccountStatus,
  progress: StrategyProgress,
  today: string,
): NextAction {
  const stops = activeStops(doc, status);
  if (stops.length > 0) return { kind: 'stopped', because: stops };
  const dpd = accountDaysPastDue(account, today);
  if (doc.legalReferral && !progress.referredToLegal && dpd >= doc.legalReferral.atDaysPastDue) {
    return { kind: 'legal-referral' };
  }
  if (doc.escalation && !progress.escalated && dpd >= doc.escalation.atDaysPastDue) {
    return { kind: 'escalate', queue: doc.escalation.queue };
  }
  if (progress.referredToLegal || progress.escalated) return { kind: 'wait', nextOn: null };
  const arm = doc.arms.find((a) => a.id === progress.armId);
  const failed = progress.stepsFailed ?? [];
  // A failed step with no fallback is given up on; one with a fallback is retried on it once.
  const step = arm?.steps.find(
    (s) => !progress.stepsDone.includes(s.id) && !(failed.includes(s.id) && s.fallbackChannel === undefined),
  );
  if (!step) return { kind: 'wait', nextOn: null };
  const on = scheduledOn(step, account.dueDate, progress.enteredOn);
  if (on > today) return { kind: 'wait', nextOn: on };
  const fallbackChannel = failed.includes(step.id) ? step.fallbackChannel : undefined;
  return {
    kind: 'step',
    step,
    channel: fallbackChannel ?? step.channel,
    fallback: fallbackChannel !== undefined,
    scheduledOn: on,
  };
}
