import { Instalment, ScheduleDates, scheduleDates } from './schedule';

export interface Payment {
  paymentId: string;
  amountMinor: number;
  /** Calendar date the payment took effect, in the account's time zone. */
  date: string;
}

export interface Allocation {
  paymentId: string;
  seq: number;
  amountMinor: number;
  date: string;
}

export interface AllocationState {
  allocations: Allocation[];
  paidBySeq: Map<number, number>;
  /** Paid beyond the whole schedule (over-payment), kept as a credit. */
  carryMinor: number;
}

/**
 * Allocates payments, in the order they were posted, to the earliest instalment not yet fully
 * paid; partial and early payments fill what they can, over-payments roll forward to the next
 * instalment and, past the last one, stay as a credit. The state is a pure function of the
 * payments, so reversing a payment is allocating again without it.
 */
export function allocatePayments(schedule: readonly Instalment[], payments: readonly Payment[]): AllocationState {
  const ordered = scheduleDates(schedule).ordered;
  const paid = new Array<number>(ordered.length).fill(0);
  const allocations: Allocation[] = [];
  let carryMinor = 0;
  let cursor = 0;
  for (const p of payments) {
    let left = p.amountMinor;
    while (left > 0 && cursor < ordered.length) {
      const inst = ordered[cursor];
      const part = Math.min(inst.amountMinor - paid[cursor], left);
      if (part > 0) {
        paid[cursor] += part;
        allocations.push({ paymentId: p.paymentId, seq: inst.seq, amountMinor: part, date: p.date });
        left -= part;
      }
      if (paid[cursor] >= inst.amountMinor) cursor += 1;
    }
    carryMinor += left;
  }
  const paidBySeq = new Map<number, number>();
  for (let at = 0; at < ordered.length; at++) paidBySeq.set(ordered[at].seq, paid[at]);
  return { allocations, paidBySeq, carryMinor };
}

export function reversePayment(
  schedule: readonly Instalment[],
  payments: readonly Payment[],
  paymentId: string,
): AllocationState {
  return allocatePayments(
    schedule,
    payments.filter((p) => p.paymentId !== paymentId),
  );
}

export type InstalmentStatus = 'paid' | 'open' | 'missed';
export type PlanStatus = 'active' | 'completed' | 'defaulted';

/** Where each instalment of a schedule (in seq order) stands on a date. */
export interface StandingAsOf {
  /** Status by position in `ScheduleDates.ordered`. */
  status: InstalmentStatus[];
  /** Date each instalment (by position) was fully paid, counting payments made by then; undefined while it is not. */
  fullyPaidOn: (string | undefined)[];
  missed: number;
  plan: PlanStatus;
}

/**
 * The work behind `planStatusAsOf` and the review, on a schedule's dates worked out once: what
 * the allocations made by `asOf` paid of each instalment and when each became fully paid.
 */
export function standingAsOf(
  dates: ScheduleDates,
  state: AllocationState,
  asOf: string,
  graceDays: number,
  missedToDefault: number,
): StandingAsOf {
  const { ordered } = dates;
  const graceEnd = dates.dueDatesPlus(graceDays);
  const paid = new Array<number>(ordered.length).fill(0);
  const fullyPaidOn = new Array<string | undefined>(ordered.length).fill(undefined);
  for (const a of state.allocations) {
    if (a.date > asOf) continue;
    const at = dates.positionOf(a.seq);
    if (at === undefined) continue;
    paid[at] += a.amountMinor;
    if (fullyPaidOn[at] === undefined && paid[at] >= ordered[at].amountMinor) fullyPaidOn[at] = a.date;
  }
  const status = new Array<InstalmentStatus>(ordered.length);
  let missed = 0;
  let allPaid = true;
  for (let at = 0; at < ordered.length; at++) {
    if (paid[at] >= ordered[at].amountMinor) {
      status[at] = 'paid';
      continue;
    }
    allPaid = false;
    if (asOf > graceEnd[at]) {
      status[at] = 'missed';
      missed++;
    } else status[at] = 'open';
  }
  const plan: PlanStatus = allPaid ? 'completed' : missed >= missedToDefault ? 'defaulted' : 'active';
  return { status, fullyPaidOn, missed, plan };
}

/**
 * Where the plan stands on a date (payments made by then): an instalment is paid once fully allocated, missed when its
 * due date plus the grace days has passed without that, otherwise open. The plan completes when
 * every instalment is paid and defaults after `missedToDefault` missed instalments.
 */
export function planStatusAsOf(
  schedule: readonly Instalment[],
  state: AllocationState,
  asOf: string,
  graceDays: number,
  missedToDefault: number,
): { instalments: { seq: number; status: InstalmentStatus }[]; plan: PlanStatus } {
  const dates = scheduleDates(schedule);
  const standing = standingAsOf(dates, state, asOf, graceDays, missedToDefault);
  return { instalments: dates.inScheduleOrder(standing.status), plan: standing.plan };
}
