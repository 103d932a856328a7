import { Topic } from '@collections/contracts';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { ScoringInitial1763900002000 } from './migrations/1763900002000-scoring-initial';
import { featureStoreHandlers, loadProductionModel } from './scores/feature-store.consumer';
import { ScoringFeatureStore1763900002100 } from './migrations/1763900002100-scoring-feature-store';
import { ScoringGrpcController } from './scores/scoring.grpc';

/** services/scoring: payment probability, segment and reasons (the UCI-trained model over a feature store fed by ledger events). */
export const scoringService: ServiceDefinition = {
  name: 'scoring',
  migrations: [ScoringInitial1763900002000, ScoringFeatureStore1763900002100],
  module: (ctx) => ({
    module: class ScoringModule {},
    controllers: [ScoringGrpcController],
    providers: [{ provide: SERVICE_CONTEXT, useValue: ctx }],
  }),
  consumers: (ctx) => {
    ctx.backbone.consume({
      topics: [Topic.LedgerAccount, Topic.LedgerPayment],
      handlers: featureStoreHandlers(ctx.clock, loadProductionModel()),
    });
  },
};
