import fc from 'fast-check';
import {
  brierDecomposition,
  brierScore,
  classificationMetrics,
  kolmogorovSmirnov,
  logLoss,
  rocAuc,
} from '../../src/model/domain/metrics';

/** Scores and labels with both classes present, scores on a coarse grid so that ties happen. */
const scoredLabels = fc
  .array(fc.record({ score: fc.integer({ min: 0, max: 20 }).map((s) => s / 20), label: fc.constantFrom(0, 1) }), {
    minLength: 2,
    maxLength: 60,
  })
  .filter((rows) => rows.some((r) => r.label === 1) && rows.some((r) => r.label === 0))
  .map((rows) => ({ scores: rows.map((r) => r.score), labels: rows.map((r) => r.label) }));

/** AUC by its definition: the chance a random defaulter outscores a random payer, ties counting half. */
function pairwiseAuc(labels: number[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((yi, i) =>
    labels.forEach((yj, j) => {
      if (yi === 1 && yj === 0) {
        pairs++;
        wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }),
  );
  return wins / pairs;
}

/** KS by its definition: the largest gap between the two empirical score distributions. */
function definitionKs(labels: number[], scores: number[]): number {
  const positives = scores.filter((_, i) => labels[i] === 1);
  const negatives = scores.filter((_, i) => labels[i] === 0);
  return Math.max(
    ...scores.map((t) =>
      Math.abs(
        positives.filter((s) => s <= t).length / positives.length -
          negatives.filter((s) => s <= t).length / negatives.length,
      ),
    ),
  );
}

describe(rocAuc.name, () => {
  it('is 1 for a perfect ranking and 0 for a reversed one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), (payers, defaulters) => {
        const labels = [...Array<number>(payers).fill(0), ...Array<number>(defaulters).fill(1)];
        const scores = labels.map((_, i) => i);

        expect(rocAuc(labels, scores)).toBe(1);
        expect(
          rocAuc(
            labels,
            scores.map((s) => -s),
          ),
        ).toBe(0);
      }),
    );
  });

  it('is the chance a defaulter outscores a payer, ties counting half', () => {
    fc.assert(
      fc.property(scoredLabels, ({ labels, scores }) => {
        expect(rocAuc(labels, scores)).toBeCloseTo(pairwiseAuc(labels, scores), 12);
      }),
    );
  });

  it('does not change under a strictly increasing transform of the scores', () => {
    fc.assert(
      fc.property(scoredLabels, fc.double({ min: 0.1, max: 10, noNaN: true }), ({ labels, scores }, k) => {
        const transformed = scores.map((s) => Math.exp(k * s) + s * s * s);

        expect(rocAuc(labels, transformed)).toBeCloseTo(rocAuc(labels, scores), 12);
      }),
    );
  });

  it('is 0.5 when every score is the same', () => {
    expect(rocAuc([0, 1, 0, 1, 1], [0.3, 0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });
});

describe(kolmogorovSmirnov.name, () => {
  it('is the largest gap between the score distributions of defaulters and payers', () => {
    fc.assert(
      fc.property(scoredLabels, ({ labels, scores }) => {
        const ks = kolmogorovSmirnov(labels, scores);

        expect(ks).toBeCloseTo(definitionKs(labels, scores), 12);
        expect(ks).toBeGreaterThanOrEqual(0);
        expect(ks).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe(brierScore.name, () => {
  it('is 0 for certain and right, 1 for certain and wrong, 0.25 for always a half', () => {
    expect(brierScore([1, 0], [1, 0])).toBe(0);
    expect(brierScore([1, 0], [0, 1])).toBe(1);
    expect(brierScore([1, 0, 1], [0.5, 0.5, 0.5])).toBe(0.25);
  });
});

describe(logLoss.name, () => {
  it('is ln 2 for always a half and stays finite for certain and wrong', () => {
    expect(logLoss([1, 0], [0.5, 0.5])).toBeCloseTo(Math.LN2, 12);
    expect(Number.isFinite(logLoss([1], [0]))).toBe(true);
  });
});

describe(classificationMetrics.name, () => {
  it('reports every figure for the same rows', () => {
    const sut = classificationMetrics([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.4]);

    expect(sut).toEqual({ auc: 1, ks: 1, brier: expect.any(Number), logloss: expect.any(Number), n: 4 });
  });
});

describe(brierDecomposition.name, () => {
  it('adds up to the Brier score when predictions are constant within each bin', () => {
    // two bins of four: 0.25 predicted where 1 of 4 defaulted, 0.5 predicted where 3 of 4 did
    const labels = [0, 0, 0, 1, 1, 1, 0, 1];
    const probabilities = [0.25, 0.25, 0.25, 0.25, 0.5, 0.5, 0.5, 0.5];

    const sut = brierDecomposition(labels, probabilities, 2);

    expect(sut.uncertainty).toBeCloseTo(0.25, 12);
    expect(sut.reliability).toBeCloseTo((0 ** 2 + 0.25 ** 2) / 2, 12);
    expect(sut.resolution).toBeCloseTo(0.25 ** 2, 12);
    expect(sut.reliability - sut.resolution + sut.uncertainty).toBeCloseTo(brierScore(labels, probabilities), 12);
  });

  it('in one bin, predicting the base rate has no reliability gap, no resolution, the base rate as uncertainty', () => {
    fc.assert(
      fc.property(scoredLabels, ({ labels }) => {
        const rate = labels.reduce((s: number, y) => s + y, 0) / labels.length;

        const sut = brierDecomposition(
          labels,
          labels.map(() => rate),
          1,
        );

        expect(sut.reliability).toBeCloseTo(0, 12);
        expect(sut.resolution).toBeCloseTo(0, 12);
        expect(sut.uncertainty).toBeCloseTo(rate * (1 - rate), 12);
      }),
    );
  });
});
