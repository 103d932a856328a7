import { orchestrator } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest } from '@collections/testing';
import { StopCondition, StrategyDocument, StrategyStep } from '../../src/strategies/domain';

/** Every stop condition: the strategies of these tests stop on payment, promise, dispute, opt-out and hold. */
export const ALL_STOPS: readonly StopCondition[] = ['payment', 'promise', 'dispute', 'opt_out', 'hold'];

/** The pre-due e-mail: the reminder template three days before the due date, 09:00–12:00 local. */
export const D3_REMINDER_EMAIL: StrategyStep = {
  id: 'd-3',
  channel: 'email',
  template: 'reminder',
  offset: { from: 'due_date', days: -3 },
  preferredWindow: { from: '09:00', to: '12:00' },
};

/**
 * An early-stage Colombian strategy (accounts in segment negotiate, from 5 days before the due date
 * to 60 past it; priority 1) whose one arm, the champion, takes these steps.
 */
export function colombianEarlyStage(
  name: string,
  steps: readonly StrategyStep[],
  extra: Partial<StrategyDocument> = {},
): StrategyDocument {
  return {
    name,
    priority: 1,
    entry: { segments: ['negotiate'], daysPastDue: { min: -5, max: 60 }, jurisdictions: ['CO'] },
    arms: [{ id: 'champion', weight: 100, steps }],
    stopConditions: ALL_STOPS,
    ...extra,
  };
}

/** Publishes each strategy (id → document) through the orchestrator's gRPC API, with the tenant's key. */
export async function putStrategies(
  sut: ServiceUnderTest,
  strategies: Record<string, StrategyDocument>,
): Promise<void> {
  const client = grpcClient(orchestrator.OrchestratorServiceService, sut.app.grpcAddress);
  try {
    for (const [strategyId, doc] of Object.entries(strategies))
      await client.putStrategy(
        { strategyId, document: JSON.stringify(doc), format: orchestrator.StrategyFormat.STRATEGY_FORMAT_JSON },
        metadataFromPrincipalHeaders({ apiKey: sut.apiKey }),
      );
  } finally {
    client.close();
  }
}
