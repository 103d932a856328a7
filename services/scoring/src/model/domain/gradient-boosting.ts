import { BinEdges, FeatureMatrix, MAX_BINS, binMatrix, fitBinEdges } from './histogram-binning';
import { logLoss, sigmoid } from './metrics';
import { RegressionTree } from './regression-tree';
import { ScoringModelErrorCode, ScoringModelException } from './scoring-model.exception';
import { SeededRandom } from './seeded-random';

/**
 * Histogram-based gradient-boosted trees for the logistic loss (the LightGBM/XGBoost-hist recipe):
 * features binned once, per-node gradient histograms (the larger child by subtraction), best-first
 * leaf growth under depth and leaf limits, L2-regularised leaf values with shrinkage, row and feature
 * subsampling from a seeded PRNG, early stopping on a validation set.
 */
export interface GradientBoostingParams {
  /** Shrinkage applied to every leaf value. */
  readonly learningRate: number;
  readonly maxIterations: number;
  readonly maxDepth: number;
  readonly maxLeaves: number;
  /** Least sum of hessians in a child (XGBoost's min_child_weight). */
  readonly minChildWeight: number;
  readonly minSamplesLeaf: number;
  /** L2 penalty on leaf values (lambda). */
  readonly l2Regularisation: number;
  /** Least loss reduction to make a split (gamma). */
  readonly minSplitGain: number;
  /** Share of rows each tree sees (Bernoulli sampling per tree). */
  readonly rowSubsample: number;
  /** Share of features each tree may split on. */
  readonly featureSubsample: number;
  readonly maxBins: number;
  /** Stop when the validation log loss has not improved for this many trees (0: never stop early). */
  readonly earlyStoppingRounds: number;
}

export const DEFAULT_GRADIENT_BOOSTING_PARAMS: GradientBoostingParams = {
  learningRate: 0.05,
  maxIterations: 1000,
  maxDepth: 4,
  maxLeaves: 16,
  minChildWeight: 1,
  minSamplesLeaf: 20,
  l2Regularisation: 1,
  minSplitGain: 0,
  rowSubsample: 0.8,
  featureSubsample: 0.8,
  maxBins: MAX_BINS,
  earlyStoppingRounds: 50,
};

export interface LabelledMatrix extends FeatureMatrix {
  /** 1 for a default, 0 otherwise; one per row. */
  readonly labels: Uint8Array;
}

export interface BoostedTrees {
  /** Log-odds of the training default rate; every margin starts here. */
  readonly baseScore: number;
  readonly trees: RegressionTree[];
  /** Validation log loss after each tree, when a validation set was given. */
  readonly validationLoss: number[];
}

export function validateGradientBoostingParams(params: GradientBoostingParams): void {
  const fail = (field: keyof GradientBoostingParams, rule: string): never => {
    throw new ScoringModelException(
      ScoringModelErrorCode.InvalidOptions,
      `gradient boosting ${field} ${rule}, got ${params[field]}`,
      field,
    );
  };
  if (!(params.learningRate > 0 && params.learningRate <= 1)) fail('learningRate', 'must be in (0, 1]');
  if (!(Number.isInteger(params.maxIterations) && params.maxIterations >= 1)) fail('maxIterations', 'must be >= 1');
  if (!(Number.isInteger(params.maxDepth) && params.maxDepth >= 1)) fail('maxDepth', 'must be >= 1');
  if (!(Number.isInteger(params.maxLeaves) && params.maxLeaves >= 2)) fail('maxLeaves', 'must be >= 2');
  if (!(params.minChildWeight >= 0)) fail('minChildWeight', 'must be >= 0');
  if (!(params.minSamplesLeaf >= 1)) fail('minSamplesLeaf', 'must be >= 1');
  if (!(params.l2Regularisation >= 0)) fail('l2Regularisation', 'must be >= 0');
  if (!(params.minSplitGain >= 0)) fail('minSplitGain', 'must be >= 0');
  if (!(params.rowSubsample > 0 && params.rowSubsample <= 1)) fail('rowSubsample', 'must be in (0, 1]');
  if (!(params.featureSubsample > 0 && params.featureSubsample <= 1)) fail('featureSubsample', 'must be in (0, 1]');
  if (!(Number.isInteger(params.maxBins) && params.maxBins >= 2 && params.maxBins <= MAX_BINS)) {
    fail('maxBins', `must be within 2..${MAX_BINS}`);
  }
  if (!(Number.isInteger(params.earlyStoppingRounds) && params.earlyStoppingRounds >= 0)) {
    fail('earlyStoppingRounds', 'must be >= 0');
  }
}

