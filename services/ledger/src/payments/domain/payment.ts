import { AppError, Money, money, subtractMoney } from '@collections/platform';

/** A payment as the ledger accepts it: positive, in the account's currency. */
export interface PaymentInput {
  accountId: string;
  amount: Money;
  idempotencyKey: string;
  reference: string;
}

export function validatePayment(input: {
  accountId?: string;
  amount?: { amountMinor: number; currency: string };
  idempotencyKey?: string;
  reference?: string;
}): PaymentInput {
  if (!input.accountId) throw AppError.invalid('account_id is required');
  if (!input.idempotencyKey) throw AppError.invalid('idempotency_key is required: a retry must not pay twice');
  if (!input.amount) throw AppError.invalid('amount is required');
  const amount = money(input.amount.amountMinor, input.amount.currency);
  if (amount.amountMinor <= 0) throw AppError.invalid('amount must be positive', { amountMinor: amount.amountMinor });
  return { accountId: input.accountId, amount, idempotencyKey: input.idempotencyKey, reference: input.reference ?? '' };
}

/** The balance after a payment; a payment in another currency than the account's is refused. */
export function balanceAfterPayment(balance: Money, payment: Money): Money {
  if (balance.currency !== payment.currency) {
    throw AppError.invalid(
      `payment currency ${payment.currency} differs from the account currency ${balance.currency}`,
    );
  }
  return subtractMoney(balance, payment);
}
