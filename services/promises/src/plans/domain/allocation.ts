import { Instalment, addDays } from './schedule';

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
  const ordered = [...schedule].sort((a, b) => a.seq - b.seq);
  const paidBySeq = new Map<number, number>(ordered.map((i) => [i.seq, 0]));
  const allocations: Allocation[] = [];
  let carryMinor = 0;
  let cursor = 0;
  for (const p of payments) {
    let left = p.amountMinor;
    while (left > 0 && cursor < ordered.length) {
      const inst = ordered[cursor];
      const open = inst.amountMinor - paidBySeq.get(inst.seq)!;
      const part = Math.min(open, left);
      if (part > 0) {
        paidBySeq.set(inst.seq, paidBySeq.get(inst.seq)! + part);
        allocations.push({ paymentId: p.paymentId, seq: inst.seq, amountMinor: part, date: p.date });
        left -= part;
      }
      if (paidBySeq.get(inst.seq)! >= inst.amountMinor) cursor += 1;
    }
    carryMinor += left;
  }
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
  const paidAsOf = new Map<number, number>();
  for (const a of state.allocations)
    if (a.date <= asOf) paidAsOf.set(a.seq, (paidAsOf.get(a.seq) ?? 0) + a.amountMinor);
  const instalments = schedule.map((i) => {
    const paidInFull = (paidAsOf.get(i.seq) ?? 0) >= i.amountMinor;
    const status: InstalmentStatus = paidInFull ? 'paid' : asOf > addDays(i.dueDate, graceDays) ? 'missed' : 'open';
    return { seq: i.seq, status };
  });
  const missed = instalments.filter((i) => i.status === 'missed').length;
  const plan: PlanStatus = instalments.every((i) => i.status === 'paid')
    ? 'completed'
    : missed >= missedToDefault
      ? 'defaulted'
      : 'active';
  return { instalments, plan };
}
