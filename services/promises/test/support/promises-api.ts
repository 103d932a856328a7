import { promises } from '@collections/contracts';
import { ServiceApi, startServiceApi } from '@collections/testing';
import { promisesService } from '../../src/promises.service';
import { startConsumers } from './events';

export type PromisesApi = ServiceApi<typeof promises.PromisesServiceService>;

/**
 * The promises service on the real database, its clock at `startAt`, its consumers started on the
 * in-process transport, and a gRPC client calling it with the tenant's API key.
 */
export async function startPromisesApi(startAt: Date): Promise<PromisesApi> {
  const api = await startServiceApi(promisesService, promises.PromisesServiceService, startAt);
  await startConsumers(api.sut);
  return {
    ...api,
    close: async () => {
      await api.sut.context.backbone.stop();
      await api.close();
    },
  };
}

/** A 3-instalment weekly plan of 300.00 USD on the account, due 2026-03-10, -17 and -24, taken by the bot. */
export async function weeklyPlanOf300(api: Pick<PromisesApi, 'client' | 'md'>, accountId: string): Promise<string> {
  const { plan } = await api.client.createPlan(
    {
      accountId,
      total: { amountMinor: 300_00, currency: 'USD' },
      downPayment: undefined,
      instalments: 3,
      frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
      firstDate: '2026-03-10',
      channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
      takenBy: promises.TakenBy.TAKEN_BY_BOT,
      agentId: '',
      idempotencyKey: `plan-${accountId}`,
    },
    api.md(),
  );
  return plan!.planId;
}
