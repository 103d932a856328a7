import fc from 'fast-check';
import { CreditRiskModel, FeatureExtractor, parseUciCsv } from '../../src/model';
import { loadProductionModel } from '../../src/scores/feature-store.consumer';

const HEADER = 'ID,X1,X2,X3,X4,X5,X6,X7,X8,X9,X10,X11,X12,X13,X14,X15,X16,X17,X18,X19,X20,X21,X22,X23,Y';

/** A UCI row with its protected cells (sex, marital status, age) given separately. */
const accountCells = fc.record({
  limit: fc.integer({ min: 10_000, max: 1_000_000 }),
  education: fc.integer({ min: 0, max: 6 }),
  statuses: fc.array(fc.integer({ min: -2, max: 8 }), { minLength: 6, maxLength: 6 }),
  bills: fc.array(fc.integer({ min: -5_000, max: 500_000 }), { minLength: 6, maxLength: 6 }),
  paid: fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 6, maxLength: 6 }),
});
const protectedCells = fc.record({
  sex: fc.constantFrom('1', '2'),
  marital: fc.constantFrom('0', '1', '2', '3'),
  age: fc.integer({ min: 21, max: 79 }).map(String),
});

function row(
  account: typeof accountCells extends fc.Arbitrary<infer T> ? T : never,
  p: { sex: string; marital: string; age: string },
) {
  const { limit, education, statuses, bills, paid } = account;
  return ['1', limit, p.sex, education, p.marital, p.age, ...statuses, ...bills, ...paid, '0'].join(',');
}

describe('protected attributes', () => {
  let model: CreditRiskModel;
  beforeAll(() => {
    model = loadProductionModel().model;
  });

  it('never reach the feature vector nor the score: changing sex, marital status or age changes nothing', () => {
    const extractor = new FeatureExtractor();
    fc.assert(
      fc.property(accountCells, protectedCells, protectedCells, (account, a, b) => {
        const [first] = parseUciCsv(`${HEADER}\n${row(account, a)}`);
        const [second] = parseUciCsv(`${HEADER}\n${row(account, b)}`);

        expect(second.history).toEqual(first.history);
        expect(extractor.extract(second.history).values).toEqual(extractor.extract(first.history).values);
        expect(model.score(second.history).probabilityToPay).toBe(model.score(first.history).probabilityToPay);
      }),
      { numRuns: 200 },
    );
  });

  it('are not among the features the production model was trained on', () => {
    const names = model.artifact.features.map((f) => f.name.toLowerCase());
    for (const attribute of ['sex', 'gender', 'marital', 'age', 'x2', 'x4', 'x5']) {
      expect(names.filter((name) => name.split('_').includes(attribute))).toEqual([]);
    }
  });
});
