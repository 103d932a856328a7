import { promises } from '@collections/contracts';
import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../accounts/account-profiles.repository';
import { pastGrace } from '../plans/domain/schedule';
import { AppliedPaymentsRepository } from './applied-payments.repository';
import { allocateToPromise } from './domain/promise';
import { PromisesRepository } from './promises.repository';

/**
 * Allocates a posted payment to the account's open promises, earliest due first. A promise whose
 * due date plus the grace days passed before the payment's day (the account's calendar) was
 * broken by then, even if the daily run has not said so yet: a late payment does not keep it.
 * What the payment counted towards each promise is recorded (`promise_payment`), so a replay of
 * it under a new event id is recognised and a reversal takes exactly that off; a payment that
 * counted towards none is recorded too (`unallocated_payment`), so its replay counts towards none
 * either, even towards a promise made since.
 */
export async function allocatePayment(
  ctx: ServiceContext,
  repo: PromisesRepository,
  event: ConsumedEvent<'collections.ledger.v1.PaymentPosted'>,
  { tx, outbox }: HandlerContext,
  graceDays: number,
): Promise<void> {
  const amount = event.payload.amount;
  if (!amount) return;
  let left = amount.amountMinor;
  const open = await repo.openForAccount(tx, event.tenantId, event.payload.accountId, amount.currency);
  const paidOn = await new AccountProfilesRepository().paymentDay(tx, event.tenantId, event.payload, ctx.clock.now());
  for (const p of open) {
    if (left <= 0) break;
    if (pastGrace(p.due_date, graceDays, paidOn)) continue; // broken already: the daily run announces it
    const result = allocateToPromise({ amountMinor: Number(p.amount_minor), paidMinor: Number(p.paid_minor) }, left);
    if (result.allocatedMinor <= 0) continue;
    // Recorded before: the payment was counted (`alreadyApplied` looks first), it counts nowhere again.
    if (!(await repo.recordPayment(tx, event.tenantId, event.payload.paymentId, p.id, result.allocatedMinor))) return;
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
  // Counted towards nothing (no open promise it could keep): recorded as such, so that a replay of
  // it under a new event id, once a promise is made, is known as paid before the promise.
  if (left === amount.amountMinor && left > 0 && event.payload.paymentId)
    await new AppliedPaymentsRepository().recordUnallocated(tx, event.tenantId, {
      paymentId: event.payload.paymentId,
      accountId: event.payload.accountId,
      amountMinor: left,
      currency: amount.currency,
      paidOn,
    });
}
