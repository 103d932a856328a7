import { RegressionTree, treeDepth } from './regression-tree';

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2): the Shapley values of a
 * tree's output where "feature unknown" means "follow both branches weighted by training cover". It
 * runs in O(leaves x depth^2) per tree instead of enumerating feature subsets.
 *
 * The values add up: expectedValue(tree) + sum(phi) = tree output for x.
 */

/** The cover-weighted mean output of a tree: its output when no feature is known. */
export function expectedTreeOutput(tree: RegressionTree, node = 0): number {
  if (tree.feature[node] < 0) return tree.value[node];
  const cover = tree.cover[node];
  const left = tree.left[node];
  const right = tree.right[node];
  if (!(cover > 0)) return 0.5 * (expectedTreeOutput(tree, left) + expectedTreeOutput(tree, right));
  return (
    (tree.cover[left] * expectedTreeOutput(tree, left) + tree.cover[right] * expectedTreeOutput(tree, right)) / cover
  );
}

const RECIPROCALS = Float64Array.from({ length: 256 }, (_, k) => 1 / k);

/** 1 / k from a table for the small integers path arithmetic divides by. */
function reciprocal(k: number): number {
  return k < RECIPROCALS.length ? RECIPROCALS[k] : 1 / k;
}

/** The unique-feature path of Algorithm 2, stored as parallel arrays in slices, one slice per depth. */
class PathStore {
  readonly feature: Int32Array;
  readonly zeroFraction: Float64Array;
  readonly oneFraction: Float64Array;
  readonly weight: Float64Array;

