import { Topic } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { int, loadConfig, str, openApiController } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext, ServiceDefinition } from '@collections/runtime';
import { ScoringInitial1763900002000 } from './migrations/1763900002000-scoring-initial';
import { ScoringFeatureStore1763900002100 } from './migrations/1763900002100-scoring-feature-store';
import { ScoringSegments1763900003000 } from './migrations/1763900003000-scoring-segments';
import { ScoringMonitoring1763900004000 } from './migrations/1763900004000-scoring-monitoring';
import { ScoringScoreNotify1763900010400 } from './migrations/1763900010400-scoring-score-notify';
import { ScoringPaymentTimeZone1763900013000 } from './migrations/1763900013000-scoring-payment-time-zone';
import { ScoringOutcomeWindowDays1763900015000 } from './migrations/1763900015000-scoring-outcome-window-days';
import { inSequence, scoreMonitoringHandlers } from './monitoring/score-monitoring.consumer';
import { ScoreMonitoringMetrics } from './monitoring/score-monitoring.metrics';
import { featureStoreBatchHandlers, featureStoreHandlers } from './scores/feature-store.consumer';
import { ChampionChallengerConfig, LIVE_MODELS, LiveModels } from './scores/live-models';
import { ScoreCache, ScoreCacheListener } from './scores/score-cache';
import { ScoringRestController } from './scores/scoring.controller';
import {
  READ_SCORES,
  SCORE_FEATURE_ROWS,
  SEGMENT_RULES,
  ScoringGrpcController,
  scoringDirectRoutes,
} from './scores/scoring.grpc';
import { ReadScoresUseCase } from './scores/usecases/read-scores.usecase';
import { RescoreAccountUseCase } from './scores/usecases/rescore-account.usecase';
import { ScoreFeatureRowsUseCase } from './scores/usecases/score-feature-rows.usecase';
import { SegmentRulesUseCase } from './scores/usecases/segment-rules.usecase';
import { MODEL_TRAINING_CONFIG, loadModelTrainingConfig } from './training/model-training.config';
import { TrainModelUseCase } from './training/usecases/train-model/train-model.usecase';
import { join } from 'node:path';

/** services/scoring/openapi.yaml (scripts/openapi.mjs), one folder up from both src and dist. */
export const SCORING_OPENAPI_PATH = join(__dirname, '..', 'openapi.yaml');
/** GET /v1/scoring/openapi.json: the REST API's OpenAPI document, public. */
export const ScoringOpenApiController = openApiController('v1/scoring', SCORING_OPENAPI_PATH);

/**
 * Champion and challenger from the environment: SCORING_CHAMPION_MODEL and SCORING_CHALLENGER_MODEL
 * name artifacts in models/ (or give a path; "none" for no challenger), SCORING_CHALLENGER_PERCENT
 * is the share of accounts (by a stable hash of tenant and account) the challenger also scores.
 */
export function championChallengerFromEnv(env?: NodeJS.ProcessEnv): ChampionChallengerConfig {
  const config = loadConfig(
    {
      champion: str('SCORING_CHAMPION_MODEL', { default: 'uci-gbdt-v1' }),
      challenger: str('SCORING_CHALLENGER_MODEL', { default: 'uci-logit-v1' }),
      challengerPercent: int('SCORING_CHALLENGER_PERCENT', { default: 10, min: 0, max: 100 }),
    },
    env,
  );
  return {
    champion: config.champion,
    challenger: config.challenger === 'none' ? undefined : config.challenger,
    challengerShare: config.challengerPercent / 100,
  };
}

/** services/scoring with the given champion/challenger (tests), or the environment's. */
export function createScoringService(options: { models?: ChampionChallengerConfig } = {}): ServiceDefinition {
  let models: LiveModels | undefined;
  // loaded once, on first use, for the module and the consumers alike
  const live = () => (models ??= LiveModels.load(options.models ?? championChallengerFromEnv()));
  return {
    name: 'scoring',
    migrations: [
      ScoringInitial1763900002000,
      ScoringFeatureStore1763900002100,
      ScoringSegments1763900003000,
      ScoringMonitoring1763900004000,
      ScoringScoreNotify1763900010400,
      ScoringPaymentTimeZone1763900013000,
      ScoringOutcomeWindowDays1763900015000,
    ],
    module: (ctx) => {
      // ScoreAccount's latest scores in memory, live while the listener hears every change of them
      const cache = new ScoreCache();
      return {
        module: class ScoringModule {},
        controllers: [ScoringGrpcController, ScoringRestController, ScoringOpenApiController],
        providers: [
          { provide: SERVICE_CONTEXT, useValue: ctx },
          {
            provide: ScoreCacheListener,
            useValue: new ScoreCacheListener(cache, ctx.dataSource, ctx.schema, ctx.logger),
          },
          { provide: READ_SCORES, useValue: new ReadScoresUseCase(ctx.dataSource, live(), undefined, cache) },
          { provide: SCORE_FEATURE_ROWS, useValue: new ScoreFeatureRowsUseCase(ctx.dataSource, live(), ctx.clock) },
          { provide: SEGMENT_RULES, useValue: new SegmentRulesUseCase(ctx.dataSource, ctx.clock, ctx.backbone.outbox) },
          ScoringGrpcController,
          { provide: LIVE_MODELS, useFactory: live },
          ScoreMonitoringMetrics,
          { provide: MODEL_TRAINING_CONFIG, useFactory: () => loadModelTrainingConfig() },
          TrainModelUseCase,
        ],
      };
    },
    directGrpcRoutes: scoringDirectRoutes,
    consumers: (ctx) => {
      ctx.backbone.consume({
        topics: [Topic.LedgerAccount, Topic.LedgerPayment, Topic.LedgerBalance],
        handlers: scoringHandlers(ctx, live()),
        // balance and delinquency facts a run at a time: a daily delinquency run sends thousands
        batchHandlers: featureStoreBatchHandlers(new RescoreAccountUseCase(ctx.clock, live())),
      });
    },
  };
}

/** services/scoring: payment probability, segment, priority and reasons (the UCI-trained models over a feature store fed by ledger events). */
export const scoringService: ServiceDefinition = createScoringService();

/** The feature store's handlers (which re-score the account), then model monitoring's records of the same events. */
export function scoringHandlers(
  ctx: ServiceContext,
  models: LiveModels = LiveModels.load(championChallengerFromEnv()),
): EventHandlers {
  return inSequence(featureStoreHandlers(new RescoreAccountUseCase(ctx.clock, models)), scoreMonitoringHandlers());
}
