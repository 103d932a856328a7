import { promises } from '@collections/contracts';
import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../accounts/account-profiles.repository';
import { AppliedPaymentsRepository } from './applied-payments.repository';
import { pastGrace } from '../plans/domain/schedule';
import { PromisesRepository, singlePromiseBroken } from './promises.repository';

/**
 * Takes a reversed payment off the single promises it counted towards (false when it counted
 * towards none, or was taken off before: a second delivery changes nothing). Each promise's paid
 * amount goes down by what the payment gave it. A promise the payment had kept is no longer kept,
 * as a plan's instalment: PromiseKeptWithdrawn is published (once: a redelivery finds nothing to
 * take off) and it is open again, so the debtor may still keep it, or the daily run breaks it; or,
 * when its due date plus the grace days already passed on the account's calendar, it is broken at
 * once and PromiseBroken is published after the withdrawal (what the daily run would have
 * published, once: the promise is no longer open for the run). A promise that was open or broken
 * keeps its state.
 */
export async function reversePromisePayments(
  ctx: ServiceContext,
  repo: PromisesRepository,
  event: ConsumedEvent<'collections.ledger.v1.PaymentReversed'>,
  { tx, outbox }: HandlerContext,
  graceDays: number,
): Promise<boolean> {
  const { paymentId } = event.payload;
  if (!paymentId) return false;
  const touched = await repo.reversePayment(tx, event.tenantId, paymentId);
  if (touched.length === 0) return false;
  const now = ctx.clock.now();
  const profiles = new AccountProfilesRepository();
  /** The account's today (a payment's promises are all of its account), read once if needed. */
  let today: string | undefined;
  for (const p of touched) {
    const amountMinor = Number(p.amount_minor);
    const paidMinor = Math.max(0, Number(p.paid_minor) - Number(p.reversed_minor));
    let state = p.state;
    if (state === promises.PromiseState.PROMISE_STATE_KEPT && paidMinor < amountMinor) {
      today ??= await profiles.localDate(tx, event.tenantId, p.account_id, now);
      state = pastGrace(p.due_date, graceDays, today)
        ? promises.PromiseState.PROMISE_STATE_BROKEN
        : promises.PromiseState.PROMISE_STATE_OPEN;
    }
    await repo.updatePaid(tx, event.tenantId, p.id, paidMinor, state);
    const currency = p.currency.trim();
    if (p.state === promises.PromiseState.PROMISE_STATE_KEPT && state !== p.state) {
      // Withdraws the PromiseKept first: consumers un-count the kept before a PromiseBroken.
      await outbox.add(tx, {
        type: 'collections.promises.v1.PromiseKeptWithdrawn',
        key: p.account_id,
        tenantId: event.tenantId,
        time: now,
        payload: {
          promiseId: p.id,
          accountId: p.account_id,
          planId: '',
          instalmentSeq: 0,
          paymentId,
          paid: money(paidMinor, currency),
          withdrawnAt: now,
        },
      });
    }
    if (state === promises.PromiseState.PROMISE_STATE_BROKEN && p.state !== state)
      await outbox.add(tx, singlePromiseBroken(event.tenantId, p, paidMinor, now));
  }
  ctx.logger.info(
    { tenantId: event.tenantId, paymentId, promises: touched.length },
    'reversed payment taken off single promises',
  );
  return true;
}

/**
 * A reversed payment that had counted towards nothing (the account had no settlement, plan or open
 * promise to take it): there is nothing to take off. Its record is flagged, and the log says so once
 * (a redelivery finds it flagged, as it finds nothing for a payment this service never saw).
 */
export async function reverseUnallocatedPayment(
  ctx: ServiceContext,
  event: ConsumedEvent<'collections.ledger.v1.PaymentReversed'>,
  { tx }: HandlerContext,
): Promise<void> {
  const { paymentId } = event.payload;
  if (!paymentId || !(await new AppliedPaymentsRepository().reverseUnallocated(tx, event.tenantId, paymentId))) return;
  ctx.logger.info(
    { tenantId: event.tenantId, paymentId },
    'reversed payment had counted towards nothing: nothing to take off',
  );
}
