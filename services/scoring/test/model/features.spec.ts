import fc from 'fast-check';
import {
  AccountHistory,
  AccountHistoryField,
  FEATURE_DEFINITIONS,
  FEATURE_NAMES,
  FeatureExtractor,
  PROTECTED_ATTRIBUTES,
  assertNoProtectedAttributes,
} from '../../src/model/domain/features';
import { ScoringModelErrorCode, ScoringModelException } from '../../src/model/domain/scoring-model.exception';
import { historyOf } from './synthetic-accounts';

const statementArbitrary = fc.record({
  bill: fc.integer({ min: -5_000, max: 600_000 }),
  paid: fc.integer({ min: 0, max: 400_000 }),
  status: fc.integer({ min: -2, max: 9 }),
});

const fullHistoryArbitrary: fc.Arbitrary<AccountHistory> = fc.record({
  creditLimit: fc.integer({ min: 10_000, max: 1_000_000 }),
  statements: fc.array(statementArbitrary, { minLength: 6, maxLength: 6 }),
  education: fc.constantFrom('graduate_school', 'university', 'high_school', 'other' as const),
});

function valueOf(values: Float64Array, name: string): number {
  return values[FEATURE_NAMES.indexOf(name)];
}

describe(FeatureExtractor.name, () => {
  it('uses no protected attribute: no feature is named after one or reads one', () => {
    const fields = FEATURE_DEFINITIONS.flatMap((d) => [d.name, ...d.reads]).map((f) => f.toLowerCase());

    for (const attribute of ['sex', 'gender', 'marital', 'age', 'x2', 'x4', 'x5']) {
      expect(PROTECTED_ATTRIBUTES).toContain(attribute);
      expect(fields.filter((field) => field.split(/[._]/).includes(attribute))).toEqual([]);
    }
    expect(() => assertNoProtectedAttributes(FEATURE_DEFINITIONS)).not.toThrow();
  });

  it('refuses to run a feature that reads a protected attribute', () => {
    const ageFeature = {
      features: [
        { name: 'age_band', description: 'age', reads: ['creditLimit' as AccountHistoryField], imputeWith: 0 },
      ],
      compute: () => undefined,
    };

    const build = (): FeatureExtractor => new FeatureExtractor([ageFeature]);

    expect(build).toThrow(ScoringModelException);
    expect(build).toThrow(/protected attribute/);
  });

  it('reads the statements the way an agent would', () => {
    const sut = new FeatureExtractor();
    // latest cycle 2 months behind, paying 800 of a 10,000 bill; a 50,000 limit
    const history = historyOf(
      50_000,
      [12_000, 800, 2],
      [10_000, 500, 1],
      [9_000, 9_000, 0],
      [8_000, 0, -1],
      [0, 0, -2],
      [0, 0, -2],
    );

    const { values, imputed } = sut.extract(history);

    expect(imputed).toEqual([]);
    expect(valueOf(values, 'status_m0')).toBe(2);
    expect(valueOf(values, 'payment_ratio_1m')).toBeCloseTo(0.08);
    expect(valueOf(values, 'utilisation_m0')).toBeCloseTo(0.24);
    expect(valueOf(values, 'months_delayed_6m')).toBe(2);
    expect(valueOf(values, 'status_max_3m')).toBe(2);
    expect(valueOf(values, 'months_since_delayed')).toBe(0);
    // the payment of 9,000 two cycles ago covered the 8,000 statement before it
    expect(valueOf(values, 'months_since_full_payment')).toBe(2);
    expect(valueOf(values, 'status_trend_6m')).toBeCloseTo((2 + 1 + 0 - (-1 - 2 - 2)) / 3);
    expect(valueOf(values, 'bill_slope_6m')).toBeGreaterThan(0);
  });

  it('rejects NaN and infinite inputs with an error naming the field', () => {
    const sut = new FeatureExtractor();
    const badValue = fc.constantFrom(NaN, Infinity, -Infinity);
    const field = fc.oneof(
      fc.constant({ path: 'creditLimit' }),
      fc.record({ month: fc.integer({ min: 0, max: 5 }), key: fc.constantFrom('bill', 'paid', 'status' as const) }),
    );

    fc.assert(
      fc.property(fullHistoryArbitrary, field, badValue, (history, target, bad) => {
        const corrupted: AccountHistory =
          'path' in target
            ? { ...history, creditLimit: bad }
            : {
                ...history,
                statements: history.statements.map((s, k) => (k === target.month ? { ...s, [target.key]: bad } : s)),
              };
        const expectedField = 'path' in target ? 'creditLimit' : `statements[${target.month}].${target.key}`;

        const error = captureError(() => sut.extract(corrupted));

        expect(error).toBeInstanceOf(ScoringModelException);
        expect(error).toMatchObject({ code: ScoringModelErrorCode.InvalidAccountHistory, field: expectedField });
        expect((error as Error).message).toContain(expectedField);
      }),
    );
  });

  it('rejects a repayment status that is not a status code', () => {
    const sut = new FeatureExtractor();

    const error = captureError(() => sut.extract(historyOf(10_000, [100, 0, 1.5])));

    expect(error).toMatchObject({ code: ScoringModelErrorCode.InvalidAccountHistory, field: 'statements[0].status' });
  });

  it('fills what a two-month history cannot support with the documented defaults, and flags each one', () => {
    const sut = new FeatureExtractor();

    const { values, imputed } = sut.extract(historyOf(20_000, [5_000, 500, 0], [4_000, 4_000, -1]));

    expect(imputed).toEqual(expect.arrayContaining(['status_m2', 'status_m5', 'payment_ratio_3m', 'payment_ratio_6m']));
    expect(imputed).not.toContain('status_m0');
    expect(imputed).not.toContain('payment_ratio_1m');
    for (const name of imputed) {
      const definition = FEATURE_DEFINITIONS.find((d) => d.name === name);
      expect(valueOf(values, name)).toBe(definition?.imputeWith);
    }
  });

  it('flags the utilisation features when the credit limit is unknown', () => {
    const sut = new FeatureExtractor();
    const history = historyOf(
      0,
      [5_000, 500, 0],
      [4_000, 400, 0],
      [3_000, 300, 0],
      [2_000, 200, 0],
      [1_000, 100, 0],
      [0, 0, 0],
    );

    const { imputed } = sut.extract(history);

    expect(imputed).toEqual(
      expect.arrayContaining(['credit_limit_log', 'utilisation_m0', 'utilisation_mean_6m', 'bill_slope_6m']),
    );
    expect(imputed).not.toContain('payment_ratio_1m');
  });

  it('flags the education level when it is not on file', () => {
    const sut = new FeatureExtractor();
    const { education: _education, ...withoutEducation } = historyOf(20_000, [5_000, 500, 0]);

    expect(sut.extract(withoutEducation).imputed).toContain('education_level');
  });

  it('needs no imputation for a full six-month history, and every value is finite', () => {
    const sut = new FeatureExtractor();

    fc.assert(
      fc.property(fullHistoryArbitrary, (history) => {
        const { values, imputed } = sut.extract(history);

        expect(imputed).toEqual([]);
        expect(Array.from(values).every(Number.isFinite)).toBe(true);
      }),
    );
  });

  it('computes each feature from the history fields it declares and nothing else', () => {
    const sut = new FeatureExtractor();
    const perturbations: Array<[AccountHistoryField, (h: AccountHistory, n: number) => AccountHistory]> = [
      ['creditLimit', (h, n) => ({ ...h, creditLimit: h.creditLimit + 1 + n })],
      ['education', (h) => ({ ...h, education: h.education === 'other' ? 'university' : 'other' })],
      ['statements.bill', (h, n) => ({ ...h, statements: h.statements.map((s) => ({ ...s, bill: s.bill + 7 + n })) })],
      ['statements.paid', (h, n) => ({ ...h, statements: h.statements.map((s) => ({ ...s, paid: s.paid + 3 + n })) })],
      [
        'statements.status',
        (h) => ({ ...h, statements: h.statements.map((s) => ({ ...s, status: (s.status + 3) % 10 })) }),
      ],
    ];

    fc.assert(
      fc.property(fullHistoryArbitrary, fc.nat(1000), (history, n) => {
        const before = sut.extract(history).values;
        for (const [field, perturb] of perturbations) {
          const after = sut.extract(perturb(history, n)).values;
          FEATURE_DEFINITIONS.forEach((definition, i) => {
            if (!definition.reads.includes(field))
              expect([definition.name, after[i]]).toEqual([definition.name, before[i]]);
          });
        }
      }),
      { numRuns: 50 },
    );
  });
});

function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
