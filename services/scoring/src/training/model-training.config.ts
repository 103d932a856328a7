import { dirname } from 'node:path';
import { DeepReadonly, loadConfig, optional, str } from '@collections/platform';
import { PRODUCTION_MODEL_FILE } from '../scores/feature-store.consumer';

/** Nest token of the parsed `ModelTrainingConfig`. */
export const MODEL_TRAINING_CONFIG = Symbol('MODEL_TRAINING_CONFIG');

export type ModelTrainingConfig = DeepReadonly<{
  /** Where trained artifacts are written (SCORING_MODELS_DIR; default: the shipped models directory). */
  modelsDirectory: string;
  /** The only directory `dataset_path` may name files in (SCORING_DATASETS_DIR); unset: uploads only. */
  datasetsDirectory: string | undefined;
}>;

/** Parsed once at boot; a bad variable fails the start with its name. */
export function loadModelTrainingConfig(env: NodeJS.ProcessEnv = process.env): ModelTrainingConfig {
  return loadConfig(
    {
      modelsDirectory: str('SCORING_MODELS_DIR', { default: dirname(PRODUCTION_MODEL_FILE) }),
      datasetsDirectory: optional(str('SCORING_DATASETS_DIR')),
    },
    env,
  );
}
