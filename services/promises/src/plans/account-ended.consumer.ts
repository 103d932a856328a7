import { EventHandlers } from '@collections/messaging';
import { AccountEndedUseCase } from './usecases/account-ended.usecase';

/**
 * An account the ledger settled or closed owes nothing more: its open settlements are withdrawn
 * (SettlementWithdrawn), its active payment plans cancelled (PlanCancelled) and its open single
 * promises cancelled (PromiseCancelled), all by `ledger`, so the daily run breaks, lapses or
 * defaults none of them into an agent's task about a debt that is over. The ledger's own reason is
 * not copied: it is a free text, and the plan's reason says what happened. A redelivery is stopped
 * by the inbox, and finds nothing open anyway. An account the ledger reopens (AccountReopened: a
 * reversed payment left it owing) takes new commitments again.
 */
export function accountEndedHandlers(accountEnded: AccountEndedUseCase): EventHandlers {
  return {
    'collections.ledger.v1.AccountSettled': async (event, { tx }) => {
      await accountEnded.execute(tx, event.tenantId, event.payload.accountId, {
        eventId: event.id,
        reason: 'account settled in the ledger',
      });
    },
    'collections.ledger.v1.AccountClosed': async (event, { tx }) => {
      await accountEnded.execute(tx, event.tenantId, event.payload.accountId, {
        eventId: event.id,
        reason: 'account closed in the ledger',
      });
    },
    'collections.ledger.v1.AccountReopened': async (event, { tx }) => {
      await accountEnded.reopened(tx, event.tenantId, event.payload.accountId);
    },
  };
}
