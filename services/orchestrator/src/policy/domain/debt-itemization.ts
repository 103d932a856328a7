/**
 * The itemization a debt collector's validation notice prints (US Regulation F §1006.34(c)(2)(vi)-(ix)):
 * the itemization date, the amount of the debt then, the interest, fees, payments and credits since
 * (each may be zero), and the amount now — from what the ledger answered for the account, checked
 * before anything is printed: amount then + interest + fees − payments − credits = amount now.
 * Amounts are integer minor units of one currency.
 */

/**
 * Which of the account's dates the itemization date is (§1006.34(b)(3)): the last statement date,
 * the charge-off date, the last payment date, or the transaction date (the account's opening). No
 * judgment date: the ledger records none.
 */
export const ITEMIZATION_REFERENCES = ['last-statement', 'charge-off', 'last-payment', 'transaction'] as const;
export type ItemizationReference = (typeof ITEMIZATION_REFERENCES)[number];

/** A tenant that chose none: the last statement date (then the transaction date, as every choice). */
export const DEFAULT_ITEMIZATION_REFERENCE: ItemizationReference = 'last-statement';

/**
 * The dates a notice's itemization is asked from, in order of preference, for the tenant's choice:
 * the chosen one, then the last statement date, then the transaction date (every account has one).
 */
export function itemizationFallbacks(chosen: ItemizationReference): ItemizationReference[] {
  return [...new Set<ItemizationReference>([chosen, 'last-statement', 'transaction'])];
}

/** A journal entry's kind as the ledger names it (`EntryKind`). */
export type LedgerEntryKind =
  'charge' | 'interest' | 'fee' | 'payment' | 'payment-reversal' | 'adjustment' | 'settlement-discount' | 'write-off';

/**
 * One journal entry as the ledger answers it: `amountMinor` is positive, except an adjustment's,
 * whose sign says which way it moved the debt (positive: more owed).
 */
export interface LedgerEntry {
  readonly kind: LedgerEntryKind;
  readonly amountMinor: number;
  readonly currency: string;
  /** `YYYY-MM-DD`, the account's time zone. */
  readonly effectiveDate: string;
}

/** The ledger's answer for the account (GetAccountActivity): the debt then, the entries since, the debt now. */
export interface LedgerActivity {
  readonly itemizationDate: string;
  readonly reference: ItemizationReference;
  readonly currency: string;
  /** The total balance at the end of the itemization date. */
  readonly openingMinor: number;
  /** The ledger's today in the account's time zone, and the total balance then. */
  readonly asOfDate: string;
  readonly closingMinor: number;
  readonly entries: readonly LedgerEntry[];
}

export interface DebtItemization {
  readonly itemizationDate: string;
  readonly reference: ItemizationReference;
  readonly currency: string;
  readonly amountOnItemizationDateMinor: number;
  /** Interest and fees charged since the itemization date. */
  readonly interestMinor: number;
  readonly feesMinor: number;
  /** Payments since, less the payments reversed since (a reversed payment was not paid). */
  readonly paymentsMinor: number;
  /** Credit adjustments, settlement discounts and write-offs since, less debit adjustments since. */
  readonly creditsMinor: number;
  readonly currentAmountMinor: number;
}

/** Why no notice can print the account's figures: what an operator looks at, with no PII. */
export interface ItemizationRefusal {
  readonly refused: 'itemization-unreconciled';
  readonly detail: string;
}

/**
 * The itemization of the ledger's activity, or why it cannot be printed: an entry in another
 * currency or outside the period; principal charged since the itemization date (new purchases are
 * none of interest, fees, payments or credits, so the four lines cannot explain the debt now — a
 * later itemization date can); payments or credits that net below zero since; figures that do not
 * add up to the amount now; or nothing owed now.
 */
export function itemizeDebt(activity: LedgerActivity): DebtItemization | ItemizationRefusal {
  const refuse = (detail: string): ItemizationRefusal => ({ refused: 'itemization-unreconciled', detail });
  let interest = 0;
  let fees = 0;
  let payments = 0;
  let credits = 0;
  let charges = 0;
  for (const e of activity.entries) {
    if (e.currency !== activity.currency)
      return refuse(`an entry is in ${e.currency}, the account in ${activity.currency}`);
    if (!(e.effectiveDate > activity.itemizationDate && e.effectiveDate <= activity.asOfDate))
      return refuse(
        `an entry effective ${e.effectiveDate} is outside ${activity.itemizationDate} (excluded) to ${activity.asOfDate}`,
      );
    switch (e.kind) {
      case 'charge':
        charges += e.amountMinor;
        break;
      case 'interest':
        interest += e.amountMinor;
        break;
      case 'fee':
        fees += e.amountMinor;
        break;
      case 'payment':
        payments += e.amountMinor;
        break;
      case 'payment-reversal':
        payments -= e.amountMinor;
        break;
      case 'adjustment':
        credits -= e.amountMinor;
        break;
      case 'settlement-discount':
      case 'write-off':
        credits += e.amountMinor;
        break;
    }
  }
  const itemization: DebtItemization = {
    itemizationDate: activity.itemizationDate,
    reference: activity.reference,
    currency: activity.currency,
    amountOnItemizationDateMinor: activity.openingMinor,
    interestMinor: interest,
    feesMinor: fees,
    paymentsMinor: payments,
    creditsMinor: credits,
    currentAmountMinor: activity.closingMinor,
  };
  if (charges !== 0)
    return refuse(
      `${charges} minor units of principal were charged after the itemization date ${activity.itemizationDate} ` +
        '(none of interest, fees, payments or credits)',
    );
  if (payments < 0) return refuse(`payments since ${activity.itemizationDate} net ${payments} (reversals exceed them)`);
  if (credits < 0)
    return refuse(`credits since ${activity.itemizationDate} net ${credits} (debit adjustments exceed them)`);
  const difference = itemizationDifference(itemization);
  if (difference !== 0)
    return refuse(
      `amount on ${activity.itemizationDate} + interest + fees − payments − credits is ` +
        `${activity.closingMinor + difference}, the ledger's balance on ${activity.asOfDate} is ${activity.closingMinor}`,
    );
  if (activity.closingMinor <= 0) return refuse(`nothing is owed on ${activity.asOfDate}`);
  return itemization;
}

/**
 * amount then + interest + fees − payments − credits − amount now: zero when the itemization
 * explains the debt now to the minor unit.
 */
export function itemizationDifference(i: DebtItemization): number {
  return (
    i.amountOnItemizationDateMinor +
    i.interestMinor +
    i.feesMinor -
    i.paymentsMinor -
    i.creditsMinor -
    i.currentAmountMinor
  );
}

export const isItemizationRefusal = (r: DebtItemization | ItemizationRefusal): r is ItemizationRefusal =>
  'refused' in r;
