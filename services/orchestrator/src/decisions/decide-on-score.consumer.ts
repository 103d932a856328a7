import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { chooseNextContact } from './domain/next-contact';

/** Decides the next contact whenever an account is scored, and publishes the decision. */
export async function decideOnScore(
  ctx: ServiceContext,
  event: ConsumedEvent<'collections.scoring.v1.AccountScored'>,
  { tx, outbox }: HandlerContext,
): Promise<void> {
  const choice = chooseNextContact(event.payload.segment);
  const decidedAt = ctx.clock.now();
  const [{ id }] = (await tx.query(
    `INSERT INTO contact_decision (tenant_id, account_id, channel, allowed, reasons, decided_at, caused_by_event)
     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    [event.tenantId, event.payload.accountId, choice.channel, choice.allowed, choice.reasons, decidedAt, event.id],
  )) as { id: string }[];
  await outbox.add(tx, {
    type: 'collections.orchestrator.v1.ContactDecision',
    key: event.payload.accountId,
    tenantId: event.tenantId,
    time: decidedAt,
    payload: { decisionId: id, accountId: event.payload.accountId, ...choice, decidedAt },
  });
}
