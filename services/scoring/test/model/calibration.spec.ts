import fc from 'fast-check';
import {
  ISOTONIC_MIN_PER_CLASS,
  ISOTONIC_MIN_ROWS,
  calibrate,
  chooseCalibrationMethod,
  fitCalibration,
  fitIsotonic,
  fitPlatt,
} from '../../src/model/domain/calibration';
import { rocAuc, sigmoid } from '../../src/model/domain/metrics';
import { SeededRandom } from '../../src/model/domain/seeded-random';

const marginsAndLabels = fc
  .array(fc.record({ margin: fc.double({ min: -8, max: 8, noNaN: true }), label: fc.constantFrom(0, 1) }), {
    minLength: 2,
    maxLength: 80,
  })
  .filter((rows) => rows.some((r) => r.label === 1) && rows.some((r) => r.label === 0))
  .map((rows) => ({ margins: rows.map((r) => r.margin), labels: rows.map((r) => r.label) }));

/** Labels drawn from p = sigmoid(2 m - 1): a model whose margins are off by a known slope and shift. */
function miscalibrated(count: number, seed: number): { margins: number[]; labels: number[] } {
  const random = new SeededRandom(seed);
  const margins = Array.from({ length: count }, () => random.next() * 6 - 3);
  const labels = margins.map((m) => (random.next() < sigmoid(2 * m - 1) ? 1 : 0));
  return { margins, labels };
}

describe(fitPlatt.name, () => {
  it('recovers the slope and shift that calibrate a model', () => {
    const { margins, labels } = miscalibrated(20_000, 7);

    const sut = fitPlatt(margins, labels);

    expect(sut.slope).toBeCloseTo(2, 1);
    expect(sut.intercept).toBeCloseTo(-1, 1);
  });
});

describe(fitIsotonic.name, () => {
  it('maps higher margins to probabilities that never go down', () => {
    fc.assert(
      fc.property(
        marginsAndLabels,
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 2 }),
        (data, queries) => {
          const sut = fitIsotonic(data.margins, data.labels);
          const sorted = [...queries].sort((a, b) => a - b);

          const probabilities = sorted.map((m) => calibrate(sut, m));

          for (let i = 1; i < probabilities.length; i++)
            expect(probabilities[i]).toBeGreaterThanOrEqual(probabilities[i - 1]);
        },
      ),
    );
  });

  it('stays monotone on margins a hair apart (a case fast-check found)', () => {
    const sut = fitIsotonic(
      [0, 0, 0, 0, 0, 0, 0, -9.487842171374835e-307, 0, 0, 5e-324, 0],
      [0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 1, 0],
    );

    expect(calibrate(sut, 5e-324)).toBeGreaterThanOrEqual(calibrate(sut, 0));
    for (let i = 1; i < sut.margins.length; i++) expect(sut.margins[i]).toBeGreaterThan(sut.margins[i - 1]);
  });

  it('keeps the ranking of a model (AUC unchanged up to pooled ties)', () => {
    const { margins, labels } = miscalibrated(5_000, 3);

    const sut = fitIsotonic(margins, labels);

    expect(
      rocAuc(
        labels,
        margins.map((m) => calibrate(sut, m)),
      ),
    ).toBeCloseTo(rocAuc(labels, margins), 2);
  });
});

describe(calibrate.name, () => {
  it('always answers a probability within [0, 1], whichever method', () => {
    fc.assert(
      fc.property(
        marginsAndLabels,
        fc.constantFrom('platt' as const, 'isotonic' as const),
        fc.double({ min: -50, max: 50, noNaN: true }),
        (data, method, margin) => {
          const probability = calibrate(fitCalibration(data.margins, data.labels, method), margin);

          expect(probability).toBeGreaterThanOrEqual(0);
          expect(probability).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe(chooseCalibrationMethod.name, () => {
  it('chooses isotonic only with enough rows of both classes, Platt otherwise', () => {
    expect(chooseCalibrationMethod(ISOTONIC_MIN_ROWS, ISOTONIC_MIN_PER_CLASS)).toBe('isotonic');
    expect(chooseCalibrationMethod(ISOTONIC_MIN_ROWS - 1, ISOTONIC_MIN_PER_CLASS)).toBe('platt');
    expect(chooseCalibrationMethod(100_000, ISOTONIC_MIN_PER_CLASS - 1)).toBe('platt');
    expect(chooseCalibrationMethod(4_800, 1_070)).toBe('platt');
  });

  it('is what an automatic calibration applies', () => {
    const small = miscalibrated(500, 1);
    const large = miscalibrated(ISOTONIC_MIN_ROWS * 2, 2);

    expect(fitCalibration(small.margins, small.labels).method).toBe('platt');
    expect(fitCalibration(large.margins, large.labels).method).toBe('isotonic');
  });
});
