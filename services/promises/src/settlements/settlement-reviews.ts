import { EntityManager } from 'typeorm';
import { MetricsRegistry } from '@collections/platform';
import { afterCommit } from '@collections/runtime';

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

export const SETTLEMENT_REVIEWS_METRIC = 'collections_settlement_reviews_total';

/**
 * `collections_settlement_reviews_total{reason}`: settlements that need a person
 * (`SETTLEMENT_REVIEW_REASONS`), counted once the transaction that found it commits (a redelivered
 * event finds it handled and counts nothing; a retried transaction counts once). Each is also a
 * warning in the log, with the tenant, settlement and payment ids that name it.
 *
 * No tenant, account or amount: an operations metric of fixed series, each exported at 0 from the
 * start, so increase() sees the first one and the panels read 0, not "no data".
 */
export class SettlementReviews {
  private readonly counter;

  constructor(metrics: MetricsRegistry) {
    this.counter = metrics.counter({
      name: SETTLEMENT_REVIEWS_METRIC,
      help: 'Settlements that need a person, by reason (payment_reversed_after_discount: its discount stays posted although a payment of it was reversed; discount_refused: the ledger had ended the account and refused the discount its last payment completed)',
      labelNames: ['reason'],
    });
    for (const reason of SETTLEMENT_REVIEW_REASONS) this.counter.inc({ reason }, 0);
  }

  /** Counts one settlement needing a person for `reason`, found in `tx`, when `tx` commits. */
  count(tx: EntityManager, reason: SettlementReviewReason): void {
    afterCommit(tx, () => this.counter.inc({ reason }));
  }
}
