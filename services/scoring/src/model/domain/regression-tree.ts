import { FeatureMatrix } from './histogram-binning';

/**
 * A regression tree of a boosted ensemble, as plain number arrays so it serialises to JSON as is.
 * Node 0 is the root. An internal node sends x to `left` when x[feature] <= threshold, else `right`.
 */
export interface RegressionTree {
  /** Feature index per node; -1 for a leaf. */
  readonly feature: readonly number[];
  readonly threshold: readonly number[];
  readonly left: readonly number[];
  readonly right: readonly number[];
  /** Output of a leaf (shrinkage applied), in log-odds; 0 for internal nodes. */
  readonly value: readonly number[];
  /** Sum of the training hessians that reached the node (what TreeSHAP weighs branches by). */
  readonly cover: readonly number[];
}

export function isLeaf(tree: RegressionTree, node: number): boolean {
  return tree.feature[node] < 0;
}

/** Output of one tree for the row starting at `values[offset]`. */
export function treeOutput(tree: RegressionTree, values: ArrayLike<number>, offset = 0): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    node = values[offset + tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  }
  return tree.value[node];
}

export function treeDepth(tree: RegressionTree, node = 0): number {
  return isLeaf(tree, node) ? 0 : 1 + Math.max(treeDepth(tree, tree.left[node]), treeDepth(tree, tree.right[node]));
}

/** Trees deeper than this are not padded (a complete tree of depth d has 2^d leaves). */
const MAX_PADDED_DEPTH = 10;

/**
 * A forest compiled for batch scoring. Every tree is padded to a complete binary tree of the forest's
 * depth D (a leaf above depth D becomes nodes whose threshold is +Infinity, so rows always go left),
 * stored heap-ordered in flat typed arrays. Walking a tree is then exactly D steps of
 * `node = 2 * node + 1 + (x > threshold)`: no data-dependent branch for the CPU to mispredict, and eight
 * rows walk the same tree side by side so their memory loads overlap.
 */
export class CompiledForest {
  readonly depth: number;
  readonly treeCount: number;
  private readonly internalPerTree: number;
  private readonly leavesPerTree: number;
  private readonly featureOf: Int32Array;
  private readonly thresholdOf: Float64Array;
  private readonly leafValue: Float64Array;

  constructor(
    private readonly trees: readonly RegressionTree[],
    readonly baseScore: number,
  ) {
    this.treeCount = trees.length;
    this.depth = trees.reduce((max, tree) => Math.max(max, treeDepth(tree)), 0);
    const padded = this.depth <= MAX_PADDED_DEPTH;
    this.internalPerTree = padded ? (1 << this.depth) - 1 : 0;
    this.leavesPerTree = padded ? 1 << this.depth : 0;
    this.featureOf = new Int32Array(this.treeCount * this.internalPerTree);
    this.thresholdOf = new Float64Array(this.treeCount * this.internalPerTree);
    this.leafValue = new Float64Array(this.treeCount * this.leavesPerTree);
    if (padded) trees.forEach((tree, t) => this.pad(tree, t, 0, 0, 0));
  }

  private pad(tree: RegressionTree, t: number, source: number, heapIndex: number, level: number): void {
    if (level === this.depth) {
      this.leafValue[t * this.leavesPerTree + heapIndex - this.internalPerTree] = tree.value[source];
      return;
    }
    const at = t * this.internalPerTree + heapIndex;
    if (tree.feature[source] < 0) {
      this.featureOf[at] = 0;
      this.thresholdOf[at] = Infinity;
      this.pad(tree, t, source, 2 * heapIndex + 1, level + 1);
      this.pad(tree, t, source, 2 * heapIndex + 2, level + 1);
      return;
    }
    this.featureOf[at] = tree.feature[source];
    this.thresholdOf[at] = tree.threshold[source];
    this.pad(tree, t, tree.left[source], 2 * heapIndex + 1, level + 1);
    this.pad(tree, t, tree.right[source], 2 * heapIndex + 2, level + 1);
  }

