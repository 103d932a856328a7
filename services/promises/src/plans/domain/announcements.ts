import { AllocationState, planStatusAsOf } from './allocation';
import { Instalment, addDays } from './schedule';

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
  const status = planStatusAsOf(schedule, state, asOf, rules.graceDays, rules.missedToDefault);
  // A plan with nothing left open and something missed can no longer complete: it defaults even
  // when it had fewer instalments than `missedToDefault`.
  const exhausted =
    status.plan === 'active' &&
    status.instalments.every((i) => i.status !== 'open') &&
    status.instalments.some((i) => i.status === 'missed');
  const plan = alreadyDefaulted || exhausted ? 'defaulted' : status.plan;
  const announce: Announcement[] = [];
  const withdraw: Announcement[] = [];
  const fullyPaidOn = new Map<number, string>();
  const paid = new Map<number, number>();
  const bySeq = new Map(schedule.map((i) => [i.seq, i]));
  for (const a of state.allocations) {
    if (a.date > asOf) continue;
    paid.set(a.seq, (paid.get(a.seq) ?? 0) + a.amountMinor);
    const inst = bySeq.get(a.seq);
    if (inst && !fullyPaidOn.has(a.seq) && paid.get(a.seq)! >= inst.amountMinor) fullyPaidOn.set(a.seq, a.date);
  }
  const add = (a: Announcement) => {
    if (!announced.has(announcementKey(a))) announce.push(a);
  };
  const statusOf = new Map(status.instalments.map((i) => [i.seq, i.status]));
  for (const inst of [...schedule].sort((a, b) => a.seq - b.seq)) {
    const s = statusOf.get(inst.seq)!;
    const kept = { kind: 'kept' as const, seq: inst.seq };
    if (s !== 'paid' && announced.has(announcementKey(kept))) withdraw.push(kept);
    if (alreadyDefaulted) continue;
    const paidOn = fullyPaidOn.get(inst.seq);
    if (s === 'paid' && paidOn && paidOn <= addDays(inst.dueDate, rules.graceDays)) add(kept);
    if (s === 'missed') add({ kind: 'missed', seq: inst.seq });
    if (s === 'open' && asOf >= addDays(inst.dueDate, -rules.dueSoonDays) && asOf <= inst.dueDate)
      add({ kind: 'due-soon', seq: inst.seq });
  }
  const completed = { kind: 'completed' as const, seq: PLAN_LEVEL };
  if (plan === 'completed') add(completed);
  else if (announced.has(announcementKey(completed))) withdraw.push(completed);
  if (plan === 'defaulted' && !alreadyDefaulted) add({ kind: 'defaulted', seq: PLAN_LEVEL });
  return { announce, withdraw, instalments: status.instalments, plan };
}
