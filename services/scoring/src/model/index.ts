/** The scoring models' public surface, for the service's adapters (gRPC, consumers, batch jobs). */
export { CreditRiskModel, DEFAULT_REASON_COUNT } from './domain/credit-risk-model';
export type { CreditRiskScore, MarginExplanation } from './domain/credit-risk-model';
export { FEATURE_DEFINITIONS, FEATURE_NAMES, FeatureExtractor, PROTECTED_ATTRIBUTES } from './domain/features';
export type { AccountHistory, EducationLevel, FeatureDefinition, MonthlyStatement } from './domain/features';
export { MODEL_ARTIFACT_VERSION, parseModelArtifact } from './domain/model-artifact';
export type { ModelArtifact, ModelKind } from './domain/model-artifact';
export type { ReasonCode } from './domain/reason-codes';
export { ScoringModelErrorCode, ScoringModelException } from './domain/scoring-model.exception';
export { DEFAULT_TRAINING_OPTIONS, trainCreditRiskModel } from './domain/train-credit-risk-model';
export type { TrainingOptions } from './domain/train-credit-risk-model';
export { parseUciCsv } from './domain/uci';
export type { LabelledAccount } from './domain/uci';
