import { promises } from '@collections/contracts';
import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { Logger, Money, toDecimalString } from '@collections/platform';
import { createAgentTask } from '../../agents';
import { PlannerRepository } from '../planner.repository';

/** The agent queue of settlements a person must decide on (SettlementReviewNeeded). */
export const SETTLEMENT_REVIEW_QUEUE = 'settlement-reviews';

const amount = (m: Money | undefined) => (m ? `${toDecimalString(m)} ${m.currency}` : 'an unknown amount');

/** What the person is asked to decide, by reason; ids and amounts only (never PII). */
function reasonOf(review: promises.SettlementReviewNeeded): string | undefined {
  const { settlementId, paymentId } = review;
  switch (review.reason) {
    case promises.SettlementReviewReason.SETTLEMENT_REVIEW_REASON_PAYMENT_REVERSED_AFTER_DISCOUNT:
      return `payment ${paymentId} of settlement ${settlementId} was reversed (${amount(review.payment)}) after its discount of ${amount(review.discount)} was posted: chase the reversed amount, or take the discount back with a ledger adjustment`;
    case promises.SettlementReviewReason.SETTLEMENT_REVIEW_REASON_DISCOUNT_REFUSED:
      return `payment ${paymentId} (${amount(review.payment)}) completed settlement ${settlementId} after the ledger had ended the account, which refused its discount of ${amount(review.discount)}: the payment went to the account's plans and promises; decide what the debtor is told`;
    default:
      return undefined;
  }
}

/**
 * A settlement needs a person (SettlementReviewNeeded): one `review_settlement` task in
 * `SETTLEMENT_REVIEW_QUEUE`, due now, caused by `settlement-review:<settlement>:<payment>:<reason>`
 * (a redelivery, or the same review announced again under a new event id, queues nothing more), its
 * reason saying what happened and what is to be decided. The task reaches no one, so the contact
 * law is not asked, and any agent with the skill may take it whatever the debtor's language. A
 * reason this version does not know queues nothing and says so.
 */
export async function queueSettlementReview(
  hc: HandlerContext,
  repo: PlannerRepository,
  event: ConsumedEvent<'collections.promises.v1.SettlementReviewNeeded'>,
  now: Date,
  logger: Logger,
): Promise<void> {
  const review = event.payload;
  const reason = reasonOf(review);
  if (!reason) {
    logger.warn(
      { tenantId: event.tenantId, settlementId: review.settlementId, reason: review.reason },
      'settlement review of an unknown reason: no task queued',
    );
    return;
  }
  const account = await repo.lockAccount(hc.tx, event.tenantId, review.accountId);
  await createAgentTask(hc.tx, hc.outbox, {
    tenantId: event.tenantId,
    accountId: review.accountId,
    kind: 'review_settlement',
    queue: SETTLEMENT_REVIEW_QUEUE,
    segment: account?.segment ?? '',
    reason,
    causedByEventId: `settlement-review:${review.settlementId}:${review.paymentId}:${review.reason}`,
    now,
  });
}
