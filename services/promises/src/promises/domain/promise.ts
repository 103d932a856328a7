import { promises } from '@collections/contracts';
import { AppError, Money, isCalendarDate, money } from '@collections/platform';

export interface NewPromise {
  accountId: string;
  amount: Money;
  dueDate: string;
  idempotencyKey: string;
}

/** Checks a promise to pay before anything is stored; `today` is the account's local date. */
export function validatePromise(
  input: {
    accountId?: string;
    amount?: { amountMinor: number; currency: string };
    dueDate?: string;
    idempotencyKey?: string;
  },
  today: string,
): NewPromise {
  if (!input.accountId) throw AppError.invalid('account_id is required');
  if (!input.idempotencyKey) throw AppError.invalid('idempotency_key is required');
  if (!input.amount) throw AppError.invalid('amount is required');
  const amount = money(input.amount.amountMinor, input.amount.currency);
  if (amount.amountMinor <= 0) throw AppError.invalid('a promise must be for a positive amount');
  if (!isCalendarDate(input.dueDate)) {
    throw AppError.invalid('due_date must be a calendar date YYYY-MM-DD');
  }
  if (input.dueDate < today) throw AppError.invalid(`due_date ${input.dueDate} is in the past (today is ${today})`);
  return { accountId: input.accountId, amount, dueDate: input.dueDate, idempotencyKey: input.idempotencyKey };
}

/** How much of a payment goes to a promise, and whether that keeps it. */
export function allocateToPromise(
  promise: { amountMinor: number; paidMinor: number },
  paymentMinor: number,
): { allocatedMinor: number; paidMinor: number; state: promises.PromiseState } {
  const allocatedMinor = Math.min(paymentMinor, Math.max(0, promise.amountMinor - promise.paidMinor));
  const paidMinor = promise.paidMinor + allocatedMinor;
  return {
    allocatedMinor,
    paidMinor,
    state:
      paidMinor >= promise.amountMinor
        ? promises.PromiseState.PROMISE_STATE_KEPT
        : promises.PromiseState.PROMISE_STATE_OPEN,
  };
}
