/**
 * Calibration of predicted default probabilities against what happened: the expected calibration
 * error (ECE) over equal-width probability bins,
 *
 *   ECE = sum over bins b of (n_b / N) * |mean predicted_b - observed default rate_b|
 *
 * 0 when, in every bin, the share that defaulted equals the mean probability the model gave them;
 * at most 1. Equal-width bins (not quantiles) keep a bin's meaning fixed between scrapes.
 */
export const CALIBRATION_BINS = 10;

export interface CalibrationBin {
  /** Lower edge of the bin's probabilities (the bin holds lower <= p < lower + 1/bins; the last includes 1). */
  readonly lower: number;
  readonly n: number;
  readonly meanPredicted: number;
  readonly observedRate: number;
}

export interface CalibrationReport {
  /** Expected calibration error; NaN without observations. */
  readonly expectedCalibrationError: number;
  /** Mean predicted probability minus observed rate over all observations (positive: too pessimistic). */
  readonly meanBias: number;
  readonly n: number;
  /** Non-empty bins only, by increasing probability. */
  readonly bins: readonly CalibrationBin[];
}

/** `labels` are 1 for a default; `probabilities` are the predicted probabilities of default. */
export function calibrationReport(
  labels: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  binCount = CALIBRATION_BINS,
): CalibrationReport {
  if (labels.length !== probabilities.length) throw new RangeError('labels and probabilities differ in length');
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError('binCount must be a positive integer');
  const n = labels.length;
  const count = new Array<number>(binCount).fill(0);
  const predicted = new Array<number>(binCount).fill(0);
  const observed = new Array<number>(binCount).fill(0);
  let predictedTotal = 0;
  let observedTotal = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`probability ${p} at ${i} is outside [0, 1]`);
    const b = Math.min(Math.floor(p * binCount), binCount - 1);
    count[b]++;
    predicted[b] += p;
    observed[b] += labels[i];
    predictedTotal += p;
    observedTotal += labels[i];
  }
  let ece = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < binCount; b++) {
    if (count[b] === 0) continue;
    const meanPredicted = predicted[b] / count[b];
    const observedRate = observed[b] / count[b];
    ece += (count[b] / n) * Math.abs(meanPredicted - observedRate);
    bins.push({ lower: b / binCount, n: count[b], meanPredicted, observedRate });
  }
  return {
    expectedCalibrationError: n > 0 ? ece : NaN,
    meanBias: n > 0 ? (predictedTotal - observedTotal) / n : NaN,
    n,
    bins,
  };
}
