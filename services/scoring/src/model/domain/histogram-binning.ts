/**
 * Quantile binning of a row-major feature matrix into at most 255 bins per feature, so that tree
 * training scans small histograms instead of sorted values.
 *
 * Bin b of feature f holds the values x with upperBounds[f][b-1] < x <= upperBounds[f][b]; the
 * last upper bound is +Infinity. A split "bin <= b" is therefore the split "x <= upperBounds[f][b]",
 * which is how trees keep real-valued thresholds for scoring.
 */
export const MAX_BINS = 255;

export interface BinEdges {
  /** Per feature, increasing upper bounds; the last is +Infinity. */
  readonly upperBounds: readonly Float64Array[];
}

/** A matrix of values stored row after row: value of row r, feature f at r * features + f. */
export interface FeatureMatrix {
  readonly values: Float64Array;
  readonly rows: number;
  readonly features: number;
}

/** Midpoint of two neighbouring distinct values, never equal to the upper one. */
function between(lower: number, upper: number): number {
  const mid = lower + (upper - lower) / 2;
  return mid < upper ? mid : lower;
}

/**
 * Upper bounds for one feature: every distinct value gets its own bin when there are few enough,
 * otherwise bins of roughly equal counts that never split a run of equal values.
 */
export function binBoundsForColumn(column: Float64Array, maxBins: number): Float64Array {
  const sorted = Float64Array.from(column).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    distinct.push(sorted[i]);
    counts.push(j - i);
    i = j;
  }
  const bounds: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 0; k + 1 < distinct.length; k++) bounds.push(between(distinct[k], distinct[k + 1]));
  } else {
    let remainingRows = sorted.length;
    let remainingBins = maxBins;
    let inBin = 0;
    for (let k = 0; k + 1 < distinct.length && remainingBins > 1; k++) {
      inBin += counts[k];
      // close the bin once it holds its share of what is left, re-spreading after heavy runs
      if (inBin >= remainingRows / remainingBins) {
        bounds.push(between(distinct[k], distinct[k + 1]));
        remainingRows -= inBin;
        remainingBins--;
        inBin = 0;
      }
    }
  }
  bounds.push(Infinity);
  return Float64Array.from(bounds);
}

export function fitBinEdges(matrix: FeatureMatrix, maxBins = MAX_BINS): BinEdges {
  if (maxBins < 2 || maxBins > MAX_BINS) throw new RangeError(`maxBins must be within 2..${MAX_BINS}`);
  const column = new Float64Array(matrix.rows);
  const upperBounds: Float64Array[] = [];
  for (let f = 0; f < matrix.features; f++) {
    for (let r = 0; r < matrix.rows; r++) column[r] = matrix.values[r * matrix.features + f];
    upperBounds.push(binBoundsForColumn(column, maxBins));
  }
  return { upperBounds };
}

/** The bin of a value: the first upper bound at or above it. */
export function binOf(bounds: Float64Array, value: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= bounds[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Bins a matrix with given edges; the result is row-major like the input. */
export function binMatrix(matrix: FeatureMatrix, edges: BinEdges): Uint8Array {
  const bins = new Uint8Array(matrix.rows * matrix.features);
  for (let r = 0; r < matrix.rows; r++) {
    const offset = r * matrix.features;
    for (let f = 0; f < matrix.features; f++) bins[offset + f] = binOf(edges.upperBounds[f], matrix.values[offset + f]);
  }
  return bins;
}
