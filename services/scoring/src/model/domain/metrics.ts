/**
 * Classification metrics of a default-probability model. `labels` are 1 for a default; scores may be
 * probabilities or margins (AUC and KS only use their order).
 */
export interface ClassificationMetrics {
  /** Area under the ROC curve; ties count half (Mann–Whitney). */
  auc: number;
  /** Kolmogorov–Smirnov: the largest gap between the score distributions of defaulters and payers. */
  ks: number;
  /** Mean squared error of the probabilities. */
  brier: number;
  /** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 - 1e-15]. */
  logloss: number;
  n: number;
}

type Labels = ArrayLike<number>;
type Scores = ArrayLike<number>;

const LOG_LOSS_EPSILON = 1e-15;

function orderByScore(scores: Scores): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => scores[a] - scores[b] || a - b);
}

function classCounts(labels: Labels): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  return { positives, negatives: labels.length - positives };
}

/** Area under the ROC curve; NaN when one class is absent. */
export function rocAuc(labels: Labels, scores: Scores): number {
  const { positives, negatives } = classCounts(labels);
  if (positives === 0 || negatives === 0) return NaN;
  const order = orderByScore(scores);
  let positiveRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && scores[order[end]] === scores[order[start]]) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start..end-1 (1-based start+1..end)
    for (let i = start; i < end; i++) if (labels[order[i]] === 1) positiveRankSum += averageRank;
    start = end;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** KS statistic over all thresholds (tied scores move together); NaN when one class is absent. */
export function kolmogorovSmirnov(labels: Labels, scores: Scores): number {
  const { positives, negatives } = classCounts(labels);
  if (positives === 0 || negatives === 0) return NaN;
  const order = orderByScore(scores);
  let seenPositives = 0;
  let seenNegatives = 0;
  let best = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end < order.length && scores[order[end]] === scores[order[start]]) {
      if (labels[order[end]] === 1) seenPositives++;
      else seenNegatives++;
      end++;
    }
    best = Math.max(best, Math.abs(seenNegatives / negatives - seenPositives / positives));
    start = end;
  }
  return best;
}

export function brierScore(labels: Labels, probabilities: Scores): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const error = probabilities[i] - labels[i];
    sum += error * error;
  }
  return sum / labels.length;
}

export function logLoss(labels: Labels, probabilities: Scores): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, probabilities[i]));
    sum -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / labels.length;
}

export function classificationMetrics(labels: Labels, probabilities: Scores): ClassificationMetrics {
  return {
    auc: rocAuc(labels, probabilities),
    ks: kolmogorovSmirnov(labels, probabilities),
    brier: brierScore(labels, probabilities),
    logloss: logLoss(labels, probabilities),
    n: labels.length,
  };
}

export function sigmoid(margin: number): number {
  return margin >= 0 ? 1 / (1 + Math.exp(-margin)) : Math.exp(margin) / (1 + Math.exp(margin));
}

/** Murphy's decomposition of the Brier score over bins of equal count by probability. */
export interface BrierDecomposition {
  /** Mean squared gap between each bin's mean prediction and its observed rate (lower is better). */
  reliability: number;
  /** Mean squared gap between each bin's observed rate and the overall rate (higher is better). */
  resolution: number;
  /** base rate × (1 − base rate): the Brier score of always predicting the base rate. */
  uncertainty: number;
  bins: number;
}

/**
 * Brier ≈ reliability − resolution + uncertainty (exact when predictions are constant within each
 * bin). Only better ranking raises the resolution; calibration can at most remove the reliability.
 */
export function brierDecomposition(labels: Labels, probabilities: Scores, bins = 10): BrierDecomposition {
  const n = labels.length;
  const order = orderByScore(probabilities);
  const { positives } = classCounts(labels);
  const rate = positives / n;
  let reliability = 0;
  let resolution = 0;
  let used = 0;
  for (let b = 0; b < bins; b++) {
    const from = Math.floor((b * n) / bins);
    const to = Math.floor(((b + 1) * n) / bins);
    if (to <= from) continue;
    used++;
    let predicted = 0;
    let observed = 0;
    for (let i = from; i < to; i++) {
      predicted += probabilities[order[i]];
      observed += labels[order[i]];
    }
    const size = to - from;
    reliability += size * (predicted / size - observed / size) ** 2;
    resolution += size * (observed / size - rate) ** 2;
  }
  return { reliability: reliability / n, resolution: resolution / n, uncertainty: rate * (1 - rate), bins: used };
}
