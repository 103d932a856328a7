import { CreditRiskModel } from '../../src/model/domain/credit-risk-model';
import { FEATURE_COUNT, FEATURE_NAMES } from '../../src/model/domain/features';
import { rocAuc } from '../../src/model/domain/metrics';
import { MODEL_ARTIFACT_VERSION, ModelArtifact } from '../../src/model/domain/model-artifact';
import { IMPUTED_NOTE } from '../../src/model/domain/reason-codes';
import { ScoringModelErrorCode, ScoringModelException } from '../../src/model/domain/scoring-model.exception';
import {
  DEFAULT_TRAINING_OPTIONS,
  TrainingOptions,
  trainCreditRiskModel,
} from '../../src/model/domain/train-credit-risk-model';
import { historyOf, syntheticAccounts } from './synthetic-accounts';

const OPTIONS: TrainingOptions = { ...DEFAULT_TRAINING_OPTIONS, createdAt: '2025-01-01T00:00:00.000Z' };
const trainingAccounts = syntheticAccounts(2_500, 1);
const newAccounts = syntheticAccounts(1_500, 2);
const treesArtifact = trainCreditRiskModel(trainingAccounts, OPTIONS);
const logisticArtifact = trainCreditRiskModel(trainingAccounts, { ...OPTIONS, candidates: ['logistic-regression'] });

// 2 months behind on the latest statement, having paid 5% of the bill before it
const troubledHistory = historyOf(
  40_000,
  [30_000, 1_000, 2],
  [20_000, 0, 1],
  [18_000, 500, 0],
  [16_000, 16_000, -1],
  [4_000, 4_000, -1],
  [3_000, 3_000, -1],
);

describe(trainCreditRiskModel.name, () => {
  it('learns the rule behind defaults and ranks new accounts by it', () => {
    const model = CreditRiskModel.fromArtifact(treesArtifact);

    const probabilities = model.predictBatch(newAccounts.map((a) => a.history));

    expect(
      rocAuc(
        newAccounts.map((a) => a.defaulted),
        probabilities,
      ),
    ).toBeGreaterThan(0.75);
  });

  it('writes an artifact naming its version, kind, features, training data, metrics and calibration', () => {
    expect(treesArtifact).toMatchObject({
      version: MODEL_ARTIFACT_VERSION,
      kind: 'gradient-boosted-trees',
      createdAt: OPTIONS.createdAt,
      trainingDataFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      calibration: { method: 'platt' },
    });
    expect(treesArtifact.features.map((f) => f.name)).toEqual(FEATURE_NAMES);
    expect(treesArtifact.metrics.validation.auc).toBeGreaterThan(0.7);
    expect(treesArtifact.metrics.reliability).toHaveLength(10);
    expect(JSON.parse(JSON.stringify(treesArtifact))).toEqual(treesArtifact);
  });

  it('keeps the candidate with the higher validation AUC', () => {
    const [best] = [...treesArtifact.metrics.candidates].sort((a, b) => b.validationAuc - a.validationAuc);

    expect(treesArtifact.metrics.candidates.map((c) => c.kind)).toEqual([
      'gradient-boosted-trees',
      'logistic-regression',
    ]);
    expect(treesArtifact.kind).toBe(best.kind);
  });

  it('trains the same model from the same accounts and seed', () => {
    expect(trainCreditRiskModel(trainingAccounts, OPTIONS)).toEqual(treesArtifact);
  });
});

