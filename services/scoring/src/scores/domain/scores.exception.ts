/** Why the scores module refused a request; adapters map each code to their transport. */
export enum ScoresErrorCode {
  /** A segment rule set is malformed (bad bounds, unknown segment, a rule that can never match). */
  InvalidSegmentRules = 'INVALID_SEGMENT_RULES',
  /** A feature row, or a batch request, carries a value that cannot be scored. */
  InvalidScoreRequest = 'INVALID_SCORE_REQUEST',
  /** A model version that is not live in this service (neither champion nor challenger). */
  UnknownModelVersion = 'UNKNOWN_MODEL_VERSION',
  /** The account has no score (yet) from the model asked for. */
  NotScored = 'NOT_SCORED',
}

/** The one error type of the scores module; `field` names the offending input when there is one. */
export class ScoresException extends Error {
  override readonly name = 'ScoresException';

  constructor(
    readonly code: ScoresErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
