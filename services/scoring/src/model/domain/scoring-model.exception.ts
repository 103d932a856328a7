/** Why the modelling core refused to do something; adapters map each code to their transport. */
export enum ScoringModelErrorCode {
  /** An account history carried a value that is not a finite number, or an impossible code. */
  InvalidAccountHistory = 'INVALID_ACCOUNT_HISTORY',
  /** A feature definition would read a protected attribute (sex, marital status, age, ...). */
  ProtectedAttributeUsed = 'PROTECTED_ATTRIBUTE_USED',
  /** A model artifact was written by a format version this code does not read. */
  UnsupportedModelVersion = 'UNSUPPORTED_MODEL_VERSION',
  /** A model artifact is malformed, or was trained on a feature set other than the current one. */
  InvalidModelArtifact = 'INVALID_MODEL_ARTIFACT',
  /** A data set cannot be used for training or evaluation (bad CSV, one class only, too few rows). */
  InvalidDataset = 'INVALID_DATASET',
  /** Training or evaluation options out of range. */
  InvalidOptions = 'INVALID_OPTIONS',
}

/** The one error type of the scoring model core; `field` names the offending input when there is one. */
export class ScoringModelException extends Error {
  override readonly name = 'ScoringModelException';

  constructor(
    readonly code: ScoringModelErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
