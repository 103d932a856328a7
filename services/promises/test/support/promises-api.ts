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
