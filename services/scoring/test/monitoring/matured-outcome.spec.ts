import fc from 'fast-check';
import { calibrationReport } from '../../src/monitoring/domain/calibration-error';
import {
  ScoreObservation,
  defaultedWithinWindow,
  isMatured,
  maturedPerformance,
} from '../../src/monitoring/domain/matured-outcome';

const at = (iso: string) => new Date(iso);

describe(calibrationReport.name, () => {
  it('is 0 when each bin defaults at exactly its predicted rate', () => {
    // 0.25 predicted for four accounts, one defaults; 0.75 predicted for four, three default
    const report = calibrationReport([1, 0, 0, 0, 1, 1, 1, 0], [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75]);
    expect(report.expectedCalibrationError).toBeCloseTo(0, 12);
    expect(report.bins.map((b) => b.n)).toEqual([4, 4]);
  });

  it('weighs each bin gap by its share of the accounts (hand-computed)', () => {
    // bin [0.1,0.2): two at 0.1 and 0.1, one defaults -> |0.1 - 0.5| = 0.4, weight 2/3
    // bin [0.9,1]: one at 0.9, no default -> 0.9, weight 1/3
    const report = calibrationReport([1, 0, 0], [0.1, 0.1, 0.9]);
    expect(report.expectedCalibrationError).toBeCloseTo((2 / 3) * 0.4 + (1 / 3) * 0.9, 12);
    expect(report.meanBias).toBeCloseTo((0.1 + 0.1 + 0.9 - 1) / 3, 12);
  });

  it('stays within [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1 }),
        (rows) => {
          const { expectedCalibrationError } = calibrationReport(
            rows.map((r) => r[0]),
            rows.map((r) => r[1]),
          );
          expect(expectedCalibrationError).toBeGreaterThanOrEqual(0);
          expect(expectedCalibrationError).toBeLessThanOrEqual(1 + 1e-12);
        },
      ),
    );
  });
});

describe('matured outcome', () => {
  it('matures once the horizon after the statement has passed', () => {
    expect(isMatured(at('2026-01-01T00:00:00Z'), at('2026-01-30T23:59:59Z'), 30)).toBe(false);
    expect(isMatured(at('2026-01-01T00:00:00Z'), at('2026-01-31T00:00:00Z'), 30)).toBe(true);
  });

  it('counts as paid when the window held at least the minimum due', () => {
    expect(defaultedWithinWindow({ minimumDueMinor: 5_000, paidInWindowMinor: 5_000 })).toBe(0);
    expect(defaultedWithinWindow({ minimumDueMinor: 5_000, paidInWindowMinor: 4_999 })).toBe(1);
  });

  it('ranks and calibrates the scores against what happened, skipping statements with nothing due', () => {
    const observation = (probabilityToPay: number, paid: number, due = 100): ScoreObservation => ({
      observedAt: at('2026-01-01T00:00:00Z'),
      probabilityToPay,
      minimumDueMinor: due,
      paidInWindowMinor: paid,
    });
    const result = maturedPerformance([
      observation(0.9, 100),
      observation(0.8, 0), // defaulted despite a good score
      observation(0.3, 0),
      observation(0.2, 150),
      observation(0.5, 0, 0), // nothing due: no outcome
    ]);
    expect(result.n).toBe(4);
    expect(result.defaults).toBe(2);
    // defaulters' PDs 0.2, 0.7 vs payers' 0.1, 0.8: pairs won 0.2>0.1, 0.7>0.1 -> 2 of 4
    expect(result.auc).toBeCloseTo(0.5, 12);
    expect(result.calibrationError).toBeCloseTo(
      calibrationReport([0, 1, 1, 0], [0.1, 0.2, 0.7, 0.8]).expectedCalibrationError,
      12,
    );
  });
});
