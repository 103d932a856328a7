import { EntityManager } from 'typeorm';
import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../../accounts/account-profiles.repository';
import { addDays } from '../../plans/domain/schedule';
import { discountIdempotencyKey } from '../domain/settlement';
import { SettlementLedger, discountRefused } from '../ledger-port';
import { SettlementReviews } from '../settlement-reviews';
import { SettlementRow, SettlementsRepository, mapSettlement } from '../settlements.repository';

/**
 * Counts a posted payment towards the account's settlement (false when none takes it): the oldest
 * whose due date plus the grace days is not before the payment's day (the account's calendar; the
 * ledger's effective date), open or already lapsed by the daily run (a payment made on the last
 * grace day and posted after the run still counts, and may complete it). Other payments go to the
 * account's plans and promises. When the sum is reached the discount goes to the ledger under a
 * key derived from the settlement id: if this transaction rolls back after the call, or the event
 * comes again, the ledger answers the first entry instead of posting a second one.
 *
 * Every payment the settlement counts is announced as SettlementPaymentApplied, in the transaction
 * that counts it (once: a payment counted before is not counted, nor announced, again), the
 * completing one too, followed by SettlementPaid; a reversal that takes a payment off an open or
 * lapsed settlement is announced the same way with a negative amount.
 *
 * Once the ledger settled or closed the account no settlement takes a payment (`lockTaking`), so
 * none posts a discount then. A payment read before promises heard of the account's end may still
 * complete one: when the ledger refuses that discount (it closed the account after posting the
 * payment), the settlement does not take the payment either, which goes on as any other instead
 * of failing until dead-lettered.
 */
export class SettlePaymentUseCase {
  private readonly profiles = new AccountProfilesRepository();
  private readonly reviews: SettlementReviews;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: SettlementsRepository,
    private readonly ledger: SettlementLedger,
    /** Days after its due date a settlement still takes payments (the promises' and plans' rule). */
    private readonly graceDays: number,
  ) {
    this.reviews = new SettlementReviews(ctx.metrics, ctx.backbone.outbox);
  }

  async posted(event: ConsumedEvent<'collections.ledger.v1.PaymentPosted'>, { tx }: HandlerContext): Promise<boolean> {
    const { amount, accountId, paymentId, postedAt } = event.payload;
    if (!amount || amount.amountMinor <= 0 || !paymentId) return false;
    const paidOn = await this.profiles.paymentDay(tx, event.tenantId, event.payload, this.ctx.clock.now());
    const settlement = await this.repo.lockTaking(
      tx,
      event.tenantId,
      accountId,
      amount.currency,
      addDays(paidOn, -this.graceDays),
    );
    if (!settlement) return false;
    const paid = await this.repo.addPayment(tx, event.tenantId, settlement.id, paymentId, amount.amountMinor);
    if (paid === undefined) return true;
    if (paid < Number(settlement.amount_minor)) {
      await this.announceApplied(tx, event.tenantId, settlement, paymentId, amount.amountMinor, paid);
      return true;
    }
    const discount = await this.ledger
      .postDiscount(event.tenantId, {
        accountId,
        amount: money(Number(settlement.discount_minor), settlement.currency.trim()),
        idempotencyKey: discountIdempotencyKey(settlement.id),
        effectiveDate: paidOn,
        reason: `settlement ${settlement.id}`,
      })
      .catch((err: unknown) => {
        if (discountRefused(err)) return undefined;
        throw err;
      });
    if (!discount) {
      await this.repo.uncountPayment(tx, event.tenantId, settlement.id, paymentId, amount.amountMinor);
      await this.reviews.needed(tx, {
        tenantId: event.tenantId,
        settlement,
        paymentId,
        paymentMinor: amount.amountMinor,
        reason: 'discount_refused',
        now: this.ctx.clock.now(),
      });
      this.ctx.logger.warn(
        { tenantId: event.tenantId, settlementId: settlement.id, paymentId },
        'the ledger refused the discount a payment completed (the account ended there): the settlement does not take it',
      );
      return false;
    }
    const { entryId } = discount;
    await this.announceApplied(tx, event.tenantId, settlement, paymentId, amount.amountMinor, paid);
    const row = await this.repo.markPaid(tx, event.tenantId, settlement.id, entryId);
    const view = mapSettlement(row);
    const now = this.ctx.clock.now();
    await this.ctx.backbone.outbox.add(tx, {
      type: 'collections.promises.v1.SettlementPaid',
      key: accountId,
      tenantId: event.tenantId,
      time: now,
      payload: {
        settlementId: view.settlementId,
        accountId,
        paid: view.paid,
        discount: view.discount,
        discountEntryId: entryId,
        paidOn,
        paidAt: postedAt ?? now,
      },
    });
    return true;
  }

  /**
   * Takes a reversed payment off its settlement (false when it was not a settlement's). After the
   * discount was posted a reversal is left to people: the ledger entry stays, SettlementReviewNeeded
   * asks for a person and the log says so, once (the reversal is recorded; a redelivery finds it so
   * and says nothing).
   */
  async reversed(
    event: ConsumedEvent<'collections.ledger.v1.PaymentReversed'>,
    { tx }: HandlerContext,
  ): Promise<boolean> {
    const { outcome, settlementId, reversedMinor, row } = await this.repo.reversePayment(
      tx,
      event.tenantId,
      event.payload.paymentId,
    );
    if (outcome === 'reopened' && row) {
      await this.announceApplied(
        tx,
        event.tenantId,
        row,
        event.payload.paymentId,
        -(reversedMinor ?? 0),
        Number(row.paid_minor),
      );
    }
    if (outcome === 'already-paid' && row) {
      await this.reviews.needed(tx, {
        tenantId: event.tenantId,
        settlement: row,
        paymentId: event.payload.paymentId,
        paymentMinor: reversedMinor ?? 0,
        reason: 'payment_reversed_after_discount',
        now: this.ctx.clock.now(),
      });
      this.ctx.logger.warn(
        { tenantId: event.tenantId, settlementId, paymentId: event.payload.paymentId },
        'a payment of a paid settlement was reversed; its discount stays posted and needs a review',
      );
    }
    return outcome !== 'none';
  }

  /** SettlementPaymentApplied: `appliedMinor` (negative for a reversal) took the paid total to `paidMinor`. */
  private async announceApplied(
    tx: EntityManager,
    tenantId: string,
    settlement: SettlementRow,
    paymentId: string,
    appliedMinor: number,
    paidMinor: number,
  ): Promise<void> {
    const currency = settlement.currency.trim();
    const now = this.ctx.clock.now();
    await this.ctx.backbone.outbox.add(tx, {
      type: 'collections.promises.v1.SettlementPaymentApplied',
      key: settlement.account_id,
      tenantId,
      time: now,
      payload: {
        settlementId: settlement.id,
        accountId: settlement.account_id,
        paymentId,
        applied: money(appliedMinor, currency),
        paid: money(paidMinor, currency),
        remaining: money(Math.max(0, Number(settlement.amount_minor) - paidMinor), currency),
        appliedAt: now,
      },
    });
  }
}
