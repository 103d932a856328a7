import { promises } from '@collections/contracts';
import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { allocateToPromise } from './domain/promise';
import { PromisesRepository } from './promises.repository';

/** Allocates a posted payment to the account's open promises, earliest due first. */
export async function allocatePayment(
  ctx: ServiceContext,
  repo: PromisesRepository,
  event: ConsumedEvent<'collections.ledger.v1.PaymentPosted'>,
  { tx, outbox }: HandlerContext,
): Promise<void> {
  const amount = event.payload.amount;
  if (!amount) return;
  let left = amount.amountMinor;
  for (const p of await repo.openForAccount(tx, event.tenantId, event.payload.accountId, amount.currency)) {
    if (left <= 0) break;
    const result = allocateToPromise({ amountMinor: Number(p.amount_minor), paidMinor: Number(p.paid_minor) }, left);
    left -= result.allocatedMinor;
    await repo.updatePaid(tx, event.tenantId, p.id, result.paidMinor, result.state);
    if (result.state === promises.PromiseState.PROMISE_STATE_KEPT) {
      await outbox.add(tx, {
        type: 'collections.promises.v1.PromiseKept',
        key: p.account_id,
        tenantId: event.tenantId,
        time: ctx.clock.now(),
        payload: {
          promiseId: p.id,
          accountId: p.account_id,
          amount: { amountMinor: Number(p.amount_minor), currency: p.currency.trim() },
          keptAt: ctx.clock.now(),
          planId: '',
          instalmentSeq: 0,
        },
      });
    }
  }
}
