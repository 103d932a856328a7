import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { AppError, Clock, isCalendarDate, money } from '@collections/platform';
import { Components, total } from './domain/journal';
import { AgingBucket, DEFAULT_AGING_BUCKETS, agingBucket, delinquencyAsOf } from './domain/delinquency';
import { AccountRow, BalanceInputs, EntryRow, LedgerRepository, StatusChangeRow } from './ledger.repository';

/** A journal entry as the API answers it (history, export, activity), with the memo the caller may see. */
export function journalEntryView(
  e: Pick<EntryRow, 'id' | 'kind' | 'amount_minor' | 'currency' | 'effective_date' | 'posted_at' | 'reverses_entry_id'>,
  memo: string,
): ledger.JournalEntryView {
  return {
    entryId: e.id,
    kind: e.kind,
    amount: money(Number(e.amount_minor), e.currency.trim()),
    effectiveDate: e.effective_date,
    postedAt: e.posted_at,
    reversesEntryId: e.reverses_entry_id ?? '',
    memo,
  };
}

/** A kept status move as the API answers it (ListAccountStatusChanges, ExportDebtor). */
export function accountStatusChangeView(c: StatusChangeRow): ledger.AccountStatusChange {
  return {
    accountId: c.account_id,
    fromStatus: c.from_status,
    toStatus: c.to_status,
    changedAt: c.changed_at,
    changedBy: c.changed_by,
    reason: c.reason,
    entryId: c.entry_id ?? '',
  };
}

export function validDate(date: string, field: string): string {
  if (!isCalendarDate(date)) {
    throw AppError.invalid(`${field} must be a calendar date YYYY-MM-DD`, { [field]: date });
  }
  return date;
}

export function mapBalanceView(
  account: AccountRow,
  asOf: string,
  c: Components,
  d: { daysPastDue: number; pastDue: number },
  agingBuckets: readonly AgingBucket[] = DEFAULT_AGING_BUCKETS,
): ledger.BalanceView {
  const currency = account.currency.trim();
  return {
    accountId: account.id,
    asOfDate: asOf,
    principal: money(c.principal, currency),
    interest: money(c.interest, currency),
    fees: money(c.fees, currency),
    total: money(total(c), currency),
    pastDue: money(d.pastDue, currency),
    daysPastDue: d.daysPastDue,
    agingBucket: agingBucket(d.daysPastDue, agingBuckets),
  };
}

/** Balance and delinquency of an account as of a date (default: today in the account's zone). */
export async function balanceAsOf(
  tx: EntityManager,
  repo: LedgerRepository,
  clock: Clock,
  tenantId: string,
  accountId: string,
  asOfDate?: string,
): Promise<ledger.BalanceView> {
  const asOf = asOfDate ? validDate(asOfDate, 'as_of_date') : null;
  const [inputs] = await repo.balanceInputs(tx, [{ tenantId, accountId, asOfDate: asOf }], clock.now());
  return balanceViewOf(accountId, inputs);
}

/** The balance view of the inputs read for an account; none: the account does not exist. */
export function balanceViewOf(accountId: string, inputs: BalanceInputs | undefined): ledger.BalanceView {
  if (!inputs) throw AppError.notFound(`account ${accountId} does not exist`);
  const { account, asOf, components, dues, credits, agingBuckets } = inputs;
  return mapBalanceView(account, asOf, components, delinquencyAsOf(dues, credits, asOf), agingBuckets);
}
