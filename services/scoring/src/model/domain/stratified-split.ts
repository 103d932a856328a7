import { SeededRandom } from './seeded-random';

/** Row indices of each class, shuffled by `random`. */
function shuffledByClass(labels: ArrayLike<number>, random: SeededRandom): Uint32Array[] {
  const byClass: number[][] = [[], []];
  for (let i = 0; i < labels.length; i++) byClass[labels[i] === 1 ? 1 : 0].push(i);
  return byClass.map((rows) => random.shuffle(Uint32Array.from(rows)));
}

/**
 * Assigns each row to one of `folds` folds so that every fold holds (to one row) the same share of
 * defaulters; returns the fold of each row.
 */
export function stratifiedFolds(labels: ArrayLike<number>, folds: number, random: SeededRandom): Uint8Array {
  const foldOf = new Uint8Array(labels.length);
  let position = 0;
  for (const rows of shuffledByClass(labels, random)) {
    // continue the round-robin across classes so fold sizes differ by at most one
    for (let i = 0; i < rows.length; i++) foldOf[rows[i]] = (position + i) % folds;
    position = (position + rows.length) % folds;
  }
  return foldOf;
}

/** Splits rows into a training part and a holdout of about `holdoutShare`, stratified by label. */
export function stratifiedHoldout(
  labels: ArrayLike<number>,
  holdoutShare: number,
  random: SeededRandom,
): { train: Uint32Array; holdout: Uint32Array } {
  const train: number[] = [];
  const holdout: number[] = [];
  for (const rows of shuffledByClass(labels, random)) {
    const cut = Math.round(rows.length * holdoutShare);
    for (let i = 0; i < rows.length; i++) (i < cut ? holdout : train).push(rows[i]);
  }
  const ascending = (a: number, b: number): number => a - b;
  return { train: Uint32Array.from(train.sort(ascending)), holdout: Uint32Array.from(holdout.sort(ascending)) };
}
