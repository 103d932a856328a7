import { EntityManager } from 'typeorm';
import { AppError, isCalendarDate, localDate } from '@collections/platform';

/** Accounts whose opening the ledger announced before anything else is known: UTC, any currency. */
export const DEFAULT_TIME_ZONE = 'UTC';

export interface AccountProfile {
  timeZone: string;
  currency?: string;
  /** When the ledger settled or closed the account (`markEnded`); such an account takes no new commitment. */
  endedAt?: Date;
}

/**
 * Refuses a new promise, plan or settlement on an account the ledger settled or closed: it owes
 * nothing more, so the commitment could never be kept (and a settlement takes no payment there).
 * Ids only in the message.
 */
export function refuseEnded(profile: AccountProfile, accountId: string): void {
  if (profile.endedAt)
    throw AppError.failedPrecondition(
      `account ${accountId} was settled or closed in the ledger: it takes no new promise/plan/settlement`,
      { accountId },
    );
}

/** The ledger's account facts promises need: each account's time zone (its "today") and currency. */
export class AccountProfilesRepository {
  async upsert(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    timeZone: string,
    currency: string,
  ): Promise<void> {
    await tx.query(
      `INSERT INTO promise_account_profile (tenant_id, account_id, time_zone, currency) VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, currency = EXCLUDED.currency`,
      [tenantId, accountId, timeZone, currency],
    );
  }

  /**
   * Remembers that the ledger settled or closed the account (the first time it said so), so that no
   * settlement of it takes a payment read after that (`SettlementsRepository.lockTaking`). An
   * account promises never heard open gets a row in UTC with no currency, as `find` answers for it
   * anyway; its AccountOpened, if it comes later, fills both in and keeps `ended_at`.
   */
  async markEnded(tx: EntityManager, tenantId: string, accountId: string, endedAt: Date): Promise<void> {
    await tx.query(
      `INSERT INTO promise_account_profile (tenant_id, account_id, time_zone, currency, ended_at)
       VALUES ($1, $2, $3, '', $4)
       ON CONFLICT (tenant_id, account_id) DO UPDATE
         SET ended_at = coalesce(promise_account_profile.ended_at, EXCLUDED.ended_at)`,
      [tenantId, accountId, DEFAULT_TIME_ZONE, endedAt],
    );
  }

  /**
   * Forgets the account's end: the ledger reopened it (a reversed payment left it owing), so it
   * takes new promises, plans and settlements again. Whether it had ended: false when promises
   * never heard it end (nothing to forget).
   */
  async markReopened(tx: EntityManager, tenantId: string, accountId: string): Promise<boolean> {
    const rows = (await tx.query(
      `UPDATE promise_account_profile SET ended_at = NULL
        WHERE tenant_id = $1 AND account_id = $2 AND ended_at IS NOT NULL RETURNING 1`,
      [tenantId, accountId],
    )) as unknown[];
    return rows.length > 0;
  }

  async find(m: EntityManager, tenantId: string, accountId: string, lock = false): Promise<AccountProfile> {
    const [row] = (await m.query(
      `SELECT time_zone, currency, ended_at FROM promise_account_profile WHERE tenant_id = $1 AND account_id = $2
       ${lock ? 'FOR SHARE' : ''}`,
      [tenantId, accountId],
    )) as { time_zone: string; currency: string; ended_at: Date | null }[];
    if (!row) return { timeZone: DEFAULT_TIME_ZONE };
    return { timeZone: row.time_zone, currency: row.currency.trim(), ...(row.ended_at && { endedAt: row.ended_at }) };
  }

  /**
   * The check every new promise, plan and settlement passes inside the transaction that creates
   * it (after its insert, so a retry of one made before the account ended still answers it):
   * FAILED_PRECONDITION once the ledger ended the account. The profile row is read FOR SHARE, so
   * an account's ending (`markEnded` updates that row first) waits for this transaction and then
   * finds, and ends, what it created; or this one waits for the ending and refuses. An account no
   * AccountOpened has reached yet gets its row here (UTC, no currency, as `markEnded` writes it), so
   * that its ending waits just the same rather than missing what this transaction has not committed.
   */
  async refuseIfEnded(tx: EntityManager, tenantId: string, accountId: string): Promise<void> {
    await tx.query(
      `INSERT INTO promise_account_profile (tenant_id, account_id, time_zone, currency) VALUES ($1, $2, $3, '')
       ON CONFLICT (tenant_id, account_id) DO NOTHING`,
      [tenantId, accountId, DEFAULT_TIME_ZONE],
    );
    refuseEnded(await this.find(tx, tenantId, accountId, true), accountId);
  }

  /** The account's calendar date at `instant` (UTC when the ledger never told us its time zone). */
  async localDate(m: EntityManager, tenantId: string, accountId: string, instant: Date): Promise<string> {
    return safeLocalDate(instant, (await this.find(m, tenantId, accountId)).timeZone);
  }

  /** The day a posted payment counts from on the account's calendar (`paymentDay`). */
  async paymentDay(m: EntityManager, tenantId: string, payment: PostedPayment, now: Date): Promise<string> {
    if (isCalendarDate(payment.effectiveDate)) return payment.effectiveDate; // no look-up
    return this.localDate(m, tenantId, payment.accountId, payment.postedAt ?? now);
  }
}

/** What of a PaymentPosted says when the payment was made. */
export interface PostedPayment {
  accountId: string;
  effectiveDate?: string;
  postedAt?: Date;
}

/**
 * The day a posted payment counts from: the ledger's effective date (a bank file's payment can be
 * posted days after it was made), else, from a ledger before that field, the day it was posted (or
 * `now`) on the account's calendar.
 */
export function paymentDay(payment: PostedPayment, timeZone: string, now: Date): string {
  return isCalendarDate(payment.effectiveDate)
    ? payment.effectiveDate
    : safeLocalDate(payment.postedAt ?? now, timeZone);
}

/** localDate, falling back to UTC for a time zone this runtime does not know. */
export function safeLocalDate(instant: Date, timeZone: string): string {
  // UTC needs no time-zone database (the common case, and per payment).
  if (timeZone === DEFAULT_TIME_ZONE) {
    const date = utcDate(instant);
    if (date !== undefined) return date;
  }
  try {
    return localDate(instant, timeZone);
  } catch {
    return localDate(instant, DEFAULT_TIME_ZONE);
  }
}

const DAY_MS = 86_400_000;
/** The UTC day (days since the epoch) last formatted, and its date: a batch's payments share a few. */
let lastUtcDay = Number.NaN;
let lastUtcDate = '';

/** The ISO form's date, remembered for the last day asked about; undefined outside years 1-9999. */
function utcDate(instant: Date): string | undefined {
  const day = Math.floor(instant.getTime() / DAY_MS);
  if (day === lastUtcDay) return lastUtcDate;
  const year = instant.getUTCFullYear();
  if (!(year >= 1 && year <= 9999)) return undefined;
  lastUtcDate = instant.toISOString().slice(0, 10);
  lastUtcDay = day;
  return lastUtcDate;
}
