import { CreditRiskModel } from './credit-risk-model';
import { ClassificationMetrics, classificationMetrics } from './metrics';
import { ModelKind } from './model-artifact';
import { ScoringModelErrorCode, ScoringModelException } from './scoring-model.exception';
import { SeededRandom } from './seeded-random';
import { stratifiedFolds } from './stratified-split';
import { TrainingOptions, trainCreditRiskModel } from './train-credit-risk-model';
import { LabelledAccount } from './uci';

export interface FoldResult extends ClassificationMetrics {
  readonly fold: number;
  readonly model: ModelKind;
  /** Trees kept by early stopping (0 for the logistic model). */
  readonly trees: number;
  readonly calibration: string;
}

export interface CrossValidationResult {
  /** Means over the folds. */
  readonly auc: number;
  readonly brier: number;
  readonly ks: number;
  readonly logloss: number;
  readonly folds: readonly FoldResult[];
  /** All out-of-fold predictions scored together. */
  readonly pooled: ClassificationMetrics;
  /** The out-of-fold probability of each account, in input order (for calibration analysis). */
  readonly outOfFold: Float64Array;
}

const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;

/**
 * Stratified k-fold cross-validation of the whole training recipe (split, early stopping, model
 * choice, calibration happen inside each training fold; the test fold is only scored).
 */
export function crossValidate(
  accounts: readonly LabelledAccount[],
  folds: number,
  options: TrainingOptions,
  onFold?: (result: FoldResult) => void,
): CrossValidationResult {
  if (!(Number.isInteger(folds) && folds >= 2)) {
    throw new ScoringModelException(ScoringModelErrorCode.InvalidOptions, 'folds must be an integer >= 2', 'folds');
  }
  const labels = Uint8Array.from(accounts, (a) => a.defaulted);
  const foldOf = stratifiedFolds(labels, folds, new SeededRandom(options.seed));
  const outOfFold = new Float64Array(accounts.length);
  const results: FoldResult[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const trainAccounts = accounts.filter((_, i) => foldOf[i] !== fold);
    const testIndices = accounts.map((_, i) => i).filter((i) => foldOf[i] === fold);
    const artifact = trainCreditRiskModel(trainAccounts, { ...options, seed: options.seed + fold });
    const model = CreditRiskModel.fromArtifact(artifact);
    const probabilities = model.predictBatch(testIndices.map((i) => accounts[i].history));
    testIndices.forEach((row, i) => (outOfFold[row] = probabilities[i]));
    const result: FoldResult = {
      fold,
      ...classificationMetrics(
        testIndices.map((i) => labels[i]),
        probabilities,
      ),
      model: artifact.kind,
      trees: artifact.kind === 'gradient-boosted-trees' ? artifact.trees.length : 0,
      calibration: artifact.calibration.method,
    };
    results.push(result);
    onFold?.(result);
  }
  return {
    auc: mean(results.map((r) => r.auc)),
    brier: mean(results.map((r) => r.brier)),
    ks: mean(results.map((r) => r.ks)),
    logloss: mean(results.map((r) => r.logloss)),
    folds: results,
    pooled: classificationMetrics(labels, outOfFold),
    outOfFold,
  };
}
