import { Topic } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { SERVICE_CONTEXT, ServiceContext, ServiceDefinition } from '@collections/runtime';
import { ScoringInitial1763900002000 } from './migrations/1763900002000-scoring-initial';
import { featureStoreHandlers, loadProductionModel } from './scores/feature-store.consumer';
import { ScoringFeatureStore1763900002100 } from './migrations/1763900002100-scoring-feature-store';
import { ScoringGrpcController } from './scores/scoring.grpc';
import { ScoringMonitoring1763900004000 } from './migrations/1763900004000-scoring-monitoring';
import { inSequence, scoreMonitoringHandlers } from './monitoring/score-monitoring.consumer';
import { ScoreMonitoringMetrics } from './monitoring/score-monitoring.metrics';
import { MODEL_TRAINING_CONFIG, loadModelTrainingConfig } from './training/model-training.config';
import { TrainModelUseCase } from './training/usecases/train-model/train-model.usecase';

/** services/scoring: payment probability, segment and reasons (the UCI-trained model over a feature store fed by ledger events). */
export const scoringService: ServiceDefinition = {
  name: 'scoring',
  migrations: [ScoringInitial1763900002000, ScoringFeatureStore1763900002100, ScoringMonitoring1763900004000],
  module: (ctx) => ({
    module: class ScoringModule {},
    controllers: [ScoringGrpcController],
    providers: [
      { provide: SERVICE_CONTEXT, useValue: ctx },
      ScoreMonitoringMetrics,
      { provide: MODEL_TRAINING_CONFIG, useFactory: () => loadModelTrainingConfig() },
      TrainModelUseCase,
    ],
  }),
  consumers: (ctx) => {
    ctx.backbone.consume({
      topics: [Topic.LedgerAccount, Topic.LedgerPayment],
      handlers: scoringHandlers(ctx),
    });
  },
};

/** The feature store's handlers, then model monitoring's records of the same events. */
export function scoringHandlers(ctx: ServiceContext): EventHandlers {
  return inSequence(featureStoreHandlers(ctx.clock, loadProductionModel()), scoreMonitoringHandlers());
}
