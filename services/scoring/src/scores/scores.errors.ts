import { AppError } from '@collections/platform';
import { ScoringModelErrorCode, ScoringModelException } from '../model';
import { ScoresErrorCode, ScoresException } from './domain/scores.exception';

function unreachable(code: never): never {
  throw new Error(`unmapped scores error code: ${String(code)}`);
}

/** proto field names (snake_case) for the model's camelCase ones: `creditLimit` → `credit_limit`. */
const protoField = (field: string | undefined) => field?.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The one mapping from the scores module's and the model's refusals to the platform's error codes. */
export function toAppError(error: ScoresException | ScoringModelException): AppError {
  const details = error.field === undefined ? undefined : { field: protoField(error.field) };
  if (error instanceof ScoringModelException) {
    const code = error.code;
    switch (code) {
      case ScoringModelErrorCode.InvalidAccountHistory:
      case ScoringModelErrorCode.InvalidOptions:
      case ScoringModelErrorCode.InvalidDataset:
        return AppError.invalid(error.message, details);
      case ScoringModelErrorCode.UnsupportedModelVersion:
      case ScoringModelErrorCode.InvalidModelArtifact:
      case ScoringModelErrorCode.ProtectedAttributeUsed:
        return AppError.internal(error.message, details);
      default:
        return unreachable(code);
    }
  }
  const code = error.code;
  switch (code) {
    case ScoresErrorCode.InvalidSegmentRules:
    case ScoresErrorCode.InvalidScoreRequest:
      return AppError.invalid(error.message, details);
    case ScoresErrorCode.UnknownModelVersion:
    case ScoresErrorCode.NotScored:
      return AppError.notFound(error.message, details);
    default:
      return unreachable(code);
  }
}

export function isScoresError(error: unknown): error is ScoresException | ScoringModelException {
  return error instanceof ScoresException || error instanceof ScoringModelException;
}

/** Runs an adapter call, translating the module's refusals into AppErrors for the transport filters. */
export async function translated<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw isScoresError(error) ? toAppError(error) : error;
  }
}
