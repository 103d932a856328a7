import fc from 'fast-check';
import { RegressionTree, treeOutput } from '../../src/model/domain/regression-tree';
import { SeededRandom } from '../../src/model/domain/seeded-random';
import { addTreeShap, expectedTreeOutput, forestShap } from '../../src/model/domain/tree-shap';

const FEATURES = 5;

/** A random tree of at most `maxDepth` over FEATURES features (features may repeat on a path), covers consistent. */
function randomTree(seed: number, maxDepth: number): RegressionTree {
  const random = new SeededRandom(seed);
  const tree = {
    feature: [] as number[],
    threshold: [] as number[],
    left: [] as number[],
    right: [] as number[],
    value: [] as number[],
    cover: [] as number[],
  };
  const grow = (depth: number): number => {
    const node = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    tree.cover.push(0);
    if (depth < maxDepth && random.next() < 0.8) {
      tree.feature[node] = random.nextInt(FEATURES);
      tree.threshold[node] = random.next();
      tree.left[node] = grow(depth + 1);
      tree.right[node] = grow(depth + 1);
      tree.cover[node] = tree.cover[tree.left[node]] + tree.cover[tree.right[node]];
    } else {
      tree.value[node] = random.next() * 4 - 2;
      tree.cover[node] = 1 + random.nextInt(100);
    }
    return node;
  };
  grow(0);
  return tree;
}

/** E[f(x) | the features in `known` take x's values], unknown features averaged by training cover. */
function conditionalExpectation(tree: RegressionTree, x: number[], known: Set<number>, node = 0): number {
  if (tree.feature[node] < 0) return tree.value[node];
  const f = tree.feature[node];
  if (known.has(f)) {
    return conditionalExpectation(tree, x, known, x[f] <= tree.threshold[node] ? tree.left[node] : tree.right[node]);
  }
  const left = tree.left[node];
  const right = tree.right[node];
  return (
    (tree.cover[left] * conditionalExpectation(tree, x, known, left) +
      tree.cover[right] * conditionalExpectation(tree, x, known, right)) /
    tree.cover[node]
  );
}

/** Shapley values by their definition: every subset of the other features, weighted. */
function bruteForceShapley(tree: RegressionTree, x: number[]): number[] {
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const phi = new Array<number>(FEATURES).fill(0);
  for (let i = 0; i < FEATURES; i++) {
    for (let mask = 0; mask < 1 << FEATURES; mask++) {
      if (mask & (1 << i)) continue;
      const subset = new Set<number>();
      for (let j = 0; j < FEATURES; j++) if (mask & (1 << j)) subset.add(j);
      const weight = (factorial(subset.size) * factorial(FEATURES - subset.size - 1)) / factorial(FEATURES);
      const without = conditionalExpectation(tree, x, subset);
      subset.add(i);
      phi[i] += weight * (conditionalExpectation(tree, x, subset) - without);
    }
  }
  return phi;
}

const rowArbitrary = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: FEATURES, maxLength: FEATURES });

describe(addTreeShap.name, () => {
  it('gives the exact Shapley values of the tree (checked against every feature subset)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 5 }), rowArbitrary, (seed, depth, x) => {
        const tree = randomTree(seed, depth);
        const phi = new Float64Array(FEATURES);

        addTreeShap(tree, x, 0, phi);

        const expected = bruteForceShapley(tree, x);
        expected.forEach((value, i) => expect(phi[i]).toBeCloseTo(value, 9));
      }),
      { numRuns: 150 },
    );
  });

  it('adds up: expected output plus the contributions is the tree output', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 8 }), rowArbitrary, (seed, depth, x) => {
        const tree = randomTree(seed, depth);
        const phi = new Float64Array(FEATURES);

        addTreeShap(tree, x, 0, phi);

        const total = phi.reduce((sum, v) => sum + v, 0);
        expect(expectedTreeOutput(tree) + total).toBeCloseTo(treeOutput(tree, x), 9);
      }),
    );
  });

  it('gives nothing to a feature the tree never splits on', () => {
    const tree = randomTree(42, 6);
    const unused = [...Array(FEATURES).keys()].filter((f) => !tree.feature.includes(f));
    const phi = new Float64Array(FEATURES + 1);

    addTreeShap(tree, [0.1, 0.9, 0.5, 0.3, 0.7, 0.2], 0, phi);

    for (const f of [...unused, FEATURES]) expect(phi[f]).toBe(0);
  });
});

describe(forestShap.name, () => {
  it('adds up over a forest: base value plus contributions is the margin', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { minLength: 1, maxLength: 12 }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        rowArbitrary,
        (seeds, baseScore, x) => {
          const trees = seeds.map((seed) => randomTree(seed, 4));

          const sut = forestShap(trees, baseScore, x, FEATURES);

          const margin = baseScore + trees.reduce((sum, tree) => sum + treeOutput(tree, x), 0);
          expect(sut.baseValue + sut.contributions.reduce((sum, v) => sum + v, 0)).toBeCloseTo(margin, 9);
        },
      ),
    );
  });
});
