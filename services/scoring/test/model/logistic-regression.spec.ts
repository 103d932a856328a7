import { LabelledMatrix } from '../../src/model/domain/gradient-boosting';
import {
  logisticContributions,
  logisticMargin,
  trainLogisticRegression,
} from '../../src/model/domain/logistic-regression';
import { sigmoid } from '../../src/model/domain/metrics';
import { SeededRandom } from '../../src/model/domain/seeded-random';

/** y ~ Bernoulli(sigmoid(0.5 + 1.5 x0 - 0.8 x1)), x2 constant, on standard-normal-ish x. */
function linearSignal(rows: number, seed: number): LabelledMatrix {
  const random = new SeededRandom(seed);
  const features = 3;
  const values = new Float64Array(rows * features);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    const x0 = random.next() * 2 - 1;
    const x1 = random.next() * 4 - 2;
    values.set([x0, x1, 7], r * features);
    labels[r] = random.next() < sigmoid(0.5 + 1.5 * x0 - 0.8 * x1) ? 1 : 0;
  }
  return { values, labels, rows, features };
}

describe(trainLogisticRegression.name, () => {
  it('recovers the coefficients that generated the data', () => {
    const data = linearSignal(20_000, 3);

    const sut = trainLogisticRegression(data, { l2Regularisation: 0, maxIterations: 50 });

    const rawWeights = sut.coefficients.map((c, j) => c / sut.scales[j]);
    // within about three standard errors of the truth at 20,000 rows
    expect(Math.abs(rawWeights[0] - 1.5)).toBeLessThan(0.1);
    expect(Math.abs(rawWeights[1] + 0.8)).toBeLessThan(0.05);
    expect(rawWeights[2]).toBe(0);
    expect(Math.abs(logisticMargin(sut, [0, 0, 7]) - 0.5)).toBeLessThan(0.05);
  });

  it('shrinks the coefficients as the L2 penalty grows', () => {
    const data = linearSignal(2_000, 4);

    const loose = trainLogisticRegression(data, { l2Regularisation: 0, maxIterations: 50 });
    const tight = trainLogisticRegression(data, { l2Regularisation: 0.5, maxIterations: 50 });

    expect(Math.abs(tight.coefficients[0])).toBeLessThan(Math.abs(loose.coefficients[0]));
  });
});

describe(logisticContributions.name, () => {
  it('splits the margin into coefficient x (x - mean) per feature, the intercept being the margin at the mean', () => {
    const sut = trainLogisticRegression(linearSignal(2_000, 5));
    const row = [0.3, -1.2, 7];

    const contributions = logisticContributions(sut, row);

    expect(sut.intercept + contributions.reduce((s, c) => s + c, 0)).toBeCloseTo(logisticMargin(sut, row), 12);
    expect(contributions[0]).toBeCloseTo((sut.coefficients[0] * (0.3 - sut.means[0])) / sut.scales[0], 12);
  });
});
