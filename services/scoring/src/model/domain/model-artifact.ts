import { Calibration } from './calibration';
import { FEATURE_DEFINITIONS, FEATURE_NAMES } from './features';
import { GradientBoostingParams } from './gradient-boosting';
import { LogisticModel, LogisticRegressionParams } from './logistic-regression';
import { ClassificationMetrics } from './metrics';
import { RegressionTree } from './regression-tree';
import { ScoringModelErrorCode, ScoringModelException } from './scoring-model.exception';

/**
 * A trained model as one JSON-serialisable object: what it is, what it was trained on, how well it
 * did, how its margins become probabilities, and its trees or coefficients. `version` is the format
 * of this object; a reader refuses versions it does not know rather than guess.
 */
export const MODEL_ARTIFACT_VERSION = 'scoring-model/v1';
export const SUPPORTED_MODEL_ARTIFACT_VERSIONS: readonly string[] = [MODEL_ARTIFACT_VERSION];

export type ModelKind = 'gradient-boosted-trees' | 'logistic-regression';
export const MODEL_KINDS: readonly ModelKind[] = ['gradient-boosted-trees', 'logistic-regression'];

export interface ArtifactFeature {
  readonly name: string;
  readonly description: string;
  readonly imputeWith: number;
}

/** Observed default rate against mean predicted probability, per tenth of the validation set by score. */
export interface ReliabilityBin {
  readonly meanPredicted: number;
  readonly observedRate: number;
  readonly n: number;
}

export interface CandidateResult {
  readonly kind: ModelKind;
  /** AUC of the candidate's margins on the validation split (the selection criterion). */
  readonly validationAuc: number;
}

export interface ArtifactMetrics {
  /**
   * Calibrated probabilities, on the validation split, of the chosen model as fitted on the rest (the
   * split it was early-stopped, chosen and calibrated on; before any refit on all rows).
   */
  readonly validation: ClassificationMetrics;
  readonly candidates: readonly CandidateResult[];
  readonly reliability: readonly ReliabilityBin[];
}

interface ArtifactBase {
  readonly version: string;
  readonly kind: ModelKind;
  readonly createdAt: string;
  readonly seed: number;
  readonly features: readonly ArtifactFeature[];
  /** sha256 of the training rows (see `fingerprintAccounts`). */
  readonly trainingDataFingerprint: string;
  /** Rows the final trees or coefficients were fitted on (all rows after a refit). */
  readonly trainingRows: number;
  /** Rows held out for early stopping, model choice and calibration. */
  readonly validationRows: number;
  readonly metrics: ArtifactMetrics;
  readonly calibration: Calibration;
}

export interface GradientBoostedTreesArtifact extends ArtifactBase {
  readonly kind: 'gradient-boosted-trees';
  readonly hyperParameters: GradientBoostingParams;
  readonly baseScore: number;
  readonly trees: readonly RegressionTree[];
}

export interface LogisticRegressionArtifact extends ArtifactBase {
  readonly kind: 'logistic-regression';
  readonly hyperParameters: LogisticRegressionParams;
  readonly logistic: LogisticModel;
}

export type ModelArtifact = GradientBoostedTreesArtifact | LogisticRegressionArtifact;

export function currentArtifactFeatures(): ArtifactFeature[] {
  return FEATURE_DEFINITIONS.map(({ name, description, imputeWith }) => ({ name, description, imputeWith }));
}

function malformed(message: string, field?: string): ScoringModelException {
  return new ScoringModelException(ScoringModelErrorCode.InvalidModelArtifact, `model artifact: ${message}`, field);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberArray(value: unknown, field: string, length?: number): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw malformed(`${field} must be an array of finite numbers`, field);
  }
  if (length !== undefined && value.length !== length) throw malformed(`${field} must hold ${length} numbers`, field);
  return value as number[];
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw malformed(`${field} must be a finite number`, field);
  return value;
}

