import { requireTextWithin } from '@collections/platform';

/**
 * The most characters the ledger takes in each text field of its commands (by the field's
 * .proto name): room for any real value, where a caller could otherwise store a megabyte in a
 * journal entry, an event and every copy of it downstream. A longer text is refused with
 * INVALID_ARGUMENT naming the field. Ids are only checked where they are created or linked (a
 * look-up by an unknown id is simply not found); the portfolio import takes ids of up to 200.
 */
export const LEDGER_TEXT_LIMITS = {
  idempotency_key: 128,
  reference: 256,
  external_ref: 256,
  account_id: 200,
  debtor_id: 200,
  display_name: 200,
  national_id: 64,
  /** A contact point: a phone number, an email address or a postal address. */
  value: 500,
  time_zone: 64,
  language: 35,
  region: 100,
  source: 200,
  memo: 1_000,
  reason: 1_000,
  ignore_reason: 1_000,
  /** A reconciliation file's name. */
  name: 256,
} as const;

export type LedgerTextField = keyof typeof LEDGER_TEXT_LIMITS;

/** Refuses the first of `fields` longer than its limit (INVALID_ARGUMENT naming `at` + the field). */
export function requireLedgerText(fields: Partial<Record<LedgerTextField, string | undefined>>, at = ''): void {
  requireTextWithin(LEDGER_TEXT_LIMITS, fields, at);
}
