import { orchestratorAgents } from '@collections/contracts';
import { ConsumedEvent, EventHandlers, HandlerContext } from '@collections/messaging';
import { AppError, ErrorCode, Money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../accounts/account-profiles.repository';
import { addDays } from '../plans/domain/schedule';
import { validatePromise } from './domain/promise';
import { makePromise } from './make-promise';
import { PromisesRepository } from './promises.repository';

/** A debtor who names an amount but no date is held to it this many days from their today. */
export const BOT_PROMISE_DAYS = 7;

interface StatedPromise {
  accountId: string;
  amount?: Money;
  date: string;
  idempotencyKey: string;
}

/**
 * Promises stated to the orchestrator's bot (a reply "pago 500 el viernes") or to an agent on a
 * call become promises to pay, once per statement. A statement without an amount promises the
 * balance (asked of the ledger); without a date, BOT_PROMISE_DAYS from the account's today. A
 * statement that cannot be a promise (another currency, a past date), or on an account the ledger
 * settled or closed (the event is valid, the debt is over), is skipped, not retried.
 * Each promise taken goes out as PromiseMade (makePromise).
 */
export function botPromiseHandlers(
  ctx: ServiceContext,
  repo: PromisesRepository,
  balanceOf: (tenantId: string, accountId: string) => Promise<Money>,
): EventHandlers {
  const profiles = new AccountProfilesRepository();

  async function take(event: ConsumedEvent, { tx }: HandlerContext, stated: StatedPromise): Promise<void> {
    if (!stated.accountId) return;
    const profile = await profiles.find(tx, event.tenantId, stated.accountId);
    const today = await profiles.localDate(tx, event.tenantId, stated.accountId, ctx.clock.now());
    const skip = (why: string) =>
      ctx.logger.warn({ eventId: event.id, type: event.type, tenantId: event.tenantId, why }, 'no promise taken');
    if (profile.endedAt) return skip(`account ${stated.accountId} was settled or closed in the ledger`);
    const amount = stated.amount ?? (await balanceOf(event.tenantId, stated.accountId));
    if (profile.currency && amount.currency !== profile.currency)
      return skip(`amount in ${amount.currency}, account in ${profile.currency}`);
    try {
      const promise = validatePromise(
        {
          accountId: stated.accountId,
          amount,
          dueDate: stated.date || addDays(today, BOT_PROMISE_DAYS),
          idempotencyKey: stated.idempotencyKey,
        },
        today,
      );
      await makePromise(ctx, repo, tx, event.tenantId, promise);
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.InvalidArgument) return skip(err.message);
      throw err;
    }
  }

  return {
    'collections.orchestrator.v1.PaymentIntentExpressed': (event, hc) =>
      take(event, hc, {
        accountId: event.payload.accountId,
        amount: event.payload.amount,
        date: event.payload.promisedDate,
        idempotencyKey: `orchestrator:intent:${event.payload.intentId}`,
      }),
    'collections.orchestrator.v1.CallOutcomeRecorded': async (event, hc) => {
      if (event.payload.outcome !== orchestratorAgents.CallOutcome.CALL_OUTCOME_PROMISE) return;
      await take(event, hc, {
        accountId: event.payload.accountId,
        amount: event.payload.promisedAmount,
        date: event.payload.promisedDate,
        idempotencyKey: `orchestrator:call-outcome:${event.payload.outcomeId}`,
      });
    },
  };
}
