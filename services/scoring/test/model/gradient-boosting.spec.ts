import fc from 'fast-check';
import {
  DEFAULT_GRADIENT_BOOSTING_PARAMS,
  GradientBoostingParams,
  LabelledMatrix,
  trainGradientBoosting,
} from '../../src/model/domain/gradient-boosting';
import { MAX_BINS, binBoundsForColumn, binOf } from '../../src/model/domain/histogram-binning';
import { rocAuc, sigmoid } from '../../src/model/domain/metrics';
import { CompiledForest, treeDepth, treeOutput } from '../../src/model/domain/regression-tree';
import { ScoringModelErrorCode } from '../../src/model/domain/scoring-model.exception';
import { SeededRandom } from '../../src/model/domain/seeded-random';
import { forestShap } from '../../src/model/domain/tree-shap';

const FEATURES = 8;

/** Rows whose default probability depends on x0 (up) and x1 (down) only; x2..x7 are noise. */
function knownSignal(rows: number, seed: number): LabelledMatrix & { truth: Float64Array } {
  const random = new SeededRandom(seed);
  const values = new Float64Array(rows * FEATURES);
  const labels = new Uint8Array(rows);
  const truth = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < FEATURES; f++) values[r * FEATURES + f] = random.next() * 2 - 1;
    const x0 = values[r * FEATURES];
    const x1 = values[r * FEATURES + 1];
    truth[r] = sigmoid(3 * x0 - 2 * x1 + (x0 > 0.5 ? 1 : 0));
    labels[r] = random.next() < truth[r] ? 1 : 0;
  }
  return { values, labels, truth, rows, features: FEATURES };
}

const PARAMS: GradientBoostingParams = {
  ...DEFAULT_GRADIENT_BOOSTING_PARAMS,
  learningRate: 0.1,
  maxIterations: 300,
  earlyStoppingRounds: 20,
};

describe(trainGradientBoosting.name, () => {
  const train = knownSignal(3_000, 1);
  const validation = knownSignal(1_000, 2);
  const test = knownSignal(2_000, 3);

  it('learns a known signal almost as well as the true probabilities rank', () => {
    const sut = trainGradientBoosting(train, validation, PARAMS, 11);

    const margins = new CompiledForest(sut.trees, sut.baseScore).margins(test);
    expect(rocAuc(test.labels, margins)).toBeGreaterThan(rocAuc(test.labels, test.truth) - 0.02);
    expect(sut.trees.length).toBeLessThan(PARAMS.maxIterations);
  });

  it('attributes the score to the two features that drive it, not to the noise', () => {
    const sut = trainGradientBoosting(train, validation, PARAMS, 11);
    const importance = new Float64Array(FEATURES);

    for (let r = 0; r < 200; r++) {
      const { contributions } = forestShap(sut.trees, sut.baseScore, test.values, FEATURES, r * FEATURES);
      contributions.forEach((c, f) => (importance[f] += Math.abs(c)));
    }

    const ranked = [...importance.keys()].sort((a, b) => importance[b] - importance[a]);
    expect(ranked.slice(0, 2).sort()).toEqual([0, 1]);
    expect(importance[2]).toBeLessThan(importance[1] / 5);
  });

  it('trains the same trees from the same seed, and different ones from another seed', () => {
    const first = trainGradientBoosting(train, validation, PARAMS, 5);
    const second = trainGradientBoosting(train, validation, PARAMS, 5);
    const other = trainGradientBoosting(train, validation, PARAMS, 6);

    expect(second).toEqual(first);
    expect(other.trees).not.toEqual(first.trees);
  });

  it('keeps within the depth and leaf limits', () => {
    const sut = trainGradientBoosting(train, undefined, { ...PARAMS, maxIterations: 20, maxDepth: 3, maxLeaves: 6 }, 1);

    for (const tree of sut.trees) {
      expect(treeDepth(tree)).toBeLessThanOrEqual(3);
      expect(tree.feature.filter((f) => f < 0).length).toBeLessThanOrEqual(6);
    }
    expect(sut.trees).toHaveLength(20);
  });

  it('refuses out-of-range settings, naming the setting', () => {
    expect(() => trainGradientBoosting(train, undefined, { ...PARAMS, learningRate: 0 }, 1)).toThrow(
      expect.objectContaining({ code: ScoringModelErrorCode.InvalidOptions, field: 'learningRate' }),
    );
  });
});

describe(CompiledForest.name, () => {
  it('scores a batch exactly as walking each tree one row at a time', () => {
    const train = knownSignal(1_500, 4);
    const { trees, baseScore } = trainGradientBoosting(
      train,
      undefined,
      { ...PARAMS, maxIterations: 40, maxDepth: 5, maxLeaves: 12 },
      3,
    );
    const sut = new CompiledForest(trees, baseScore);
    const rows = knownSignal(37, 9);

    const batch = sut.margins(rows);

    for (let r = 0; r < rows.rows; r++) {
      const walked = trees.reduce((sum, tree) => sum + treeOutput(tree, rows.values, r * FEATURES), 0);
      expect(batch[r]).toBeCloseTo(baseScore + walked, 12);
      expect(sut.margin(rows.values, r * FEATURES)).toBe(batch[r]);
    }
  });
});

describe(binBoundsForColumn.name, () => {
  it('makes at most 255 increasing bins and puts every value in the bin its bounds say', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), {
          minLength: 1,
          maxLength: 2_000,
        }),
        (values) => {
          const sut = binBoundsForColumn(Float64Array.from(values), MAX_BINS);

          expect(sut.length).toBeLessThanOrEqual(MAX_BINS);
          expect(sut[sut.length - 1]).toBe(Infinity);
          for (let b = 1; b < sut.length; b++) expect(sut[b]).toBeGreaterThan(sut[b - 1]);
          for (const value of values) {
            const bin = binOf(sut, value);
            expect(value).toBeLessThanOrEqual(sut[bin]);
            if (bin > 0) expect(value).toBeGreaterThan(sut[bin - 1]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives each distinct value its own bin when there are few', () => {
    const sut = binBoundsForColumn(Float64Array.from([3, 1, 2, 2, 1, 3, 3]), MAX_BINS);

    expect(Array.from(sut)).toEqual([1.5, 2.5, Infinity]);
  });
});
