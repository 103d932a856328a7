import { EventType, ledger } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import { money } from '@collections/platform';
import { Transition } from '../domain/lifecycle';
import { AccountRow } from '../ledger.repository';

/**
 * The event announcing a lifecycle move caused by a posting (written in the posting's outbox
 * statement). Its reason stays empty: the caller's free text is the entry's memo (erasable), never
 * on Kafka.
 */
export function lifecycleEvent(
  tenantId: string,
  account: AccountRow,
  transition: Transition,
  now: Date,
  cause: {
    entryId: string;
    amountMinor: number;
    balance: ledger.BalanceView;
    effectiveDate: string;
    /** The status before this move (the account row's is the one before the batch). */
    previousStatus: number;
    /** The payment a reversal reversed. */
    reversedPaymentId?: string;
  },
): NewEvent<EventType> {
  const currency = account.currency.trim();
  const base = { key: account.id, tenantId, time: now };
  const { effectiveDate, previousStatus } = cause;
  if (transition.event === 'reopened') {
    return {
      ...base,
      type: 'collections.ledger.v1.AccountReopened',
      payload: {
        accountId: account.id,
        entryId: cause.entryId,
        paymentId: cause.reversedPaymentId ?? '',
        previousStatus,
        status: transition.status as number,
        balanceAfter: cause.balance.total,
        effectiveDate,
      },
    };
  }
  if (transition.event === 'charged_off') {
    return {
      ...base,
      type: 'collections.ledger.v1.AccountChargedOff',
      payload: {
        accountId: account.id,
        entryId: cause.entryId,
        amount: money(cause.amountMinor, currency),
        balanceAfter: cause.balance.total,
        previousStatus,
        effectiveDate,
        reason: '',
      },
    };
  }
  return {
    ...base,
    type: 'collections.ledger.v1.AccountSettled',
    payload: {
      accountId: account.id,
      entryId: cause.entryId,
      discount: money(cause.amountMinor, currency),
      previousStatus,
      effectiveDate,
      reason: '',
    },
  };
}
