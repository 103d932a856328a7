import { localDate } from '@collections/platform';
import { AccountHistory, MonthlyStatement } from '../../model';

export interface StoredCycle {
  /** YYYY-MM of the statement date, a calendar date of the account (StatementIssued). */
  statementMonth: string;
  bill: number;
  reportedStatus: number | null;
}

/** A payment as the feature store keeps it: its posting instant, effective date and amount (minor units). */
export interface StoredPayment {
  postedAt: Date;
  /** The ledger's effective date (YYYY-MM-DD, the account's calendar); null from a ledger before that field. */
  effectiveDate?: string | null;
  paidMinor: number;
}

/**
 * The time zone months are counted in when the account's is not known: AccountOpened not seen
 * yet (or only before scoring kept time zones), no zone in it, or a zone this runtime does not know.
 */
export const FALLBACK_TIME_ZONE = 'UTC';

/** The zone to count the account's months in: its own when this runtime knows it, else UTC. */
export function monthTimeZone(timeZone: string | null | undefined): string {
  if (!timeZone) return FALLBACK_TIME_ZONE;
  try {
    localDate(new Date(0), timeZone);
    return timeZone;
  } catch {
    return FALLBACK_TIME_ZONE;
  }
}

/**
 * The day (YYYY-MM-DD) a payment was made, on the account's calendar: its effective date when the
 * ledger gave one, else the day its posting instant falls on in `timeZone` (a zone `monthTimeZone`
 * answered). The rule the feature store's months and monitoring's outcome window both count by.
 */
export function paymentDay(payment: Pick<StoredPayment, 'postedAt' | 'effectiveDate'>, timeZone: string): string {
  return payment.effectiveDate || localDate(payment.postedAt, timeZone);
}

/**
 * What was paid in each calendar month of the account (minor units): a payment counts in the
 * month of its effective date (the day it was made, on the account's calendar: a bank file's
 * payment of 31 January posted on 2 February is January's); without one, in the month its posting
 * instant falls in, in the account's time zone (UTC when that is unknown, see
 * `FALLBACK_TIME_ZONE`). A payment posted on 31 January at 21:00 in Bogotá, 02:00 UTC on
 * 1 February, is January's.
 */
export function paidByMonth(
  payments: readonly StoredPayment[],
  timeZone: string | null | undefined,
): Map<string, number> {
  const zone = monthTimeZone(timeZone);
  const byMonth = new Map<string, number>();
  for (const p of payments) {
    const month = paymentDay(p, zone).slice(0, 7);
    byMonth.set(month, (byMonth.get(month) ?? 0) + p.paidMinor);
  }
  return byMonth;
}

/**
 * Rebuilds the model's view of an account from the feature store, in currency units: the six
 * latest cycles, most recent first, each with the payments made during its statement month
 * (the same convention as the UCI data: a month's payment settles the previous statement). Both
 * months are the account's: statement months come from the statement's calendar date, payment
 * months from `paidByMonth` (the account's time zone).
 * A cycle without a reported status gets one from its payments: -1 when the previous bill
 * was paid in full, 0 when something was paid, 1 when nothing was paid against a positive bill.
 */
export function toAccountHistory(
  creditLimit: number,
  cycles: StoredCycle[],
  paidInMonth: Map<string, number>,
): AccountHistory {
  const latest = [...cycles].sort((a, b) => (a.statementMonth < b.statementMonth ? 1 : -1)).slice(0, 6);
  const statements: MonthlyStatement[] = latest.map((c, i) => {
    const paid = paidInMonth.get(c.statementMonth) ?? 0;
    const previousBill = latest[i + 1]?.bill ?? 0;
    const status = c.reportedStatus ?? (previousBill <= 0 || paid >= previousBill ? -1 : paid > 0 ? 0 : 1);
    return { bill: c.bill, paid, status };
  });
  return { creditLimit, statements };
}