  constructor(size: number) {
    this.feature = new Int32Array(size);
    this.zeroFraction = new Float64Array(size);
    this.oneFraction = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  copy(from: number, to: number, length: number): void {
    // plain loops: paths are a handful of elements, too short for copyWithin's call overhead
    for (let i = 0; i < length; i++) {
      this.feature[to + i] = this.feature[from + i];
      this.zeroFraction[to + i] = this.zeroFraction[from + i];
      this.oneFraction[to + i] = this.oneFraction[from + i];
      this.weight[to + i] = this.weight[from + i];
    }
  }

  extend(at: number, depth: number, zeroFraction: number, oneFraction: number, feature: number): void {
    const w = this.weight;
    this.feature[at + depth] = feature;
    this.zeroFraction[at + depth] = zeroFraction;
    this.oneFraction[at + depth] = oneFraction;
    w[at + depth] = depth === 0 ? 1 : 0;
    const perLength = reciprocal(depth + 1);
    for (let i = depth - 1; i >= 0; i--) {
      w[at + i + 1] += oneFraction * w[at + i] * (i + 1) * perLength;
      w[at + i] = zeroFraction * w[at + i] * (depth - i) * perLength;
    }
  }

  unwind(at: number, depth: number, index: number): void {
    const w = this.weight;
    const oneFraction = this.oneFraction[at + index];
    const zeroFraction = this.zeroFraction[at + index];
    let nextOnePortion = w[at + depth];
    for (let i = depth - 1; i >= 0; i--) {
      if (oneFraction !== 0) {
        const tmp = w[at + i];
        w[at + i] = (nextOnePortion * (depth + 1)) / ((i + 1) * oneFraction);
        nextOnePortion = tmp - (w[at + i] * zeroFraction * (depth - i)) / (depth + 1);
      } else {
        w[at + i] = (w[at + i] * (depth + 1)) / (zeroFraction * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      this.feature[at + i] = this.feature[at + i + 1];
      this.zeroFraction[at + i] = this.zeroFraction[at + i + 1];
      this.oneFraction[at + i] = this.oneFraction[at + i + 1];
    }
  }

  /** Sum of the path weights if element `index` were unwound, without changing the path. */
  unwoundSum(at: number, depth: number, index: number): number {
    const w = this.weight;
    const oneFraction = this.oneFraction[at + index];
    const zeroFraction = this.zeroFraction[at + index];
    let nextOnePortion = w[at + depth];
    let total = 0;
    // the same arithmetic as the paper's UNWOUND-SUM with divisions turned into multiplications,
    // since divisions dominate the cost of explaining a score
    const pathLength = depth + 1;
    const perLength = reciprocal(pathLength);
    if (oneFraction !== 0) {
      const perOne = 1 / oneFraction;
      for (let i = depth - 1; i >= 0; i--) {
        const tmp = nextOnePortion * pathLength * reciprocal(i + 1) * perOne;
        total += tmp;
        nextOnePortion = w[at + i] - tmp * zeroFraction * (depth - i) * perLength;
      }
    } else if (zeroFraction !== 0) {
      const perZero = 1 / zeroFraction;
      for (let i = depth - 1; i >= 0; i--) total += w[at + i] * perZero * pathLength * reciprocal(depth - i);
    }
    return total;
  }
}

function recurse(
  tree: RegressionTree,
  x: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
  path: PathStore,
  node: number,
  parentAt: number,
  depth: number,
  zeroFraction: number,
  oneFraction: number,
  feature: number,
): void {
  // each level works on its own copy of the path, placed after the parent's
  const at = parentAt + depth;
  if (depth > 0) path.copy(parentAt, at, depth);
  path.extend(at, depth, zeroFraction, oneFraction, feature);

  const split = tree.feature[node];
  if (split < 0) {
    const value = tree.value[node];
    for (let i = 1; i <= depth; i++) {
      const weight = path.unwoundSum(at, depth, i);
      phi[path.feature[at + i]] += weight * (path.oneFraction[at + i] - path.zeroFraction[at + i]) * value;
    }
    return;
  }

  const goesLeft = x[offset + split] <= tree.threshold[node];
  const hot = goesLeft ? tree.left[node] : tree.right[node];
  const cold = goesLeft ? tree.right[node] : tree.left[node];
  const cover = tree.cover[node];
  const hotZeroFraction = cover > 0 ? tree.cover[hot] / cover : 0.5;
  const coldZeroFraction = cover > 0 ? tree.cover[cold] / cover : 0.5;
  let incomingZeroFraction = 1;
  let incomingOneFraction = 1;
  let uniqueDepth = depth;

  // a feature met again on the path is unwound first, then re-extended with the combined fractions
  let index = 0;
  while (index <= uniqueDepth && path.feature[at + index] !== split) index++;
  if (index <= uniqueDepth) {
    incomingZeroFraction = path.zeroFraction[at + index];
    incomingOneFraction = path.oneFraction[at + index];
    path.unwind(at, uniqueDepth, index);
    uniqueDepth -= 1;
  }
  recurse(
    tree,
    x,
    offset,
    phi,
    path,
    hot,
    at,
    uniqueDepth + 1,
    hotZeroFraction * incomingZeroFraction,
    incomingOneFraction,
    split,
  );
  recurse(tree, x, offset, phi, path, cold, at, uniqueDepth + 1, coldZeroFraction * incomingZeroFraction, 0, split);
}

/** Adds the SHAP values of one tree's output for the row at `x[offset..]` into `phi` (one slot per feature). */
export function addTreeShap(tree: RegressionTree, x: ArrayLike<number>, offset: number, phi: Float64Array): void {
  const depth = treeDepth(tree);
  addTreeShapWithPath(tree, x, offset, phi, new PathStore(pathStoreSize(depth)));
}

/** Room for the path copies of every level of a tree of this depth (Algorithm 2's (D+2)(D+3)/2). */
function pathStoreSize(depth: number): number {
  return ((depth + 2) * (depth + 3)) / 2;
}

function addTreeShapWithPath(
  tree: RegressionTree,
  x: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
  path: PathStore,
): void {
  // the root element (feature -1) carries no attribution; it only seeds the path weights
  recurse(tree, x, offset, phi, path, 0, 0, 0, 1, 1, -1);
}

/**
 * SHAP values of a forest's margin, with what does not depend on the row (each tree's expected output,
 * the path scratch space) computed once per forest.
 */
export class ForestExplainer {
  /** Base score plus every tree's expected output: the margin when nothing is known about the row. */
  readonly baseValue: number;
  private readonly path: PathStore;

  constructor(
    private readonly trees: readonly RegressionTree[],
    baseScore: number,
  ) {
    this.baseValue = trees.reduce((sum, tree) => sum + expectedTreeOutput(tree), baseScore);
    const depth = trees.reduce((max, tree) => Math.max(max, treeDepth(tree)), 0);
    this.path = new PathStore(pathStoreSize(depth));
  }

  /** Per-feature contributions for the row at `x[offset..]`: baseValue + sum(contributions) = margin. */
  contributions(x: ArrayLike<number>, features: number, offset = 0): Float64Array {
    const phi = new Float64Array(features);
    for (const tree of this.trees) addTreeShapWithPath(tree, x, offset, phi, this.path);
    return phi;
  }
}

/**
 * SHAP values of a forest's margin for one row: `contributions` per feature and the `baseValue`
 * (base score plus every tree's expected output), so that baseValue + sum(contributions) = margin.
 */
export function forestShap(
  trees: readonly RegressionTree[],
  baseScore: number,
  x: ArrayLike<number>,
  features: number,
  offset = 0,
): { baseValue: number; contributions: Float64Array } {
  const explainer = new ForestExplainer(trees, baseScore);
  return { baseValue: explainer.baseValue, contributions: explainer.contributions(x, features, offset) };
}
