/**
 * Population stability index (PSI): how far a live population's distribution of one quantity (a
 * feature, or the score) has moved from the distribution the model was trained on.
 *
 *   PSI = sum over bins b of (live_b - reference_b) * ln(live_b / reference_b)
 *
 * with live_b and reference_b the shares of each population in bin b. It is the symmetrised
 * Kullback–Leibler divergence, so it is never negative, is 0 only for identical shares and does not
 * change when the two populations swap roles. Usual reading: below 0.1 stable, 0.1–0.25 a shift
 * worth a look, above 0.25 a shift that calls for a retrain.
 *
 * Bins are given by increasing cut points c_1 < … < c_k: bin i (0..k) holds c_i <= x < c_{i+1}
 * (with c_0 = -Infinity, c_{k+1} = +Infinity). That is PostgreSQL's `width_bucket(x, cuts)`, so the
 * database can count bins with the very same rule.
 */

/**
 * No reference bin holds less than this share: a bin of a few rows in a million (a status of 8)
 * makes PSI jump whenever one live account lands in it.
 */
export const MIN_BIN_SHARE = 0.02;

/** Shares below this are raised to it, so an empty bin on either side costs a large but finite amount. */
export const PSI_EPSILON = 1e-4;

/** The reference distribution of one quantity: its cut points and the share of the reference in each bin. */
export interface BinnedDistribution {
  /** Increasing cut points; there are `cuts.length + 1` bins. */
  readonly cuts: readonly number[];
  /** Share of the reference population in each bin; sums to 1. */
  readonly proportions: readonly number[];
}

/** Bin of a value: how many cut points are at or below it (0..cuts.length). */
export function binIndex(cuts: readonly number[], value: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cuts[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many values fall in each bin of `cuts`. */
export function binCounts(cuts: readonly number[], values: ArrayLike<number>): number[] {
  const counts = new Array<number>(cuts.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) counts[binIndex(cuts, values[i])]++;
  return counts;
}

/** Counts as shares of their total (all zeros when the total is 0). */
export function proportionsOf(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, c) => sum + c, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/**
 * Cut points of at most `maxBins` bins of roughly equal counts (deciles by default). Runs of equal
 * values are never split: a cut that would fall inside a run moves to the next distinct value, so
 * a feature with few distinct values (a status, a count of months) still gets one bin per value,
 * and a rare value beside a dominant one (5% delayed beside 95% never delayed) keeps a bin of its
 * own instead of vanishing into the dominant one — where a shift would then be invisible. A cut
 * that would leave less than `minShare` of the values on either side is dropped.
 */
export function quantileCuts(values: ArrayLike<number>, maxBins = 10, minShare = MIN_BIN_SHARE): number[] {
  if (!Number.isInteger(maxBins) || maxBins < 1) throw new RangeError('maxBins must be a positive integer');
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  const cuts: number[] = [];
  if (n === 0) return cuts;
  /** Index of the first value above `value`. */
  const above = (value: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const minCount = Math.max(1, Math.ceil(minShare * n));
  let binStart = 0; // index of the first value of the bin being filled
  for (let b = 1; b < maxBins; b++) {
    const floor = sorted[binStart];
    let at = Math.ceil((b * n) / maxBins);
    if (at >= n) break;
    if (sorted[at] <= floor) at = above(floor);
    if (at >= n) break;
    // the bin closed by this cut holds every value below it: start counting from the run's first value
    while (at > binStart && sorted[at - 1] === sorted[at]) at--;
    // too small a bin so far: let the next cut close it; too little left: stop here
    if (at - binStart < minCount) continue;
    if (n - at < minCount) break;
    cuts.push(sorted[at]);
    binStart = at;
  }
  return cuts;
}

/** The reference distribution of `values`: quantile cut points and the share in each bin. */
export function binnedDistribution(values: ArrayLike<number>, maxBins = 10): BinnedDistribution {
  const cuts = quantileCuts(values, maxBins);
  return { cuts, proportions: proportionsOf(binCounts(cuts, values)) };
}

/**
 * PSI between two share vectors over the same bins. Shares under `epsilon` are raised to it. NaN
 * when either side is empty (all zeros): there is no population to compare.
 */
export function populationStabilityIndex(
  reference: readonly number[],
  live: readonly number[],
  epsilon = PSI_EPSILON,
): number {
  if (reference.length !== live.length) {
    throw new RangeError(`PSI needs the same bins on both sides, got ${reference.length} and ${live.length}`);
  }
  const referenceTotal = reference.reduce((sum, p) => sum + p, 0);
  const liveTotal = live.reduce((sum, p) => sum + p, 0);
  if (!(referenceTotal > 0) || !(liveTotal > 0)) return NaN;
  let psi = 0;
  for (let b = 0; b < reference.length; b++) {
    const r = Math.max(reference[b] / referenceTotal, epsilon);
    const l = Math.max(live[b] / liveTotal, epsilon);
    psi += (l - r) * Math.log(l / r);
  }
  return psi;
}

/** PSI of live bin counts against a reference distribution. */
export function populationStabilityOfCounts(reference: BinnedDistribution, liveCounts: readonly number[]): number {
  return populationStabilityIndex(reference.proportions, liveCounts);
}
