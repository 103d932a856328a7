import { EventHandlers } from '@collections/messaging';
import { CancelPlanUseCase } from './usecases/cancel-plan.usecase';

/**
 * An account the ledger settled or closed owes nothing more: its active payment plans are
 * cancelled (PlanCancelled, by `ledger`), so the daily run misses no instalment of them and no plan
 * defaults into an agent's task about a debt that is over. The ledger's own reason is not copied:
 * it is a free text, and the plan's reason says what happened. A redelivery is stopped by the inbox,
 * and finds no active plan anyway. Single promises and settlements are left as they are.
 */
export function accountEndedHandlers(cancelPlan: CancelPlanUseCase): EventHandlers {
  return {
    'collections.ledger.v1.AccountSettled': async (event, { tx }) => {
      await cancelPlan.accountEnded(tx, event.tenantId, event.payload.accountId, {
        eventId: event.id,
        reason: 'account settled in the ledger',
      });
    },
    'collections.ledger.v1.AccountClosed': async (event, { tx }) => {
      await cancelPlan.accountEnded(tx, event.tenantId, event.payload.accountId, {
        eventId: event.id,
        reason: 'account closed in the ledger',
      });
    },
  };
}
