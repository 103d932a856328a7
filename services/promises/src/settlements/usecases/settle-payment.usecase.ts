import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { money } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { AccountProfilesRepository } from '../../accounts/account-profiles.repository';
import { addDays } from '../../plans/domain/schedule';
import { discountIdempotencyKey } from '../domain/settlement';
import { SettlementLedger } from '../ledger-port';
import { SettlementsRepository, mapSettlement } from '../settlements.repository';

/**
 * Counts a posted payment towards the account's settlement (false when none takes it): the oldest
 * whose due date plus the grace days is not before the payment's day (the account's calendar; the
 * ledger's effective date), open or already lapsed by the daily run (a payment made on the last
 * grace day and posted after the run still counts, and may complete it). Other payments go to the
 * account's plans and promises. When the sum is reached the discount goes to the ledger under a
 * key derived from the settlement id: if this transaction rolls back after the call, or the event
 * comes again, the ledger answers the first entry instead of posting a second one.
 */
export class SettlePaymentUseCase {
  private readonly profiles = new AccountProfilesRepository();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: SettlementsRepository,
    private readonly ledger: SettlementLedger,
    /** Days after its due date a settlement still takes payments (the promises' and plans' rule). */
    private readonly graceDays: number,
  ) {}

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
    if (paid === undefined || paid < Number(settlement.amount_minor)) return true;
    const { entryId } = await this.ledger.postDiscount(event.tenantId, {
      accountId,
      amount: money(Number(settlement.discount_minor), settlement.currency.trim()),
      idempotencyKey: discountIdempotencyKey(settlement.id),
      effectiveDate: paidOn,
      reason: `settlement ${settlement.id}`,
    });
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
   * discount was posted a reversal is left to people: the ledger entry stays and the log says so.
   */
  async reversed(
    event: ConsumedEvent<'collections.ledger.v1.PaymentReversed'>,
    { tx }: HandlerContext,
  ): Promise<boolean> {
    const { outcome, settlementId } = await this.repo.reversePayment(tx, event.tenantId, event.payload.paymentId);
    if (outcome === 'already-paid') {
      this.ctx.logger.warn(
        { tenantId: event.tenantId, settlementId, paymentId: event.payload.paymentId },
        'a payment of a paid settlement was reversed; its discount stays posted and needs a review',
      );
    }
    return outcome !== 'none';
  }
}
