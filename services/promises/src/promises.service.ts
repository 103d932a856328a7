import { Topic } from '@collections/contracts';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { PromisesInitial1763900004000 } from './migrations/1763900004000-promises-initial';
import { allocatePayment } from './promises/allocate-payment.consumer';
import { PromisesGrpcController } from './promises/promises.grpc';
import { PromisesRepository } from './promises/promises.repository';

/** services/promises: promises to pay and whether they are kept (walking skeleton). */
export const promisesService: ServiceDefinition = {
  name: 'promises',
  migrations: [PromisesInitial1763900004000],
  module: (ctx) => ({
    module: class PromisesModule {},
    controllers: [PromisesGrpcController],
    providers: [{ provide: SERVICE_CONTEXT, useValue: ctx }, PromisesRepository],
  }),
  consumers: (ctx) => {
    const repo = new PromisesRepository();
    ctx.backbone.consume({
      topics: [Topic.LedgerPayment],
      handlers: { 'collections.ledger.v1.PaymentPosted': (event, hc) => allocatePayment(ctx, repo, event, hc) },
    });
  },
};
