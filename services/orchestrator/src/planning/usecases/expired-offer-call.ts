import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { Logger } from '@collections/platform';
import { createAgentTask } from '../../agents';
import { refusedForGood, ruleCodesOf, taskVerdict } from '../../agents/domain';
import { PlannerRepository } from '../planner.repository';

/** The agent queue of calls back to debtors whose offer expired waiting for a supervisor. */
export const EXPIRED_OFFER_QUEUE = 'expired-offers';

/**
 * An agent's offer held for a supervisor expired with no decision (OfferApprovalExpired): the
 * debtor was told an answer would come. One `call` in `EXPIRED_OFFER_QUEUE`, due now, caused by
 * `offer-expired:<approval id>` (a redelivery queues nothing more), its reason naming the offer's
 * kind, the agent and the limit it went beyond. Asked of the contact law first, as the planner's
 * escalations are (`taskVerdict`): refused for good (a hold, no consent or an opt-out for calls,
 * no rule pack), no task, and a log line with the rules; refused only for now (evening, Sunday),
 * queued, and the claim hands it out when the law allows. Debtor facts not known yet: queued, and
 * the claim asks the law.
 */
export async function queueExpiredOfferCall(
  hc: HandlerContext,
  repo: PlannerRepository,
  event: ConsumedEvent<'collections.promises.v1.OfferApprovalExpired'>,
  now: Date,
  logger: Logger,
): Promise<void> {
  const { tenantId } = event;
  const offer = event.payload;
  const causedByEventId = `offer-expired:${offer.approvalId}`;
  const debtor = await repo.debtorOf(hc.tx, tenantId, offer.accountId);
  if (debtor) {
    const history = await repo.historyOf(hc.tx, tenantId, debtor.debtorId);
    const verdict = taskVerdict('call', debtor, history, now, offer.accountId);
    if (verdict && refusedForGood(verdict)) {
      logger.info(
        {
          tenantId,
          accountId: offer.accountId,
          approvalId: offer.approvalId,
          rules: ruleCodesOf(verdict.reasons),
        },
        'offer approval expired: no call back queued, the contact law refuses calls to the debtor for good',
      );
      return;
    }
  }
  const account = await repo.lockAccount(hc.tx, tenantId, offer.accountId);
  await createAgentTask(hc.tx, hc.outbox, {
    tenantId,
    accountId: offer.accountId,
    kind: 'call',
    queue: EXPIRED_OFFER_QUEUE,
    segment: account?.segment ?? '',
    language: debtor?.language.slice(0, 2) ?? '',
    reason: `the ${offer.kind} offer agent ${offer.agentId} held for a supervisor expired with no decision (${offer.reason}): call the debtor back with an answer`,
    causedByEventId,
    now,
  });
}
