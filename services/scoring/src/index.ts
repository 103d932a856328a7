export { createScoringService, championChallengerFromEnv, scoringService } from './scoring.service';
// for tools that feed or load the service outside Nest (bench servers, data loaders)
export { featureStoreHandlers } from './scores/feature-store.consumer';
export { LiveModels, loadLiveModel } from './scores/live-models';
export type { ChampionChallengerConfig, LiveModel } from './scores/live-models';
export { RescoreAccountUseCase } from './scores/usecases/rescore-account.usecase';
export { mapScore } from './scores/usecases/read-scores.usecase';
export type { ScoreRow } from './scores/scores.repository';
