import { AllocationState, standingAsOf } from './allocation';
import { Instalment, scheduleDates } from './schedule';

/** What a plan tells the world, at most once each: per instalment (seq) or for the whole plan (seq -1). */
export type AnnouncementKind = 'kept' | 'missed' | 'due-soon' | 'completed' | 'defaulted';

export interface Announcement {
  kind: AnnouncementKind;
  seq: number;
}

export interface PlanRules {
  /** Days after a due date an instalment may still be paid and count as kept. */
  graceDays: number;
  /** Missed instalments after which the plan defaults. */
  missedToDefault: number;
  /** Days before a due date the reminder goes out. */
  dueSoonDays: number;
}

export const PLAN_LEVEL = -1;
export const announcementKey = (a: Announcement) => `${a.kind}:${a.seq}`;

export interface PlanReview {
  /** New announcements, in the order they are due (instalments by seq, then the plan's). */
  announce: Announcement[];
  /** Earlier announcements a reversal made untrue ('kept', 'completed'): forgotten, so they can be made again. */
  withdraw: Announcement[];
  instalments: { seq: number; status: 'paid' | 'open' | 'missed' }[];
  plan: 'active' | 'completed' | 'defaulted';
}

/**
 * Compares where a plan stands on `asOf` with what was already announced. An instalment is
 * kept when fully paid no later than its due date plus the grace days, missed once that passed
 * without it; the reminder goes out from `dueSoonDays` before the due date until it. A plan
 * that defaulted says nothing more; one with every instalment paid or missed (some missed)
 * defaults even with fewer misses than `missedToDefault`.
 */
export function reviewPlan(
  schedule: readonly Instalment[],
  state: AllocationState,
  asOf: string,
  rules: PlanRules,
  announced: ReadonlySet<string>,
  alreadyDefaulted = false,
): PlanReview {
  const dates = scheduleDates(schedule);
  const standing = standingAsOf(dates, state, asOf, rules.graceDays, rules.missedToDefault);
  // A plan with nothing left open and something missed can no longer complete: it defaults even
  // when it had fewer instalments than `missedToDefault`.
  const exhausted = standing.plan === 'active' && standing.missed > 0 && !standing.status.includes('open');
  const plan = alreadyDefaulted || exhausted ? 'defaulted' : standing.plan;
  const announce: Announcement[] = [];
  const withdraw: Announcement[] = [];
  const add = (a: Announcement) => {
    if (!announced.has(announcementKey(a))) announce.push(a);
  };
  const { ordered } = dates;
  const graceEnd = dates.dueDatesPlus(rules.graceDays);
  const dueSoonFrom = dates.dueDatesPlus(-rules.dueSoonDays);
  for (let at = 0; at < ordered.length; at++) {
    const inst = ordered[at];
    const s = standing.status[at];
    const kept = { kind: 'kept' as const, seq: inst.seq };
    if (s !== 'paid' && announced.has(announcementKey(kept))) withdraw.push(kept);
    if (alreadyDefaulted) continue;
    const paidOn = standing.fullyPaidOn[at];
    if (s === 'paid' && paidOn && paidOn <= graceEnd[at]) add(kept);
    if (s === 'missed') add({ kind: 'missed', seq: inst.seq });
    if (s === 'open' && asOf >= dueSoonFrom[at] && asOf <= inst.dueDate) add({ kind: 'due-soon', seq: inst.seq });
  }
  const completed = { kind: 'completed' as const, seq: PLAN_LEVEL };
  if (plan === 'completed') add(completed);
  else if (announced.has(announcementKey(completed))) withdraw.push(completed);
  if (plan === 'defaulted' && !alreadyDefaulted) add({ kind: 'defaulted', seq: PLAN_LEVEL });
  return { announce, withdraw, instalments: dates.inScheduleOrder(standing.status), plan };
}
