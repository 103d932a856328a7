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
  const allocator = new Allocator(schedule, payments);
  return { allocations: allocator.allocations, paidBySeq: allocator.paidBySeq, carryMinor: allocator.carryMinor };
}

/**
 * `allocatePayments` one payment at a time. Allocation is prefix-stable (a payment's allocation
 * depends only on the payments posted before it), so adding a payment extends the state of
 * those before it: a batch that reviews a plan after each of its payments allocates each
 * payment once, not the plan's whole history again per payment.
 */
export class Allocator implements AllocationState {
  readonly allocations: Allocation[] = [];
  carryMinor = 0;
  /** The instalments in seq order; `paid` is by position in it. */
  private readonly ordered: readonly Instalment[];
  private readonly paid: number[];
  private cursor = 0;
  private bySeq?: Map<number, number>;

  constructor(schedule: readonly Instalment[], payments: readonly Payment[] = []) {
    this.ordered = scheduleDates(schedule).ordered;
    this.paid = new Array<number>(this.ordered.length).fill(0);
    for (const p of payments) this.add(p);
  }

  add(p: Payment): void {
    const { ordered, paid } = this;
    this.bySeq = undefined;
    let left = p.amountMinor;
    while (left > 0 && this.cursor < ordered.length) {
      const inst = ordered[this.cursor];
      const part = Math.min(inst.amountMinor - paid[this.cursor], left);
      if (part > 0) {
        paid[this.cursor] += part;
        this.allocations.push({ paymentId: p.paymentId, seq: inst.seq, amountMinor: part, date: p.date });
        left -= part;
      }
      if (paid[this.cursor] >= inst.amountMinor) this.cursor += 1;
    }
    this.carryMinor += left;
  }

  /** What each instalment has been paid, by seq (worked out when asked, once per payment added). */
  get paidBySeq(): Map<number, number> {
    if (!this.bySeq) {
      this.bySeq = new Map<number, number>();
      for (let at = 0; at < this.ordered.length; at++) this.bySeq.set(this.ordered[at].seq, this.paid[at]);
    }
    return this.bySeq;
  }

  /** What each instalment has been paid, by position in seq order, as of now (a copy). */
  paidByPosition(): number[] {
    return [...this.paid];
  }

  /** The instalments whose paid amount differs from `before` (by position, from `paidByPosition`). */
  paidChangedSince(before: readonly number[]): { seq: number; paidMinor: number }[] {
    const changed: { seq: number; paidMinor: number }[] = [];
    for (let at = 0; at < this.ordered.length; at++) {
      if (before[at] !== this.paid[at]) changed.push({ seq: this.ordered[at].seq, paidMinor: this.paid[at] });
    }
    return changed;
  }
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
