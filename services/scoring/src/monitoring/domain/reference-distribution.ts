import { BinnedDistribution, binnedDistribution } from './population-stability';

/**
 * What the model's training population looked like, for population-stability monitoring: per
 * feature and for the score (probability to pay), quantile cut points and the share of training
 * rows in each bin. Kept beside the model artifact (`<artifact>.reference.json`) rather than in it,
 * so that adding it changed no artifact, and tied to the artifact by its training-data fingerprint.
 */
export const REFERENCE_DISTRIBUTION_VERSION = 'scoring-reference/v1';

/** Deciles: enough resolution for PSI, few enough rows per bin to stay stable on small populations. */
export const REFERENCE_BINS = 10;

export interface FeatureReference extends BinnedDistribution {
  readonly name: string;
}

export interface ReferenceDistribution {
  readonly version: string;
  /** `trainingDataFingerprint` of the artifact whose training rows these are. */
  readonly trainingDataFingerprint: string;
  readonly rows: number;
  /** In the artifact's feature order. */
  readonly features: readonly FeatureReference[];
  /** Distribution of the calibrated probability to pay. */
  readonly score: BinnedDistribution;
}

/** The reference of a row-major feature matrix (`rows` x `featureNames.length`) and its scores. */
export function buildReferenceDistribution(input: {
  trainingDataFingerprint: string;
  featureNames: readonly string[];
  values: Float64Array;
  rows: number;
  probabilitiesToPay: ArrayLike<number>;
  bins?: number;
}): ReferenceDistribution {
  const { featureNames, values, rows } = input;
  const bins = input.bins ?? REFERENCE_BINS;
  const width = featureNames.length;
  if (values.length !== rows * width) throw new RangeError('values must hold rows x features numbers');
  const column = new Float64Array(rows);
  const features = featureNames.map((name, f): FeatureReference => {
    for (let r = 0; r < rows; r++) column[r] = values[r * width + f];
    return { name, ...binnedDistribution(column, bins) };
  });
  return {
    version: REFERENCE_DISTRIBUTION_VERSION,
    trainingDataFingerprint: input.trainingDataFingerprint,
    rows,
    features,
    score: binnedDistribution(input.probabilitiesToPay, bins),
  };
}

export class InvalidReferenceDistribution extends Error {
  override readonly name = 'InvalidReferenceDistribution';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkBinned(value: unknown, field: string): BinnedDistribution {
  if (!isRecord(value)) throw new InvalidReferenceDistribution(`${field} must be an object`);
  const { cuts, proportions } = value;
  const finiteArray = (a: unknown): a is number[] =>
    Array.isArray(a) && a.every((x) => typeof x === 'number' && Number.isFinite(x));
  if (!finiteArray(cuts) || !finiteArray(proportions)) {
    throw new InvalidReferenceDistribution(`${field} needs arrays of finite cuts and proportions`);
  }
  if (proportions.length !== cuts.length + 1) {
    throw new InvalidReferenceDistribution(`${field} needs one proportion more than cuts`);
  }
  if (cuts.some((c, i) => i > 0 && !(c > cuts[i - 1]))) {
    throw new InvalidReferenceDistribution(`${field}.cuts must increase`);
  }
  return { cuts, proportions };
}

/**
 * Checks a parsed reference against the model it is meant for: same format version, same training
 * data, the same features in the same order. A reference for other training rows would make every
 * PSI meaningless, so it is refused rather than used.
 */
export function parseReferenceDistribution(
  value: unknown,
  model: { trainingDataFingerprint: string; featureNames: readonly string[] },
): ReferenceDistribution {
  if (!isRecord(value)) throw new InvalidReferenceDistribution('reference distribution must be a JSON object');
  if (value.version !== REFERENCE_DISTRIBUTION_VERSION) {
    throw new InvalidReferenceDistribution(`reference version ${String(value.version)} is not supported`);
  }
  if (value.trainingDataFingerprint !== model.trainingDataFingerprint) {
    throw new InvalidReferenceDistribution(
      `reference was built from ${String(value.trainingDataFingerprint)} but the model was trained on ${model.trainingDataFingerprint}`,
    );
  }
  const features = Array.isArray(value.features) ? value.features : [];
  const names = features.map((f: unknown) => (isRecord(f) ? f.name : undefined));
  if (names.length !== model.featureNames.length || names.some((n, i) => n !== model.featureNames[i])) {
    throw new InvalidReferenceDistribution('reference features differ from the model features');
  }
  return {
    version: REFERENCE_DISTRIBUTION_VERSION,
    trainingDataFingerprint: model.trainingDataFingerprint,
    rows: typeof value.rows === 'number' ? value.rows : 0,
    features: features.map((f, i) => ({ name: model.featureNames[i], ...checkBinned(f, `features[${i}]`) })),
    score: checkBinned(value.score, 'score'),
  };
}