function checkTree(value: unknown, index: number, featureCount: number): void {
  const field = `trees[${index}]`;
  if (!isRecord(value)) throw malformed(`${field} must be an object`, field);
  const feature = numberArray(value.feature, `${field}.feature`);
  const n = feature.length;
  if (n === 0) throw malformed(`${field} has no nodes`, field);
  numberArray(value.threshold, `${field}.threshold`, n);
  const left = numberArray(value.left, `${field}.left`, n);
  const right = numberArray(value.right, `${field}.right`, n);
  numberArray(value.value, `${field}.value`, n);
  numberArray(value.cover, `${field}.cover`, n);
  for (let node = 0; node < n; node++) {
    if (feature[node] < 0) continue;
    // children always come after their parent, which also rules out cycles
    const ok =
      Number.isInteger(feature[node]) &&
      feature[node] < featureCount &&
      left[node] > node &&
      left[node] < n &&
      right[node] > node &&
      right[node] < n;
    if (!ok) throw malformed(`${field} node ${node} has an invalid feature or children`, field);
  }
}

function checkCalibration(value: unknown): void {
  if (!isRecord(value)) throw malformed('calibration must be an object', 'calibration');
  if (value.method === 'platt') {
    finite(value.slope, 'calibration.slope');
    finite(value.intercept, 'calibration.intercept');
  } else if (value.method === 'isotonic') {
    const margins = numberArray(value.margins, 'calibration.margins');
    const probabilities = numberArray(value.probabilities, 'calibration.probabilities', margins.length);
    if (margins.length === 0) throw malformed('isotonic calibration needs points', 'calibration.margins');
    for (let i = 1; i < margins.length; i++) {
      if (!(margins[i] > margins[i - 1]) || probabilities[i] < probabilities[i - 1]) {
        throw malformed('isotonic calibration points must increase', 'calibration');
      }
    }
  } else {
    throw malformed(`calibration method ${String(value.method)} is unknown`, 'calibration.method');
  }
}

/**
 * Checks that a parsed JSON value is an artifact this code can score with: a known version, a known
 * kind, the current feature set (same names in the same order), well-formed trees or coefficients.
 */
export function parseModelArtifact(value: unknown): ModelArtifact {
  if (!isRecord(value)) throw malformed('must be a JSON object');
  const version = value.version;
  if (typeof version !== 'string' || !SUPPORTED_MODEL_ARTIFACT_VERSIONS.includes(version)) {
    throw new ScoringModelException(
      ScoringModelErrorCode.UnsupportedModelVersion,
      `model artifact version ${JSON.stringify(version)} is not supported; this build reads ${SUPPORTED_MODEL_ARTIFACT_VERSIONS.join(', ')}`,
      'version',
    );
  }
  const kind = value.kind;
  if (typeof kind !== 'string' || !MODEL_KINDS.includes(kind as ModelKind)) {
    throw malformed(`kind ${JSON.stringify(kind)} is unknown; expected one of ${MODEL_KINDS.join(', ')}`, 'kind');
  }
  if (!Array.isArray(value.features)) throw malformed('features must be an array', 'features');
  const names = value.features.map((f: unknown) => (isRecord(f) ? f.name : undefined));
  if (names.length !== FEATURE_NAMES.length || names.some((name, i) => name !== FEATURE_NAMES[i])) {
    throw malformed(
      `was trained on features [${names.join(', ')}] but this build computes [${FEATURE_NAMES.join(', ')}]`,
      'features',
    );
  }
  if (typeof value.trainingDataFingerprint !== 'string') {
    throw malformed('trainingDataFingerprint must be a string', 'trainingDataFingerprint');
  }
  checkCalibration(value.calibration);
  if (kind === 'gradient-boosted-trees') {
    finite(value.baseScore, 'baseScore');
    if (!Array.isArray(value.trees) || value.trees.length === 0)
      throw malformed('trees must be a non-empty array', 'trees');
    value.trees.forEach((tree, i) => checkTree(tree, i, FEATURE_NAMES.length));
  } else {
    const logistic = value.logistic;
    if (!isRecord(logistic)) throw malformed('logistic must be an object', 'logistic');
    finite(logistic.intercept, 'logistic.intercept');
    numberArray(logistic.coefficients, 'logistic.coefficients', FEATURE_NAMES.length);
    numberArray(logistic.means, 'logistic.means', FEATURE_NAMES.length);
    const scales = numberArray(logistic.scales, 'logistic.scales', FEATURE_NAMES.length);
    if (scales.some((s) => !(s > 0))) throw malformed('logistic.scales must be positive', 'logistic.scales');
  }
  return value as unknown as ModelArtifact;
}
