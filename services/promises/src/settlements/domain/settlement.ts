import { promises } from '@collections/contracts';
import { AppError, Money, isCalendarDate, money } from '@collections/platform';

export interface NewSettlement {
  accountId: string;
  balance: Money;
  amount: Money;
  discount: Money;
  dueDate: string;
  channel: promises.PlanChannel;
  takenBy: promises.TakenBy;
  agentId: string;
  idempotencyKey: string;
}

/** Checks the request's own fields before the ledger is asked anything. */
export function checkSettlementRequest(input: promises.CreateSettlementRequest, today: string): Money {
  if (!input.accountId) throw AppError.invalid('account_id is required');
  if (!input.idempotencyKey) throw AppError.invalid('idempotency_key is required');
  if (!input.amount) throw AppError.invalid('amount is required');
  const amount = money(input.amount.amountMinor, input.amount.currency);
  if (amount.amountMinor <= 0) throw AppError.invalid('a settlement must be for a positive amount');
  if (!isCalendarDate(input.dueDate)) {
    throw AppError.invalid('due_date must be a calendar date YYYY-MM-DD');
  }
  if (input.dueDate < today) throw AppError.invalid(`due_date ${input.dueDate} is in the past (today is ${today})`);
  if (input.takenBy === promises.TakenBy.TAKEN_BY_UNSPECIFIED) throw AppError.invalid('taken_by is required');
  if (!(input.channel > 0) || !promises.PlanChannel[input.channel])
    throw AppError.invalid('channel must be a PlanChannel');
  if (input.takenBy === promises.TakenBy.TAKEN_BY_AGENT && !input.agentId) {
    throw AppError.invalid('agent_id is required when an agent took the settlement');
  }
  return amount;
}

/** A settlement is a lump sum strictly below what the account owes, in its currency. */
export function validateSettlement(
  input: promises.CreateSettlementRequest,
  balance: Money,
  today: string,
): NewSettlement {
  const amount = checkSettlementRequest(input, today);
  if (balance.currency !== amount.currency) {
    throw AppError.invalid(`the account is in ${balance.currency}, the settlement in ${amount.currency}`);
  }
  if (amount.amountMinor >= balance.amountMinor) {
    throw AppError.invalid(
      `a settlement must be below the balance (${balance.amountMinor} ${balance.currency}), got ${amount.amountMinor}`,
    );
  }
  return {
    accountId: input.accountId,
    balance,
    amount,
    discount: money(balance.amountMinor - amount.amountMinor, amount.currency),
    dueDate: input.dueDate,
    channel: input.channel,
    takenBy: input.takenBy,
    agentId: input.agentId,
    idempotencyKey: input.idempotencyKey,
  };
}

/** The ledger idempotency key of a settlement's discount: one per settlement, whoever posts it. */
export const discountIdempotencyKey = (settlementId: string) => `settlement-discount-${settlementId}`;