/** A leaf that may still be split, with its rows (a range of the row index buffer) and histogram. */
interface OpenLeaf {
  node: number;
  start: number;
  end: number;
  depth: number;
  gradient: number;
  hessian: number;
  histogram: Float64Array;
  bestGain: number;
  bestFeature: number;
  bestBin: number;
}

/** A tree as it grows: thresholds in bins for training, in values for the artifact. */
class GrowingTree {
  readonly feature: number[] = [];
  readonly thresholdBin: number[] = [];
  readonly threshold: number[] = [];
  readonly left: number[] = [];
  readonly right: number[] = [];
  readonly value: number[] = [];
  readonly cover: number[] = [];

  addNode(cover: number): number {
    this.feature.push(-1);
    this.thresholdBin.push(0);
    this.threshold.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(0);
    this.cover.push(cover);
    return this.feature.length - 1;
  }

  /** Output for a binned row. */
  outputOfBinned(bins: Uint8Array, offset: number): number {
    let node = 0;
    while (this.feature[node] >= 0) {
      node = bins[offset + this.feature[node]] <= this.thresholdBin[node] ? this.left[node] : this.right[node];
    }
    return this.value[node];
  }

  toRegressionTree(): RegressionTree {
    return {
      feature: this.feature,
      threshold: this.threshold,
      left: this.left,
      right: this.right,
      value: this.value,
      cover: this.cover,
    };
  }
}

/** Grows one tree on binned rows; holds the scratch buffers reused across trees. */
class TreeGrower {
  private readonly binOffsets: Int32Array;
  private readonly binCounts: Int32Array;
  private readonly histogramSize: number;
  private readonly freeHistograms: Float64Array[] = [];
  private partitionScratch: Uint32Array = new Uint32Array(0);

  constructor(
    private readonly bins: Uint8Array,
    private readonly features: number,
    private readonly edges: BinEdges,
    private readonly params: GradientBoostingParams,
  ) {
    this.binCounts = Int32Array.from(edges.upperBounds.map((bounds) => bounds.length));
    this.binOffsets = new Int32Array(features);
    let total = 0;
    for (let f = 0; f < features; f++) {
      this.binOffsets[f] = total;
      total += this.binCounts[f];
    }
    // gradient, hessian and count per bin
    this.histogramSize = total * 3;
  }

  grow(rows: Uint32Array, gradients: Float64Array, hessians: Float64Array, usable: Int32Array): GrowingTree {
    const tree = new GrowingTree();
    const params = this.params;
    if (this.partitionScratch.length < rows.length) this.partitionScratch = new Uint32Array(rows.length);

    const rootHistogram = this.takeHistogram();
    this.fillHistogram(rootHistogram, rows, 0, rows.length, gradients, hessians, usable);
    let gradient = 0;
    let hessian = 0;
    for (let i = 0; i < rows.length; i++) {
      gradient += gradients[rows[i]];
      hessian += hessians[rows[i]];
    }
    const root: OpenLeaf = this.openLeaf(tree.addNode(hessian), 0, rows.length, 0, gradient, hessian, rootHistogram);
    this.findBestSplit(root, usable);
    const open: OpenLeaf[] = [root];
    let leafCount = 1;

    while (leafCount < params.maxLeaves) {
      let pick = -1;
      for (let i = 0; i < open.length; i++) {
        if (open[i].bestFeature >= 0 && (pick < 0 || open[i].bestGain > open[pick].bestGain)) pick = i;
      }
      if (pick < 0) break;
      const parent = open[pick];
      open.splice(pick, 1);
      const [leftLeaf, rightLeaf] = this.split(tree, parent, rows, gradients, hessians, usable);
      leafCount++;
      for (const child of [leftLeaf, rightLeaf]) {
        if (child.depth < params.maxDepth && child.end - child.start >= 2 * params.minSamplesLeaf) {
          this.findBestSplit(child, usable);
        }
        open.push(child);
      }
    }

    for (const leaf of open) {
      tree.value[leaf.node] = (-leaf.gradient / (leaf.hessian + params.l2Regularisation)) * params.learningRate;
      this.freeHistograms.push(leaf.histogram);
    }
    return tree;
  }

  private openLeaf(
    node: number,
    start: number,
    end: number,
    depth: number,
    gradient: number,
    hessian: number,
    histogram: Float64Array,
  ): OpenLeaf {
    return { node, start, end, depth, gradient, hessian, histogram, bestGain: 0, bestFeature: -1, bestBin: -1 };
  }

  private takeHistogram(): Float64Array {
    const histogram = this.freeHistograms.pop();
    if (histogram) {
      histogram.fill(0);
      return histogram;
    }
    return new Float64Array(this.histogramSize);
  }