describe(CreditRiskModel.name, () => {
  it('scores the same after its artifact went through JSON', () => {
    const histories = newAccounts.slice(0, 300).map((a) => a.history);
    const sut = CreditRiskModel.fromArtifact(JSON.stringify(treesArtifact));

    expect(sut.predictBatch(histories)).toEqual(CreditRiskModel.fromArtifact(treesArtifact).predictBatch(histories));
  });

  it('scores an account alone exactly as in a batch', () => {
    const sut = CreditRiskModel.fromArtifact(treesArtifact);
    const histories = newAccounts.slice(0, 50).map((a) => a.history);

    const batch = sut.predictBatch(histories);

    histories.forEach((history, i) => expect(sut.score(history).probabilityOfDefault).toBe(batch[i]));
  });

  it('refuses an artifact of an unknown version, saying which versions it reads', () => {
    const future = { ...treesArtifact, version: 'scoring-model/v9' };

    expect(() => CreditRiskModel.fromArtifact(future)).toThrow(
      expect.objectContaining({ code: ScoringModelErrorCode.UnsupportedModelVersion, field: 'version' }),
    );
    expect(() => CreditRiskModel.fromArtifact(future)).toThrow(`this build reads ${MODEL_ARTIFACT_VERSION}`);
  });

  it('refuses an artifact trained on another feature set', () => {
    const older = { ...treesArtifact, features: treesArtifact.features.slice(1) };

    expect(() => CreditRiskModel.fromArtifact(older)).toThrow(
      expect.objectContaining({ code: ScoringModelErrorCode.InvalidModelArtifact, field: 'features' }),
    );
  });

  it.each<[string, ModelArtifact]>([
    ['trees (TreeSHAP)', treesArtifact],
    ['logistic regression (coefficient x (x - mean))', logisticArtifact],
  ])('explains a %s score: base value plus contributions is the margin', (_kind, artifact) => {
    const sut = CreditRiskModel.fromArtifact(artifact);

    for (const account of newAccounts.slice(0, 40)) {
      const explanation = sut.explain(account.history);

      const total = explanation.contributions.reduce((sum, c) => sum + c, 0);
      expect(explanation.baseValue + total).toBeCloseTo(explanation.margin, 9);
    }
  });

  it.each<[string, ModelArtifact]>([
    ['trees', treesArtifact],
    ['logistic regression', logisticArtifact],
  ])('gives as reasons the features that moved a %s score the most', (_kind, artifact) => {
    const sut = CreditRiskModel.fromArtifact(artifact);

    for (const account of [...newAccounts.slice(0, 40).map((a) => a.history), troubledHistory]) {
      const { contributions } = sut.explain(account);
      const score = sut.score(account, 4);

      const largest = [...contributions.keys()]
        .sort((a, b) => Math.abs(contributions[b]) - Math.abs(contributions[a]))
        .slice(0, 4)
        .map((i) => Math.abs(contributions[i]));
      expect(score.reasons.map((r) => Math.abs(r.contribution))).toEqual(largest);
      for (const reason of score.reasons) {
        expect(reason.contribution).toBe(contributions[FEATURE_NAMES.indexOf(reason.feature)]);
        expect(reason.effect).toBe(reason.contribution > 0 ? 'raises_risk' : 'lowers_risk');
      }
    }
  });

  it('tells an agent in words why a troubled account scores high', () => {
    const sut = CreditRiskModel.fromArtifact(treesArtifact);

    const score = sut.score(troubledHistory, FEATURE_COUNT);

    expect(score.probabilityOfDefault).toBeGreaterThan(0.5);
    expect(score.probabilityToPay).toBeCloseTo(1 - score.probabilityOfDefault, 12);
    const texts = score.reasons.filter((r) => r.effect === 'raises_risk').map((r) => r.text);
    expect(texts).toContain('2 months behind in the latest cycle');
    expect(texts).toContain('paid 5% of the last bill');
  });

  it('marks the reasons that rest on features a short history could not support', () => {
    const sut = CreditRiskModel.fromArtifact(treesArtifact);
    const { education: _education, ...young } = historyOf(40_000, [30_000, 300, 1], [25_000, 0, 0]);

    const score = sut.score(young, FEATURE_COUNT);

    const imputedReasons = score.reasons.filter((r) => score.imputedFeatures.includes(r.feature));
    expect(imputedReasons.length).toBeGreaterThan(0);
    for (const reason of score.reasons) {
      const imputed = score.imputedFeatures.includes(reason.feature);
      expect(reason.imputed).toBe(imputed);
      expect(reason.text.endsWith(IMPUTED_NOTE)).toBe(imputed);
    }
  });

  it('refuses to score a history holding NaN, naming the field', () => {
    const sut = CreditRiskModel.fromArtifact(treesArtifact);
    const broken = historyOf(40_000, [30_000, NaN, 1]);

    expect(() => sut.score(broken)).toThrow(ScoringModelException);
    expect(() => sut.predictBatch([broken])).toThrow('statements[0].paid');
  });
});
