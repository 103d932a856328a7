import { FEATURE_NAMES } from '../../src/model';
import {
  InvalidReferenceDistribution,
  buildReferenceDistribution,
  parseReferenceDistribution,
} from '../../src/monitoring/domain/reference-distribution';
import { loadReferenceDistribution } from '../../src/monitoring/reference-file';
import { PRODUCTION_MODEL_FILE, loadProductionModel } from '../../src/scores/feature-store.consumer';

describe(buildReferenceDistribution.name, () => {
  const sut = buildReferenceDistribution({
    trainingDataFingerprint: 'sha256:test',
    featureNames: ['a', 'b'],
    // rows: (1, 5), (2, 5), (3, 5), (4, 6)
    values: Float64Array.from([1, 5, 2, 5, 3, 5, 4, 6]),
    rows: 4,
    probabilitiesToPay: [0.1, 0.2, 0.8, 0.9],
    bins: 2,
  });

  it('bins every feature and the score by quantiles, with shares that add up to 1', () => {
    expect(sut.features).toEqual([
      { name: 'a', cuts: [3], proportions: [0.5, 0.5] },
      { name: 'b', cuts: [6], proportions: [0.75, 0.25] },
    ]);
    expect(sut.score).toEqual({ cuts: [0.8], proportions: [0.5, 0.5] });
  });

  it('is refused for a model trained on other rows or other features', () => {
    const json: unknown = JSON.parse(JSON.stringify(sut));
    expect(
      parseReferenceDistribution(json, { trainingDataFingerprint: 'sha256:test', featureNames: ['a', 'b'] }),
    ).toEqual(sut);
    expect(() =>
      parseReferenceDistribution(json, { trainingDataFingerprint: 'sha256:other', featureNames: ['a', 'b'] }),
    ).toThrow(InvalidReferenceDistribution);
    expect(() =>
      parseReferenceDistribution(json, { trainingDataFingerprint: 'sha256:test', featureNames: ['b', 'a'] }),
    ).toThrow(InvalidReferenceDistribution);
  });
});

describe('the shipped reference distribution', () => {
  it('fits the shipped production model (rebuild it with npm run scoring:build-reference when this fails)', () => {
    const { model } = loadProductionModel();
    const reference = loadReferenceDistribution(PRODUCTION_MODEL_FILE, model);

    expect(reference?.features.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(reference?.rows).toBe(model.artifact.trainingRows);
    for (const column of [...(reference?.features ?? []), reference!.score]) {
      expect(column.proportions.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });
});