  /** Margin (log-odds) of the row starting at `values[offset]`; trees are summed before the base score is added. */
  margin(values: Float64Array, offset: number): number {
    let sum = 0;
    if (this.depth > MAX_PADDED_DEPTH) {
      for (const tree of this.trees) sum += treeOutput(tree, values, offset);
      return this.baseScore + sum;
    }
    const { featureOf, thresholdOf, leafValue, depth, internalPerTree, leavesPerTree, treeCount } = this;
    for (
      let t = 0, base = 0, leaves = -internalPerTree;
      t < treeCount;
      t++, base += internalPerTree, leaves += leavesPerTree
    ) {
      let node = 0;
      for (let level = 0; level < depth; level++) {
        // unary + turns the comparison into 0/1 without a branch
        node = 2 * node + 1 + +(values[offset + featureOf[base + node]] > thresholdOf[base + node]);
      }
      sum += leafValue[leaves + node];
    }
    return this.baseScore + sum;
  }

  /** Margins of every row of a matrix into `out`. */
  margins(matrix: FeatureMatrix, out: Float64Array = new Float64Array(matrix.rows)): Float64Array {
    const { rows, features, values } = matrix;
    if (this.depth > MAX_PADDED_DEPTH) {
      for (let r = 0; r < rows; r++) out[r] = this.margin(values, r * features);
      return out;
    }
    const { featureOf, thresholdOf, leafValue, depth, internalPerTree, leavesPerTree, treeCount } = this;
    let r = 0;
    for (; r + 8 <= rows; r += 8) {
      const o0 = r * features;
      const o1 = o0 + features;
      const o2 = o1 + features;
      const o3 = o2 + features;
      const o4 = o3 + features;
      const o5 = o4 + features;
      const o6 = o5 + features;
      const o7 = o6 + features;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let s4 = 0;
      let s5 = 0;
      let s6 = 0;
      let s7 = 0;
      for (
        let t = 0, base = 0, leaves = -internalPerTree;
        t < treeCount;
        t++, base += internalPerTree, leaves += leavesPerTree
      ) {
        let n0 = 0;
        let n1 = 0;
        let n2 = 0;
        let n3 = 0;
        let n4 = 0;
        let n5 = 0;
        let n6 = 0;
        let n7 = 0;
        for (let level = 0; level < depth; level++) {
          n0 = 2 * n0 + 1 + +(values[o0 + featureOf[base + n0]] > thresholdOf[base + n0]);
          n1 = 2 * n1 + 1 + +(values[o1 + featureOf[base + n1]] > thresholdOf[base + n1]);
          n2 = 2 * n2 + 1 + +(values[o2 + featureOf[base + n2]] > thresholdOf[base + n2]);
          n3 = 2 * n3 + 1 + +(values[o3 + featureOf[base + n3]] > thresholdOf[base + n3]);
          n4 = 2 * n4 + 1 + +(values[o4 + featureOf[base + n4]] > thresholdOf[base + n4]);
          n5 = 2 * n5 + 1 + +(values[o5 + featureOf[base + n5]] > thresholdOf[base + n5]);
          n6 = 2 * n6 + 1 + +(values[o6 + featureOf[base + n6]] > thresholdOf[base + n6]);
          n7 = 2 * n7 + 1 + +(values[o7 + featureOf[base + n7]] > thresholdOf[base + n7]);
        }
        s0 += leafValue[leaves + n0];
        s1 += leafValue[leaves + n1];
        s2 += leafValue[leaves + n2];
        s3 += leafValue[leaves + n3];
        s4 += leafValue[leaves + n4];
        s5 += leafValue[leaves + n5];
        s6 += leafValue[leaves + n6];
        s7 += leafValue[leaves + n7];
      }
      const base = this.baseScore;
      out[r] = base + s0;
      out[r + 1] = base + s1;
      out[r + 2] = base + s2;
      out[r + 3] = base + s3;
      out[r + 4] = base + s4;
      out[r + 5] = base + s5;
      out[r + 6] = base + s6;
      out[r + 7] = base + s7;
    }
    for (; r < rows; r++) out[r] = this.margin(values, r * features);
    return out;
  }
}
