import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { Outbox } from '@collections/messaging';
import { MetricsRegistry, money } from '@collections/platform';
import { afterCommit } from '@collections/runtime';
import { SettlementRow } from './settlements.repository';

/**
 * Why a settlement needs a person:
 * - `payment_reversed_after_discount`: a payment of a paid settlement was reversed (NSF,
 *   chargeback) after its discount was posted to the ledger; the discount stays and someone must
 *   decide whether to chase the reversed amount or take the discount back;
 * - `discount_refused`: the payment that completed a settlement came after the ledger had ended
 *   the account, which refused the discount; the settlement did not take the payment, which went
 *   to the account's plans and promises instead.
 */
export const SETTLEMENT_REVIEW_REASONS = ['payment_reversed_after_discount', 'discount_refused'] as const;
export type SettlementReviewReason = (typeof SETTLEMENT_REVIEW_REASONS)[number];

const REASON_TO_PROTO: Record<SettlementReviewReason, promises.SettlementReviewReason> = {
  payment_reversed_after_discount:
    promises.SettlementReviewReason.SETTLEMENT_REVIEW_REASON_PAYMENT_REVERSED_AFTER_DISCOUNT,
  discount_refused: promises.SettlementReviewReason.SETTLEMENT_REVIEW_REASON_DISCOUNT_REFUSED,
};

export const SETTLEMENT_REVIEWS_METRIC = 'collections_settlement_reviews_total';

/** A settlement found needing a person, in the transaction that found it. */
export interface SettlementReview {
  tenantId: string;
  settlement: SettlementRow;
  /** The payment reversed, or the one the settlement did not take. */
  paymentId: string;
  paymentMinor: number;
  reason: SettlementReviewReason;
  now: Date;
}

/**
 * Settlements that need a person (`SETTLEMENT_REVIEW_REASONS`). Each is announced as
 * SettlementReviewNeeded in the transaction that found it (the orchestrator queues a
 * `review_settlement` task for it), and counted in
 * `collections_settlement_reviews_total{reason}` once that transaction commits (a redelivered
 * event finds it handled and counts nothing; a retried transaction counts once). The caller also
 * logs a warning with the tenant, settlement and payment ids that name it.
 *
 * The counter has no tenant, account or amount: an operations metric of fixed series, each
 * exported at 0 from the start, so increase() sees the first one and the panels read 0, not "no
 * data". Which tenant's settlement it is, the event and its task say.
 */
export class SettlementReviews {
  private readonly counter;

  constructor(
    metrics: MetricsRegistry,
    private readonly outbox: Outbox,
  ) {
    this.counter = metrics.counter({
      name: SETTLEMENT_REVIEWS_METRIC,
      help: 'Settlements that need a person, by reason (payment_reversed_after_discount: its discount stays posted although a payment of it was reversed; discount_refused: the ledger had ended the account and refused the discount its last payment completed)',
      labelNames: ['reason'],
    });
    for (const reason of SETTLEMENT_REVIEW_REASONS) this.counter.inc({ reason }, 0);
  }

  /** Announces `review` in `tx` (SettlementReviewNeeded) and counts it when `tx` commits. */
  async needed(tx: EntityManager, review: SettlementReview): Promise<void> {
    const { settlement, tenantId, reason, now } = review;
    const currency = settlement.currency.trim();
    await this.outbox.add(tx, {
      type: 'collections.promises.v1.SettlementReviewNeeded',
      key: settlement.account_id,
      tenantId,
      time: now,
      payload: {
        settlementId: settlement.id,
        accountId: settlement.account_id,
        paymentId: review.paymentId,
        reason: REASON_TO_PROTO[reason],
        discount: money(Number(settlement.discount_minor), currency),
        payment: money(review.paymentMinor, currency),
        occurredAt: now,
      },
    });
    afterCommit(tx, () => this.counter.inc({ reason }));
  }
}
