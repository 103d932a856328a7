import { AccountHistory, MonthlyStatement } from '../../model';

export interface StoredCycle {
  statementMonth: string;
  bill: number;
  reportedStatus: number | null;
}

/**
 * Rebuilds the model's view of an account from the feature store, in currency units: the six
 * latest cycles, most recent first, each with the payments made during its statement month
 * (the same convention as the UCI data: a month's payment settles the previous statement).
 * A cycle without a reported status gets one from its payments: -1 when the previous bill
 * was paid in full, 0 when something was paid, 1 when nothing was paid against a positive bill.
 */
export function toAccountHistory(
  creditLimit: number,
  cycles: StoredCycle[],
  paidByMonth: Map<string, number>,
): AccountHistory {
  const latest = [...cycles].sort((a, b) => (a.statementMonth < b.statementMonth ? 1 : -1)).slice(0, 6);
  const statements: MonthlyStatement[] = latest.map((c, i) => {
    const paid = paidByMonth.get(c.statementMonth) ?? 0;
    const previousBill = latest[i + 1]?.bill ?? 0;
    const status = c.reportedStatus ?? (previousBill <= 0 || paid >= previousBill ? -1 : paid > 0 ? 0 : 1);
    return { bill: c.bill, paid, status };
  });
  return { creditLimit, statements };
}