  private fillHistogram(
    histogram: Float64Array,
    rows: Uint32Array,
    start: number,
    end: number,
    gradients: Float64Array,
    hessians: Float64Array,
    usable: Int32Array,
  ): void {
    const bins = this.bins;
    const features = this.features;
    const binOffsets = this.binOffsets;
    const used = usable.length;
    for (let i = start; i < end; i++) {
      const row = rows[i];
      const g = gradients[row];
      const h = hessians[row];
      const offset = row * features;
      for (let j = 0; j < used; j++) {
        const f = usable[j];
        const k = (binOffsets[f] + bins[offset + f]) * 3;
        histogram[k] += g;
        histogram[k + 1] += h;
        histogram[k + 2] += 1;
      }
    }
  }

  private findBestSplit(leaf: OpenLeaf, usable: Int32Array): void {
    const { l2Regularisation: lambda, minChildWeight, minSamplesLeaf, minSplitGain } = this.params;
    const histogram = leaf.histogram;
    const total = leaf.end - leaf.start;
    const G = leaf.gradient;
    const H = leaf.hessian;
    const parentScore = (G * G) / (H + lambda);
    let bestGain = 0;
    let bestFeature = -1;
    let bestBin = -1;
    for (let j = 0; j < usable.length; j++) {
      const f = usable[j];
      const base = this.binOffsets[f] * 3;
      const last = this.binCounts[f] - 1;
      let gl = 0;
      let hl = 0;
      let cl = 0;
      for (let b = 0; b < last; b++) {
        const k = base + b * 3;
        const count = histogram[k + 2];
        if (count === 0) continue;
        gl += histogram[k];
        hl += histogram[k + 1];
        cl += count;
        if (cl < minSamplesLeaf || hl < minChildWeight) continue;
        const hr = H - hl;
        if (total - cl < minSamplesLeaf || hr < minChildWeight) break;
        const gr = G - gl;
        const gain = 0.5 * ((gl * gl) / (hl + lambda) + (gr * gr) / (hr + lambda) - parentScore) - minSplitGain;
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
        }
      }
    }
    leaf.bestGain = bestGain;
    leaf.bestFeature = bestFeature;
    leaf.bestBin = bestBin;
  }

  private split(
    tree: GrowingTree,
    parent: OpenLeaf,
    rows: Uint32Array,
    gradients: Float64Array,
    hessians: Float64Array,
    usable: Int32Array,
  ): [OpenLeaf, OpenLeaf] {
    const { bestFeature: f, bestBin: bin } = parent;
    const bins = this.bins;
    const features = this.features;
    const scratch = this.partitionScratch;
    // stable partition: rows going left stay in place, rows going right wait in the scratch buffer
    let write = parent.start;
    let waiting = 0;
    let leftGradient = 0;
    let leftHessian = 0;
    for (let i = parent.start; i < parent.end; i++) {
      const row = rows[i];
      if (bins[row * features + f] <= bin) {
        rows[write++] = row;
        leftGradient += gradients[row];
        leftHessian += hessians[row];
      } else {
        scratch[waiting++] = row;
      }
    }
    const middle = write;
    for (let i = 0; i < waiting; i++) rows[middle + i] = scratch[i];

    const leftNode = tree.addNode(leftHessian);
    const rightNode = tree.addNode(parent.hessian - leftHessian);
    tree.feature[parent.node] = f;
    tree.thresholdBin[parent.node] = bin;
    tree.threshold[parent.node] = this.edges.upperBounds[f][bin];
    tree.left[parent.node] = leftNode;
    tree.right[parent.node] = rightNode;

    // build the smaller child's histogram; the larger one is the parent's minus it, in place
    const leftIsSmaller = middle - parent.start <= parent.end - middle;
    const small = this.takeHistogram();
    if (leftIsSmaller) this.fillHistogram(small, rows, parent.start, middle, gradients, hessians, usable);
    else this.fillHistogram(small, rows, middle, parent.end, gradients, hessians, usable);
    const large = parent.histogram;
    for (let j = 0; j < usable.length; j++) {
      const f2 = usable[j];
      const from = this.binOffsets[f2] * 3;
      const to = from + this.binCounts[f2] * 3;
      for (let k = from; k < to; k++) large[k] -= small[k];
    }
    const depth = parent.depth + 1;
    const left = this.openLeaf(
      leftNode,
      parent.start,
      middle,
      depth,
      leftGradient,
      leftHessian,
      leftIsSmaller ? small : large,
    );
    const right = this.openLeaf(
      rightNode,
      middle,
      parent.end,
      depth,
      parent.gradient - leftGradient,
      parent.hessian - leftHessian,
      leftIsSmaller ? large : small,
    );
    return [left, right];
  }
}

