import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { SKELETON_MODEL_VERSION, scoreAfterPayment } from './domain/skeleton-model';

/** Re-scores an account on every PaymentPosted and publishes AccountScored in the same transaction. */
export async function scoreOnPayment(
  ctx: ServiceContext,
  event: ConsumedEvent<'collections.ledger.v1.PaymentPosted'>,
  { tx, outbox }: HandlerContext,
): Promise<void> {
  const { accountId, amount, balanceAfter } = event.payload;
  const score = scoreAfterPayment(amount?.amountMinor ?? 0, balanceAfter?.amountMinor ?? 0);
  const scoredAt = ctx.clock.now();
  await tx.query(
    `INSERT INTO account_score (tenant_id, account_id, probability_to_pay, segment, model_version, reasons, scored_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, account_id) DO UPDATE SET probability_to_pay = EXCLUDED.probability_to_pay,
       segment = EXCLUDED.segment, model_version = EXCLUDED.model_version, reasons = EXCLUDED.reasons, scored_at = EXCLUDED.scored_at`,
    [event.tenantId, accountId, score.probabilityToPay, score.segment, SKELETON_MODEL_VERSION, score.reasons, scoredAt],
  );
  await outbox.add(tx, {
    type: 'collections.scoring.v1.AccountScored',
    key: accountId,
    tenantId: event.tenantId,
    time: scoredAt,
    payload: { accountId, ...score, modelVersion: SKELETON_MODEL_VERSION, scoredAt },
  });
}
