import fc from 'fast-check';
import { crossValidate } from '../../src/model/domain/cross-validation';
import { brierScore } from '../../src/model/domain/metrics';
import { SeededRandom } from '../../src/model/domain/seeded-random';
import { stratifiedFolds, stratifiedHoldout } from '../../src/model/domain/stratified-split';
import { DEFAULT_TRAINING_OPTIONS } from '../../src/model/domain/train-credit-risk-model';
import { syntheticAccounts } from './synthetic-accounts';

const labelsArbitrary = fc.array(fc.constantFrom(0, 1), { minLength: 10, maxLength: 400 });

describe(stratifiedFolds.name, () => {
  it('gives every fold the same number of defaulters and of payers, to one row', () => {
    fc.assert(
      fc.property(labelsArbitrary, fc.integer({ min: 2, max: 10 }), fc.integer(), (labels, folds, seed) => {
        const sut = stratifiedFolds(labels, folds, new SeededRandom(seed));

        for (const label of [0, 1]) {
          const perFold = Array.from(
            { length: folds },
            (_, k) => labels.filter((y, i) => y === label && sut[i] === k).length,
          );
          expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1);
        }
        const sizes = Array.from({ length: folds }, (_, k) => sut.filter((f) => f === k).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe(stratifiedHoldout.name, () => {
  it('splits every row into exactly one side, keeping the default rate', () => {
    fc.assert(
      fc.property(labelsArbitrary, fc.integer(), (labels, seed) => {
        const sut = stratifiedHoldout(labels, 0.2, new SeededRandom(seed));

        expect([...sut.train, ...sut.holdout].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
        const positives = labels.filter((y) => y === 1).length;
        expect(Math.abs([...sut.holdout].filter((i) => labels[i] === 1).length - positives * 0.2)).toBeLessThanOrEqual(
          0.5,
        );
      }),
    );
  });
});

describe(crossValidate.name, () => {
  it('scores each fold with a model that never saw it and reports the mean of the folds', () => {
    const accounts = syntheticAccounts(1_500, 5);

    const sut = crossValidate(accounts, 3, { ...DEFAULT_TRAINING_OPTIONS, seed: 9 });

    expect(sut.folds).toHaveLength(3);
    expect(sut.folds.reduce((n, fold) => n + fold.n, 0)).toBe(accounts.length);
    expect(sut.auc).toBeCloseTo(sut.folds.reduce((s, f) => s + f.auc, 0) / 3, 12);
    expect(sut.brier).toBeCloseTo(sut.folds.reduce((s, f) => s + f.brier, 0) / 3, 12);
    expect(sut.auc).toBeGreaterThan(0.7);
    expect(sut.pooled.n).toBe(accounts.length);
    expect(sut.outOfFold).toHaveLength(accounts.length);
    expect(
      brierScore(
        accounts.map((a) => a.defaulted),
        sut.outOfFold,
      ),
    ).toBeCloseTo(sut.pooled.brier, 12);
  });
});
