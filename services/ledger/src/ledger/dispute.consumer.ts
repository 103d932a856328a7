import { EntityManager } from 'typeorm';
import { Topic, orchestratorAgents } from '@collections/contracts';
import { ConsumedEvent, EventHandlers } from '@collections/messaging';
import { Logger } from '@collections/platform';
import { DisputeCause, OpenDisputeHoldsUseCase } from './usecases/open-dispute-holds.usecase';

/** The topics the ledger reads: the orchestrator's call outcomes and debtors' replies. */
export const LEDGER_TOPICS = [Topic.OrchestratorAgent, Topic.OrchestratorContact];

/**
 * The ledger's consumer (group `ledger`): a debtor who disputes the debt to an agent or the voice
 * bot (CallOutcomeRecorded, CALL_OUTCOME_DISPUTE) or in a written reply (DebtorReplied,
 * REPLY_INTENT_DISPUTE, with the account it answers) is put on the ledger's own dispute hold.
 * Every other outcome and intent is not the ledger's business and changes nothing.
 */
export function ledgerDisputeConsumer(
  disputes: OpenDisputeHoldsUseCase,
  logger: Logger,
): { topics: string[]; handlers: EventHandlers } {
  const hold = async (event: ConsumedEvent, accountId: string, cause: DisputeCause, tx: EntityManager) => {
    const done = await disputes.execute(tx, event.tenantId, accountId, cause);
    const ids = { tenantId: event.tenantId, accountId, eventId: event.id, cause: cause.kind, causeId: cause.id };
    // An account the ledger does not know will not become known by retrying: no dead letter, a warning.
    if (!done.accountKnown) logger.warn(ids, 'dispute on an account the ledger does not know: no hold');
    else logger.info({ ...ids, ...done }, 'dispute: dispute holds opened');
  };
  return {
    topics: LEDGER_TOPICS,
    handlers: {
      'collections.orchestrator.v1.CallOutcomeRecorded': async (event, { tx }) => {
        const o = event.payload;
        if (o.outcome !== orchestratorAgents.CallOutcome.CALL_OUTCOME_DISPUTE) return;
        await hold(
          event,
          o.accountId,
          { kind: 'call-dispute', id: o.outcomeId || event.id, at: o.recordedAt ?? event.time },
          tx,
        );
      },
      'collections.orchestrator.v1.DebtorReplied': async (event, { tx }) => {
        const r = event.payload;
        // A reply no contact of ours matches names no account: nothing to hold (an agent reviews it).
        if (r.intent !== orchestratorAgents.ReplyIntent.REPLY_INTENT_DISPUTE || !r.accountId) return;
        await hold(
          event,
          r.accountId,
          { kind: 'reply-dispute', id: r.replyId || event.id, at: r.receivedAt ?? event.time },
          tx,
        );
      },
    },
  };
}
