import { isCurrencyCode, minorUnitDigits } from '@collections/platform';

/** The three file formats reconciliation reads (see services/ledger/docs/reconciliation.md). */
export type StatementFileKind = 'bank_csv' | 'camt053' | 'gateway_csv';

/**
 * One line of a bank statement or gateway file, as the parsers hand it to matching. Money is
 * integer minor units, always positive; the direction says which way it moved.
 */
export interface StatementLine {
  /** 1-based position among the file's entries: part of the posting's idempotency key. */
  entryIndex: number;
  /** CSV: the line number in the file (header = line 1). */
  line?: number;
  /** camt.053: the XML path of the entry. */
  path?: string;
  direction: 'credit' | 'debit';
  amountMinor: number;
  currency: string;
  /** YYYY-MM-DD. */
  valueDate: string;
  /** Remittance information / payment reference as the payer wrote it. */
  reference: string;
  /** The payer's account (IBAN or bank number). PII: stored, never logged. */
  counterpartyAccount: string;
  /** The bank's or gateway's own id of the transaction. */
  bankReference: string;
  /** Why this line can never become a payment (debit, pending, refund...), if so. */
  notPayable?: string;
  /**
   * A return of an earlier credit (camt.053: a booked debit marked as a reversal or carrying
   * return information; a gateway's chargeback), which takes that credit's payment back: what
   * may name the credit (its bank or gateway transaction id, its EndToEndId), the ledger's
   * reversal reason, and the bank's return reason code when it gives one (AM04, MD06, ...).
   */
  returnOf?: StatementReturn;
}

export interface StatementReturn {
  links: string[];
  reason: 'nsf' | 'chargeback';
  code?: string;
}

/** Where and why a file does not validate: a CSV line number or an XML path, and a reason. */
export interface ParseProblem {
  line?: number;
  path?: string;
  reason: string;
}

export type ParseResult = { ok: true; lines: StatementLine[] } | { ok: false; problems: ParseProblem[] };

/** More problems than this say nothing new; the answer stays readable. */
export const MAX_PROBLEMS = 100;

const DECIMAL = /^(\d{1,18})(?:\.(\d{1,18}))?$/;

/**
 * A non-negative decimal string to exact integer minor units of the currency, or why not.
 * Trailing zeros beyond the currency's minor digits are exact and accepted ("10.500" USD);
 * any other extra digit is a sub-cent amount and is refused. Never goes through a float.
 */
export function parseAmount(text: string, currency: string): { minor: number } | { reason: string } {
  if (!/^[A-Z]{3}$/.test(currency) || !isCurrencyCode(currency))
    return { reason: `currency "${currency}" is not an ISO 4217 code` };
  const match = DECIMAL.exec(text);
  if (!match) return { reason: `amount "${text}" is not a decimal like 1234.56 (no sign, no grouping)` };
  const digits = minorUnitDigits(currency);
  const [, whole, fractionRaw = ''] = match;
  const fraction = fractionRaw.length > digits ? fractionRaw.replace(/0+$/, '') : fractionRaw;
  if (fraction.length > digits)
    return { reason: `amount "${text}" has more than ${digits} decimal places, the minor unit of ${currency}` };
  const minor = BigInt(whole + fraction.padEnd(digits, '0'));
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { reason: `amount "${text}" is out of range` };
  return { minor: Number(minor) };
}

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not). */
export function isCalendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}
