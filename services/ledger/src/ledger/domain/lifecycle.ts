import { AppError } from '@collections/platform';
import { EntryKind } from './journal';

/** Account statuses, numbered as `collections.ledger.v1.AccountStatus` (stored in account.status). */
export enum AccountStatus {
  Current = 1,
  Delinquent = 2,
  ChargedOff = 3,
  Settled = 4,
  Closed = 5,
}

export type LifecycleEvent = 'charged_off' | 'settled' | 'reopened';

export interface Transition {
  status: AccountStatus;
  event: LifecycleEvent;
}

/**
 * The lifecycle move a posting causes, if any: a write-off charges the account off; a
 * settlement discount that brings the balance to exactly zero settles it; a payment reversal
 * that leaves a settled or closed account owing reopens it (the bounced payment is owed again,
 * and collected again): charged off again if it ever was, otherwise current or delinquent by its
 * days past due. A closed account takes no other move, and a move to the status the account
 * already has announces nothing.
 */
export function transitionAfterPosting(
  status: AccountStatus,
  kind: EntryKind,
  totalAfter: number,
  after: { daysPastDue: number; chargedOff: boolean } = { daysPastDue: 0, chargedOff: false },
): Transition | undefined {
  if (
    kind === EntryKind.PaymentReversal &&
    totalAfter > 0 &&
    (status === AccountStatus.Settled || status === AccountStatus.Closed)
  ) {
    const reopened = after.chargedOff
      ? AccountStatus.ChargedOff
      : after.daysPastDue > 0
        ? AccountStatus.Delinquent
        : AccountStatus.Current;
    return { status: reopened, event: 'reopened' };
  }
  if (status === AccountStatus.Closed) return undefined;
  if (kind === EntryKind.WriteOff && status !== AccountStatus.ChargedOff && status !== AccountStatus.Settled)
    return { status: AccountStatus.ChargedOff, event: 'charged_off' };
  if (kind === EntryKind.SettlementDiscount && totalAfter === 0 && status !== AccountStatus.Settled)
    return { status: AccountStatus.Settled, event: 'settled' };
  return undefined;
}

/** Whether closing applies (false: already closed); a non-zero balance cannot be closed. */
export function mayClose(status: AccountStatus, total: number): boolean {
  if (status === AccountStatus.Closed) return false;
  if (total !== 0) {
    throw AppError.failedPrecondition(
      `the account balance is ${total} minor units: only an account with a zero balance can be closed`,
      { balanceMinor: total },
    );
  }
  return true;
}