function requireLabels(matrix: LabelledMatrix, role: string): number {
  if (matrix.labels.length !== matrix.rows || matrix.values.length !== matrix.rows * matrix.features) {
    throw new ScoringModelException(ScoringModelErrorCode.InvalidDataset, `${role} matrix and labels disagree in size`);
  }
  let positives = 0;
  for (let i = 0; i < matrix.rows; i++) positives += matrix.labels[i];
  if (positives === 0 || positives === matrix.rows) {
    throw new ScoringModelException(ScoringModelErrorCode.InvalidDataset, `${role} set needs both classes`);
  }
  return positives;
}

function sampleRows(rows: number, share: number, random: SeededRandom, out: Uint32Array): Uint32Array {
  if (share >= 1) {
    for (let i = 0; i < rows; i++) out[i] = i;
    return out.subarray(0, rows);
  }
  let count = 0;
  for (let i = 0; i < rows; i++) if (random.next() < share) out[count++] = i;
  return out.subarray(0, count);
}

function sampleFeatures(features: number, share: number, random: SeededRandom): Int32Array {
  const all = new Int32Array(features);
  for (let f = 0; f < features; f++) all[f] = f;
  if (share >= 1) return all;
  const keep = Math.max(1, Math.round(features * share));
  // partial Fisher–Yates: the first `keep` entries become a uniform sample
  for (let i = 0; i < keep; i++) {
    const j = i + random.nextInt(features - i);
    const tmp = all[i];
    all[i] = all[j];
    all[j] = tmp;
  }
  return all.subarray(0, keep).sort();
}

export interface TrainingProgress {
  (iteration: number, validationLoss: number | undefined): void;
}

/** Trains boosted trees; with a validation set and early stopping, keeps the trees up to the best one. */
export function trainGradientBoosting(
  train: LabelledMatrix,
  validation: LabelledMatrix | undefined,
  params: GradientBoostingParams,
  seed: number,
  onProgress?: TrainingProgress,
): BoostedTrees {
  validateGradientBoostingParams(params);
  const positives = requireLabels(train, 'training');
  if (validation) requireLabels(validation, 'validation');
  const random = new SeededRandom(seed);
  const edges = fitBinEdges(train, params.maxBins);
  const bins = binMatrix(train, edges);
  const validationBins = validation ? binMatrix(validation, edges) : undefined;
  const n = train.rows;
  const features = train.features;
  const baseScore = Math.log(positives / (n - positives));

  const margins = new Float64Array(n).fill(baseScore);
  const gradients = new Float64Array(n);
  const hessians = new Float64Array(n);
  const rowBuffer = new Uint32Array(n);
  const validationMargins = validation ? new Float64Array(validation.rows).fill(baseScore) : undefined;
  const validationProbabilities = validation ? new Float64Array(validation.rows) : undefined;

  const grower = new TreeGrower(bins, features, edges, params);
  const trees: RegressionTree[] = [];
  const validationLoss: number[] = [];
  let bestLoss = Infinity;
  let bestSize = 0;

  for (let iteration = 0; iteration < params.maxIterations; iteration++) {
    for (let i = 0; i < n; i++) {
      const p = sigmoid(margins[i]);
      gradients[i] = p - train.labels[i];
      hessians[i] = Math.max(p * (1 - p), 1e-16);
    }
    const rows = sampleRows(n, params.rowSubsample, random, rowBuffer);
    const usable = sampleFeatures(features, params.featureSubsample, random);
    const tree = grower.grow(rows, gradients, hessians, usable);
    for (let i = 0; i < n; i++) margins[i] += tree.outputOfBinned(bins, i * features);
    trees.push(tree.toRegressionTree());

    let loss: number | undefined;
    if (validation && validationBins && validationMargins && validationProbabilities) {
      for (let i = 0; i < validation.rows; i++) {
        validationMargins[i] += tree.outputOfBinned(validationBins, i * features);
        validationProbabilities[i] = sigmoid(validationMargins[i]);
      }
      loss = logLoss(validation.labels, validationProbabilities);
      validationLoss.push(loss);
      if (loss < bestLoss - 1e-12) {
        bestLoss = loss;
        bestSize = trees.length;
      }
    }
    onProgress?.(iteration, loss);
    if (validation && params.earlyStoppingRounds > 0 && trees.length - bestSize >= params.earlyStoppingRounds) break;
  }
  return {
    baseScore,
    trees: validation && params.earlyStoppingRounds > 0 ? trees.slice(0, Math.max(1, bestSize)) : trees,
    validationLoss,
  };
}
