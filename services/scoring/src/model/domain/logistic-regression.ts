import { FeatureMatrix } from './histogram-binning';
import { LabelledMatrix } from './gradient-boosting';
import { ScoringModelErrorCode, ScoringModelException } from './scoring-model.exception';

/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method (IRLS):
 * with a few dozen features the Hessian is tiny, it converges in a handful of steps and the result
 * does not depend on a learning rate or on row order.
 */
export interface LogisticRegressionParams {
  /** Penalty on the squared standardised coefficients (not the intercept), per training row. */
  readonly l2Regularisation: number;
  readonly maxIterations: number;
}

export const DEFAULT_LOGISTIC_REGRESSION_PARAMS: LogisticRegressionParams = {
  l2Regularisation: 1e-3,
  maxIterations: 50,
};

/** Coefficients apply to standardised features: margin = intercept + sum_j coefficient_j * (x_j - mean_j) / scale_j. */
export interface LogisticModel {
  readonly intercept: number;
  readonly coefficients: readonly number[];
  readonly means: readonly number[];
  readonly scales: readonly number[];
}

export function logisticMargin(model: LogisticModel, values: ArrayLike<number>, offset = 0): number {
  let margin = model.intercept;
  for (let j = 0; j < model.coefficients.length; j++) {
    margin += (model.coefficients[j] * (values[offset + j] - model.means[j])) / model.scales[j];
  }
  return margin;
}

/** Per-feature contributions to the margin (they sum to margin - intercept); the intercept is the margin at the mean. */
export function logisticContributions(model: LogisticModel, values: ArrayLike<number>, offset = 0): Float64Array {
  const contributions = new Float64Array(model.coefficients.length);
  for (let j = 0; j < contributions.length; j++) {
    contributions[j] = (model.coefficients[j] * (values[offset + j] - model.means[j])) / model.scales[j];
  }
  return contributions;
}

/** Solves A x = b for a symmetric positive-definite A (row-major, size d x d) by Cholesky. */
function solveSymmetric(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * d + j];
      for (let k = 0; k < j; k++) sum -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(sum > 0)) throw new ScoringModelException(ScoringModelErrorCode.InvalidDataset, 'singular Hessian');
        l[i * d + i] = Math.sqrt(sum);
      } else {
        l[i * d + j] = sum / l[j * d + j];
      }
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * d + k] * y[k];
    y[i] = sum / l[i * d + i];
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < d; k++) sum -= l[k * d + i] * x[k];
    x[i] = sum / l[i * d + i];
  }
  return x;
}

function standardise(matrix: FeatureMatrix): { means: number[]; scales: number[]; z: Float64Array } {
  const { rows, features, values } = matrix;
  const means = new Array<number>(features).fill(0);
  const scales = new Array<number>(features).fill(0);
  for (let r = 0; r < rows; r++) for (let f = 0; f < features; f++) means[f] += values[r * features + f];
  for (let f = 0; f < features; f++) means[f] /= rows;
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) {
      const d = values[r * features + f] - means[f];
      scales[f] += d * d;
    }
  }
  // a constant feature keeps scale 1 (its standardised value is always 0)
  for (let f = 0; f < features; f++) scales[f] = Math.sqrt(scales[f] / rows) || 1;
  const z = new Float64Array(rows * features);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) z[r * features + f] = (values[r * features + f] - means[f]) / scales[f];
  }
  return { means, scales, z };
}

export function trainLogisticRegression(
  train: LabelledMatrix,
  params: LogisticRegressionParams = DEFAULT_LOGISTIC_REGRESSION_PARAMS,
): LogisticModel {
  if (!(params.l2Regularisation >= 0)) {
    throw new ScoringModelException(
      ScoringModelErrorCode.InvalidOptions,
      'l2Regularisation must be >= 0',
      'l2Regularisation',
    );
  }
  const { rows, features } = train;
  const { means, scales, z } = standardise(train);
  const d = features + 1; // weights[0] is the intercept
  const weights = new Float64Array(d);
  let positives = 0;
  for (let r = 0; r < rows; r++) positives += train.labels[r];
  if (positives === 0 || positives === rows) {
    throw new ScoringModelException(ScoringModelErrorCode.InvalidDataset, 'training set needs both classes');
  }
  weights[0] = Math.log(positives / (rows - positives));
  const penalty = params.l2Regularisation * rows;
  const lossOf = (w: Float64Array): number => {
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      let m = w[0];
      for (let f = 0; f < features; f++) m += w[f + 1] * z[r * features + f];
      loss += (m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m))) - train.labels[r] * m;
    }
    for (let f = 1; f < d; f++) loss += 0.5 * penalty * w[f] * w[f];
    return loss;
  };
  let current = lossOf(weights);
  const x = new Float64Array(d);
  for (let iteration = 0; iteration < params.maxIterations; iteration++) {
    const gradient = new Float64Array(d);
    const hessian = new Float64Array(d * d);
    for (let r = 0; r < rows; r++) {
      x[0] = 1;
      for (let f = 0; f < features; f++) x[f + 1] = z[r * features + f];
      let m = 0;
      for (let j = 0; j < d; j++) m += weights[j] * x[j];
      const p = 1 / (1 + Math.exp(-m));
      const residual = p - train.labels[r];
      const w = Math.max(p * (1 - p), 1e-12);
      for (let i = 0; i < d; i++) {
        gradient[i] += residual * x[i];
        const wx = w * x[i];
        for (let j = 0; j <= i; j++) hessian[i * d + j] += wx * x[j];
      }
    }
    for (let i = 0; i < d; i++) for (let j = 0; j < i; j++) hessian[j * d + i] = hessian[i * d + j];
    for (let i = 1; i < d; i++) {
      gradient[i] += penalty * weights[i];
      hessian[i * d + i] += penalty;
    }
    // a whisker of ridge keeps a constant feature (all-zero standardised column) from making H singular
    for (let i = 0; i < d; i++) hessian[i * d + i] += 1e-9 * rows;
    const step = solveSymmetric(hessian, gradient, d);
    // damped Newton: halve the step until the loss does not increase
    let scale = 1;
    let candidate = weights.map((w, i) => w - step[i]);
    let loss = lossOf(candidate);
    while (loss > current && scale > 1e-6) {
      scale /= 2;
      candidate = weights.map((w, i) => w - scale * step[i]);
      loss = lossOf(candidate);
    }
    if (loss > current) break;
    weights.set(candidate);
    const improvement = current - loss;
    current = loss;
    if (improvement < 1e-9 * Math.max(1, current)) break;
  }
  return { intercept: weights[0], coefficients: Array.from(weights.subarray(1)), means, scales };
}
