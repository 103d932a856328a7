import fc from 'fast-check';
import {
  binCounts,
  binIndex,
  binnedDistribution,
  populationStabilityIndex,
  proportionsOf,
  quantileCuts,
} from '../../src/monitoring/domain/population-stability';

/** Count vectors over the same bins, each with at least one observation. */
const countVector = (bins: number) =>
  fc
    .array(fc.integer({ min: 0, max: 1_000 }), { minLength: bins, maxLength: bins })
    .filter((c) => c.some((n) => n > 0));
const twoCountVectors = fc.integer({ min: 1, max: 12 }).chain((bins) => fc.tuple(countVector(bins), countVector(bins)));

describe(populationStabilityIndex.name, () => {
  it('is never negative', () => {
    fc.assert(
      fc.property(twoCountVectors, ([reference, live]) => {
        expect(populationStabilityIndex(reference, live)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('is 0 for identical distributions, whatever the population sizes', () => {
    fc.assert(
      fc.property(countVector(8), fc.integer({ min: 1, max: 50 }), (counts, scale) => {
        expect(populationStabilityIndex(counts, counts)).toBe(0);
        expect(
          populationStabilityIndex(
            counts,
            counts.map((n) => n * scale),
          ),
        ).toBeCloseTo(0, 12);
      }),
    );
  });

  it('does not change when the reference and live populations swap', () => {
    fc.assert(
      fc.property(twoCountVectors, ([reference, live]) => {
        expect(populationStabilityIndex(live, reference)).toBeCloseTo(populationStabilityIndex(reference, live), 9);
      }),
    );
  });

  it('grows as the live population moves further from the reference', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 0.49, noNaN: true }), (shift) => {
        const reference = [0.5, 0.5];
        const near = populationStabilityIndex(reference, [0.5 + shift / 2, 0.5 - shift / 2]);
        const far = populationStabilityIndex(reference, [0.5 + shift, 0.5 - shift]);
        expect(far).toBeGreaterThan(near);
      }),
    );
  });

  it('matches a hand computation', () => {
    // (0.3-0.2) ln(0.3/0.2) + (0.3-0.3) ln 1 + (0.4-0.5) ln(0.4/0.5)
    const expected = 0.1 * Math.log(1.5) + -0.1 * Math.log(0.8);
    expect(populationStabilityIndex([0.2, 0.3, 0.5], [30, 30, 40])).toBeCloseTo(expected, 12);
  });

  it('stays finite when a bin is empty on one side', () => {
    expect(Number.isFinite(populationStabilityIndex([0.5, 0.5, 0], [0.2, 0.2, 0.6]))).toBe(true);
  });

  it('is NaN with no live population, and refuses different bins', () => {
    expect(populationStabilityIndex([0.5, 0.5], [0, 0])).toBeNaN();
    expect(() => populationStabilityIndex([1], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe(binIndex.name, () => {
  it('counts the cut points at or below the value, like PostgreSQL width_bucket', () => {
    const cuts = [1, 2, 4];
    expect([0.5, 1, 1.5, 2, 3.99, 4, 100].map((x) => binIndex(cuts, x))).toEqual([0, 1, 1, 2, 2, 3, 3]);
    expect(binIndex([], 7)).toBe(0);
  });

  it('agrees with a linear count on random cuts and values', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: -50, max: 50 })).map((a) => a.sort((x, y) => x - y)),
        fc.integer({ min: -60, max: 60 }),
        (cuts, value) => {
          expect(binIndex(cuts, value)).toBe(cuts.filter((c) => c <= value).length);
        },
      ),
    );
  });
});

describe(quantileCuts.name, () => {
  it('gives increasing cuts and bins that each hold some of the values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 12 }),
        (values, bins) => {
          const cuts = quantileCuts(values, bins);
          expect(cuts.length).toBeLessThan(bins);
          cuts.forEach((c, i) => i > 0 && expect(c).toBeGreaterThan(cuts[i - 1]));
          expect(binCounts(cuts, values).every((n) => n > 0)).toBe(true);
        },
      ),
    );
  });

  it('leaves no bin with less than the minimum share, and keeps a rare value apart from a dominant one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 400 }),
        fc.constantFrom(0.02, 0.05, 0.1),
        (values, minShare) => {
          const counts = binCounts(quantileCuts(values, 10, minShare), values);
          if (counts.length > 1) {
            for (const n of counts) expect(n).toBeGreaterThanOrEqual(Math.ceil(minShare * values.length));
          }
        },
      ),
    );
    // 95 accounts never delayed, 5 delayed once: one bin each
    const delayed = [...Array<number>(95).fill(0), ...Array<number>(5).fill(1)];
    expect(binnedDistribution(delayed).proportions).toEqual([0.95, 0.05]);
    // a status of 8 in 1 account of 100 does not get a bin of its own
    expect(quantileCuts([...Array<number>(60).fill(0), ...Array<number>(39).fill(1), 8])).toEqual([1]);
  });

  it('makes deciles of distinct values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    expect(quantileCuts(values, 10)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(binnedDistribution(values, 10).proportions).toEqual(Array<number>(10).fill(0.1));
  });

  it('gives a reference against which its own population has a PSI of 0', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const reference = binnedDistribution(values);
          expect(populationStabilityIndex(reference.proportions, binCounts(reference.cuts, values))).toBeCloseTo(0, 12);
          expect(proportionsOf(binCounts(reference.cuts, values)).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        },
      ),
    );
  });
});
