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
/** `kind:seq`, the form announcements are remembered in (the common ones made once, not per review). */
export const announcementKey = (a: Announcement): string => keyOf(a.kind, a.seq);

const KEYS = new Map<AnnouncementKind, string[]>();
function keyOf(kind: AnnouncementKind, seq: number): string {
  if (!Number.isInteger(seq) || seq < PLAN_LEVEL || seq > 1_000) return `${kind}:${seq}`;
  let keys = KEYS.get(kind);
  if (!keys) KEYS.set(kind, (keys = []));
  return (keys[seq + 1] ??= `${kind}:${seq}`);
}

export interface PlanReview {
  /** New announcements, in the order they are due (instalments by seq, then the plan's). */
  announce: Announcement[];
  /** Earlier announcements a reversal made untrue ('kept', 'completed'): forgotten, so they can be made again. */
  withdraw: Announcement[];
  instalments: { seq: number; status: 'paid' | 'open' | 'missed' }[];
  /** How many instalments are missed. */
  missed: number;
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
  const add = (kind: AnnouncementKind, seq: number) => {
    if (!announced.has(keyOf(kind, seq))) announce.push({ kind, seq });
  };
  const { ordered } = dates;
  const graceEnd = dates.dueDatesPlus(rules.graceDays);
  const dueSoonFrom = dates.dueDatesPlus(-rules.dueSoonDays);
  for (let at = 0; at < ordered.length; at++) {
    const inst = ordered[at];
    const s = standing.status[at];
    if (s !== 'paid' && announced.has(keyOf('kept', inst.seq))) withdraw.push({ kind: 'kept', seq: inst.seq });
    if (alreadyDefaulted) continue;
    const paidOn = standing.fullyPaidOn[at];
    if (s === 'paid' && paidOn && paidOn <= graceEnd[at]) add('kept', inst.seq);
    if (s === 'missed') add('missed', inst.seq);
    if (s === 'open' && asOf >= dueSoonFrom[at] && asOf <= inst.dueDate) add('due-soon', inst.seq);
  }
  if (plan === 'completed') add('completed', PLAN_LEVEL);
  else if (announced.has(keyOf('completed', PLAN_LEVEL))) withdraw.push({ kind: 'completed', seq: PLAN_LEVEL });
  if (plan === 'defaulted' && !alreadyDefaulted) add('defaulted', PLAN_LEVEL);
  const { status, missed } = standing;
  return {
    announce,
    withdraw,
    // Worked out when asked: a batch reviews a plan once per payment and needs only the count.
    get instalments() {
      return dates.inScheduleOrder(status);
    },
    missed,
    plan,
  };
}
