import fc from 'fast-check';
import { PRIORITY_HALF_LIFE_DAYS, priorityOf } from '../../src/scores/domain/priority';

describe(priorityOf.name, () => {
  it('expects to recover the probability to pay times what is owed', () => {
    expect(priorityOf(0.8, 100_000, 0)).toEqual({ expectedRecoveryMinor: 80_000, priority: 80_000 });
    expect(priorityOf(0.8, -500, 0)).toEqual({ expectedRecoveryMinor: 0, priority: 0 });
  });

  it('halves the priority every half-life of days past due', () => {
    expect(priorityOf(0.5, 100_000, PRIORITY_HALF_LIFE_DAYS).priority).toBeCloseTo(25_000, 6);
    expect(priorityOf(0.5, 100_000, 2 * PRIORITY_HALF_LIFE_DAYS).priority).toBeCloseTo(12_500, 6);
  });

  it('sorts an account whose balance is unknown last', () => {
    expect(priorityOf(0.99, undefined, 0)).toEqual({ expectedRecoveryMinor: undefined, priority: 0 });
  });

  it('never falls when the probability or the balance rises, nor rises with age', () => {
    const p = fc.double({ min: 0, max: 1, noNaN: true });
    const balance = fc.integer({ min: 0, max: 1e10 });
    const days = fc.integer({ min: 0, max: 3_000 });
    fc.assert(
      fc.property(p, p, balance, balance, days, days, (p1, p2, b1, b2, d1, d2) => {
        const [pl, ph] = p1 <= p2 ? [p1, p2] : [p2, p1];
        const [bl, bh] = b1 <= b2 ? [b1, b2] : [b2, b1];
        const [dl, dh] = d1 <= d2 ? [d1, d2] : [d2, d1];
        expect(priorityOf(ph, bh, dl).priority).toBeGreaterThanOrEqual(priorityOf(pl, bl, dl).priority);
        expect(priorityOf(ph, bh, dh).priority).toBeLessThanOrEqual(priorityOf(ph, bh, dl).priority);
      }),
    );
  });
});
