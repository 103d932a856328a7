import { promises } from '@collections/contracts';
import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { Logger } from '@collections/platform';
import { createAgentTask } from '../../agents';
import { refusedForGood, ruleCodesOf, taskVerdict } from '../../agents/domain';
import { PlannerRepository } from '../planner.repository';

/** The agent queue of calls back to debtors whose offer expired waiting for a supervisor. */
export const EXPIRED_OFFER_QUEUE = 'expired-offers';
/** The agent queue of calls back to debtors whose offer a supervisor rejected. */
export const REJECTED_OFFER_QUEUE = 'rejected-offers';

/** Why a debtor told an answer would come on a held offer is to be called back. */
interface CallBack {
  tenantId: string;
  accountId: string;
  approvalId: string;
  queue: string;
  /** The task's cause: one task per approval, however often the event arrives. */
  causedByEventId: string;
  reason: string;
  /** What the log line says when the contact law refuses calls to the debtor for good. */
  refused: string;
}

/**
 * An agent's offer held for a supervisor expired with no decision (OfferApprovalExpired) and the
 * debtor, told an answer would come, has had none since (not `debtor_answered`): one `call` in
 * `EXPIRED_OFFER_QUEUE`, due now, caused by `offer-expired:<approval id>`, its reason naming the
 * offer's kind, the agent and the limit it went beyond (`queueCallBack`).
 */
export async function queueExpiredOfferCall(
  hc: HandlerContext,
  repo: PlannerRepository,
  event: ConsumedEvent<'collections.promises.v1.OfferApprovalExpired'>,
  now: Date,
  logger: Logger,
): Promise<void> {
  const offer = event.payload;
  if (offer.debtorAnswered) return;
  await queueCallBack(hc, repo, now, logger, {
    tenantId: event.tenantId,
    accountId: offer.accountId,
    approvalId: offer.approvalId,
    queue: EXPIRED_OFFER_QUEUE,
    causedByEventId: `offer-expired:${offer.approvalId}`,
    reason: `the ${offer.kind} offer agent ${offer.agentId} held for a supervisor expired with no decision (${offer.reason}): call the debtor back with an answer`,
    refused: 'offer approval expired: no call back queued, the contact law refuses calls to the debtor for good',
  });
}

/**
 * A supervisor rejected an agent's held offer (OfferApprovalDecided, REJECT) and the debtor has had
 * no answer since (not `debtor_answered`: nothing agreed on the account since, and the ledger did not
 * end it): one `call` in `REJECTED_OFFER_QUEUE`, due now, caused by `offer-rejected:<approval id>`,
 * its reason naming the offer's kind, the agent and the supervisor. An approval, or a rejection
 * nobody waits on, queues nothing.
 */
export async function queueRejectedOfferCall(
  hc: HandlerContext,
  repo: PlannerRepository,
  event: ConsumedEvent<'collections.promises.v1.OfferApprovalDecided'>,
  now: Date,
  logger: Logger,
): Promise<void> {
  const offer = event.payload;
  if (offer.decision !== promises.ApprovalDecision.APPROVAL_DECISION_REJECT || offer.debtorAnswered) return;
  await queueCallBack(hc, repo, now, logger, {
    tenantId: event.tenantId,
    accountId: offer.accountId,
    approvalId: offer.approvalId,
    queue: REJECTED_OFFER_QUEUE,
    causedByEventId: `offer-rejected:${offer.approvalId}`,
    reason: `supervisor ${offer.decidedBy} rejected the ${offer.kind} offer agent ${offer.agentId} held for approval: call the debtor back with the answer and what can be offered`,
    refused: 'offer rejected: no call back queued, the contact law refuses calls to the debtor for good',
  });
}

/**
 * Queues the call back (a redelivery queues nothing more: the task is keyed by its cause). Asked
 * of the contact law first, as the planner's escalations are (`taskVerdict`): refused for good (a
 * hold, no consent or an opt-out for calls, no rule pack), no task, and a log line with the rules;
 * refused only for now (evening, Sunday), queued, and the claim hands it out when the law allows.
 * Debtor facts not known yet: queued, and the claim asks the law.
 */
async function queueCallBack(
  hc: HandlerContext,
  repo: PlannerRepository,
  now: Date,
  logger: Logger,
  call: CallBack,
): Promise<void> {
  const { tenantId, accountId } = call;
  const debtor = await repo.debtorOf(hc.tx, tenantId, accountId);
  if (debtor) {
    const history = await repo.historyOf(hc.tx, tenantId, debtor.debtorId);
    const verdict = taskVerdict('call', debtor, history, now, accountId);
    if (verdict && refusedForGood(verdict)) {
      logger.info(
        { tenantId, accountId, approvalId: call.approvalId, rules: ruleCodesOf(verdict.reasons) },
        call.refused,
      );
      return;
    }
  }
  const account = await repo.lockAccount(hc.tx, tenantId, accountId);
  await createAgentTask(hc.tx, hc.outbox, {
    tenantId,
    accountId,
    kind: 'call',
    queue: call.queue,
    segment: account?.segment ?? '',
    language: debtor?.language.slice(0, 2) ?? '',
    reason: call.reason,
    causedByEventId: call.causedByEventId,
    now,
  });
}
