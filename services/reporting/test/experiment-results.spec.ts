import fc from 'fast-check';
import {
  ArmAccount,
  compareRecoveryRates,
  experimentResult,
  recoveryRateVariance,
  twoSidedP,
} from '../src/experiments/domain/experiment-results';
import { experimentResultsCsv } from '../src/experiments/domain/experiment-results-csv';

const acc = (placedMinor: number, collectedMinor: number): ArmAccount => ({ placedMinor, collectedMinor });
const repeat = (n: number, a: ArmAccount) => Array.from({ length: n }, () => a);

describe(experimentResult.name, () => {
  // Champion: Σplaced 500, Σcollected 200, R₁ = 0.4; residuals cᵢ − 0.4·pᵢ = 10, −40, 20, 10 → Σ² = 2,200.
  const champion = [acc(100, 50), acc(100, 0), acc(200, 100), acc(100, 50)];
  // Challenger: Σplaced 500, Σcollected 250, R₂ = 0.5; residuals 50, 0, 0, −50 → Σ² = 5,000.
  const challenger = [acc(100, 100), acc(100, 50), acc(200, 100), acc(100, 0)];

  it('summarises each arm: accounts, amounts, recovery rate and paying accounts', () => {
    const sut = experimentResult('champion', champion, 'challenger', challenger);
    expect(sut.champion).toEqual({
      arm: 'champion',
      accounts: 4,
      placedMinor: 500,
      collectedMinor: 200,
      recoveryRate: 0.4,
      payingAccounts: 3,
      payingRate: 0.75,
    });
    expect(sut.challenger.recoveryRate).toBe(0.5);
  });

  it('computes the delta-method variance of a recovery rate by hand', () => {
    // n = 4, p̄ = 125: 2,200 ÷ (3 · 4 · 125²) = 2,200 ÷ 187,500.
    expect(recoveryRateVariance(champion)).toBeCloseTo(2_200 / 187_500, 15);
    expect(recoveryRateVariance(challenger)).toBeCloseTo(5_000 / 187_500, 15);
    expect(recoveryRateVariance([acc(100, 10)])).toBeNull(); // one account has no spread
  });

  it('gives the difference, its 95% interval and p-value, and calls four accounts an arm too few', () => {
    const sut = experimentResult('champion', champion, 'challenger', challenger);
    const [recovery, paying] = sut.comparisons;
    // SE = √(0.0117333 + 0.0266667) = √0.0384 = 0.1959592; z = 0.1 ÷ SE = 0.5103104.
    expect(recovery.test).toBe('delta_method_z');
    expect(recovery.difference).toBeCloseTo(0.1, 12);
    expect(recovery.z).toBeCloseTo(0.5103103630798288, 9);
    expect(recovery.ciLow).toBeCloseTo(-0.2840729341084248, 9);
    expect(recovery.ciHigh).toBeCloseTo(0.4840729341084248, 9);
    expect(recovery.pValue).toBeCloseTo(0.6098340436734594, 6);
    expect(recovery.significant).toBe(false);
    // Paying: 3 of 4 in both arms: difference 0, z 0, p 1.
    expect(paying).toMatchObject({ test: 'two_proportion_z', difference: 0, z: 0 });
    expect(paying.pValue).toBeCloseTo(1, 6);
    expect(sut.verdict).toBe('insufficient_data');
  });

  it('calls a real winner: 30 of 40 accounts paid in full against 20 of 40', () => {
    const champ = [...repeat(20, acc(1_000, 1_000)), ...repeat(20, acc(1_000, 0))];
    const chall = [...repeat(30, acc(1_000, 1_000)), ...repeat(10, acc(1_000, 0))];
    const sut = experimentResult('champion', champ, 'challenger', chall);
    const [recovery, paying] = sut.comparisons;
    // Var₁ = 40·500² ÷ (39·40·1000²), Var₂ = (30·250² + 10·750²) ÷ (39·40·1000²); SE = 0.1059148.
    expect(recovery.difference).toBeCloseTo(0.25, 12);
    expect(recovery.z).toBeCloseTo(2.3603873774083293, 9);
    expect(recovery.pValue).toBeCloseTo(0.01825586058745931, 6);
    expect(recovery.ciLow).toBeCloseTo(0.04241077086549394, 9);
    expect(recovery.significant).toBe(true);
    // Pooled p̂ = 50/80: SE₀ = √(0.625·0.375·(2/40)) = 0.1082532, z = 2.3094011.
    expect(paying.z).toBeCloseTo(2.3094010767585034, 9);
    expect(paying.pValue).toBeCloseTo(0.020921335337794028, 6);
    expect(paying.ciHigh! - paying.difference!).toBeCloseTo(1.959963984540054 * 0.10458250331675945, 9);
    expect(sut.verdict).toBe('challenger_better');
    expect(experimentResult('a', chall, 'b', champ).verdict).toBe('champion_better');
  });

  it('exports the arms and the comparisons as CSV', () => {
    const csv = experimentResultsCsv({
      experiment: 'scoring_model',
      currency: 'USD',
      ...experimentResult('champion', champion, 'challenger', challenger),
    }).split('\r\n');
    expect(csv[0]).toBe(
      'row,experiment,currency,arm_or_metric,accounts,placed_minor,collected_minor,recovery_rate,paying_accounts,paying_rate,test,difference,ci_low,ci_high,z,p_value,significant,verdict',
    );
    expect(csv[1]).toBe('arm,scoring_model,USD,champion,4,500,200,0.4,3,0.75,,,,,,,,');
    expect(csv[3]).toMatch(
      /^comparison,scoring_model,USD,recovery_rate,,,,,,,delta_method_z,0\.(1|0999)\d*,-0\.28\d+,0\.48\d+,0\.51\d+,0\.60\d+,false,insufficient_data$/,
    );
    expect(csv[4]).toMatch(/^comparison,scoring_model,USD,paying_rate,.*,false,$/);
  });

  it('leaves the test undefined when an arm is empty or nothing varies', () => {
    expect(experimentResult('champion', [], 'challenger', challenger).comparisons[0]).toMatchObject({
      difference: null,
      pValue: null,
      significant: false,
    });
    const flat = repeat(40, acc(100, 50));
    expect(compareRecoveryRates(flat, flat, true)).toMatchObject({ difference: 0, z: null, significant: false });
  });

  it('uses a normal tail accurate to 1e-7', () => {
    expect(twoSidedP(1.959963984540054)).toBeCloseTo(0.05, 7);
    expect(twoSidedP(0)).toBeCloseTo(1, 7);
    expect(twoSidedP(-2.5758293035489)).toBeCloseTo(0.01, 7);
  });

  const arm = fc.array(
    fc.record({
      placedMinor: fc.integer({ min: 1, max: 1_000_000 }),
      collectedMinor: fc.integer({ min: 0, max: 1_000_000 }),
    }),
    { minLength: 2, maxLength: 60 },
  );

  it('is symmetric: swapping the arms negates the difference and its interval and keeps the p-value', () => {
    fc.assert(
      fc.property(arm, arm, (a, b) => {
        const ab = compareRecoveryRates(a, b, true);
        const ba = compareRecoveryRates(b, a, true);
        if (ab.z === null) return ba.z === null;
        expect(ba.difference!).toBeCloseTo(-ab.difference!, 9);
        expect(ba.ciLow!).toBeCloseTo(-ab.ciHigh!, 9);
        expect(ba.pValue!).toBeCloseTo(ab.pValue!, 9);
        return true;
      }),
    );
  });

  it('is significant exactly when the interval leaves out zero, and p lies in [0, 1]', () => {
    fc.assert(
      fc.property(arm, arm, (a, b) => {
        const c = compareRecoveryRates(a, b, true);
        if (c.z === null) return true;
        expect(c.pValue!).toBeGreaterThanOrEqual(0);
        expect(c.pValue!).toBeLessThanOrEqual(1);
        expect(c.ciLow!).toBeLessThanOrEqual(c.difference!);
        expect(c.ciHigh!).toBeGreaterThanOrEqual(c.difference!);
        fc.pre(Math.abs(Math.abs(c.z) - 1.959963984540054) > 1e-4); // the approximated tail at the boundary
        expect(c.significant).toBe(c.ciLow! > 0 || c.ciHigh! < 0);
        return true;
      }),
    );
  });

  it('does not depend on the unit of money: scaling every amount changes nothing', () => {
    fc.assert(
      fc.property(arm, arm, fc.integer({ min: 2, max: 1_000 }), (a, b, k) => {
        const scale = (xs: ArmAccount[]) => xs.map((x) => acc(x.placedMinor * k, x.collectedMinor * k));
        const c = compareRecoveryRates(a, b, true);
        const s = compareRecoveryRates(scale(a), scale(b), true);
        if (c.z === null) return s.z === null || Math.abs(s.z) < 1e-6;
        expect(s.z!).toBeCloseTo(c.z, 6);
        expect(s.difference!).toBeCloseTo(c.difference!, 12);
        return true;
      }),
    );
  });
});
