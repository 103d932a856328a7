import fc from 'fast-check';
import { IMPUTED_NOTE, describeFeature, topReasons } from '../../src/model/domain/reason-codes';

describe(describeFeature.name, () => {
  it('says what an agent needs to hear', () => {
    expect(describeFeature('payment_ratio_1m', 0.08)).toBe('paid 8% of the last bill');
    expect(describeFeature('status_m0', 2)).toBe('2 months behind in the latest cycle');
    expect(describeFeature('status_m1', -1)).toBe('paid in full in the previous cycle');
    expect(describeFeature('months_since_full_payment', 6)).toBe('no bill paid in full in the last 6 cycles');
    expect(describeFeature('utilisation_m0', 0.95)).toBe('using 95% of the credit limit');
    expect(describeFeature('months_delayed_6m', 3)).toBe('behind in 3 of the last 6 cycles');
    expect(describeFeature('credit_limit_log', Math.log1p(50_000))).toBe('credit limit of 50,000');
  });
});

describe(topReasons.name, () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f'];

  it('reports the k features with the largest absolute contribution, largest first', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 0, max: 6 }),
        (contributions, k) => {
          const sut = topReasons(contributions, new Array(6).fill(0), [], k, names);

          const sizes = sut.map((reason) => Math.abs(reason.contribution));
          const nonZero = contributions
            .filter((c) => c !== 0)
            .map(Math.abs)
            .sort((x, y) => y - x);
          expect(sizes).toEqual(nonZero.slice(0, k));
          for (const reason of sut) expect(reason.effect).toBe(reason.contribution > 0 ? 'raises_risk' : 'lowers_risk');
        },
      ),
    );
  });

  it('flags a reason that rests on an imputed feature', () => {
    const sut = topReasons([0.1, -2, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0], ['b'], 2, names);

    expect(sut[0]).toMatchObject({ feature: 'b', imputed: true });
    expect(sut[0].text.endsWith(IMPUTED_NOTE)).toBe(true);
    expect(sut[1]).toMatchObject({ feature: 'a', imputed: false });
  });
});
