import { calibrate, fitCalibration } from '../domain/calibration';
import { CreditRiskModel } from '../domain/credit-risk-model';
import { buildFeatureMatrix, selectRows } from '../domain/feature-matrix';
import { LabelledMatrix, trainGradientBoosting } from '../domain/gradient-boosting';
import { ClassificationMetrics, classificationMetrics } from '../domain/metrics';
import { CompiledForest } from '../domain/regression-tree';
import { SeededRandom } from '../domain/seeded-random';
import { stratifiedFolds, stratifiedHoldout } from '../domain/stratified-split';
import { DEFAULT_TRAINING_OPTIONS, trainCreditRiskModel } from '../domain/train-credit-risk-model';
import {
  CliUsageError,
  DEFAULT_UCI_TRAINING_FILE,
  integerArgument,
  parseArguments,
  progress,
  runCli,
} from './cli-arguments';
import { readUciCsvFile } from './uci-csv-file';

/**
 * Experiments outside the production recipe, under the same outer protocol as `cross-validate`
 * (stratified folds from the seed, training fold seed + fold, the test fold only scored), with the
 * tuned tree settings. Prints one JSON line with the mean AUC, Brier and log loss over the folds.
 *
 * - `seed-bag`: k boosted models differing only in their subsampling seed, each early-stopped on the
 *   production 20% split and refitted on the whole training fold; their margins averaged; Platt (or
 *   `--calibration isotonic`) fitted on the averaged validation margins.
 * - `cross-fit`: k inner stratified folds of the training fold; model i early-stopped on inner fold
 *   i and never refitted; the calibration fitted on the pooled inner out-of-fold margins (every
 *   training row, none seen by the model that scored it); test margins averaged over the k models.
 * - `served`: the production recipe, the test fold also scored without education, as the ledger
 *   serves it (it carries no education, so scoring imputes it).
 *
 *   node services/scoring/dist/model/cli/ensemble-experiment.js --variant seed-bag|cross-fit|served [--k 5]
 *     [--seed 20051001] [--folds 5] [--calibration platt|isotonic] [--data train.csv]
 */
const USAGE =
  'usage: ensemble-experiment --variant seed-bag|cross-fit|served [--k 5] [--seed 20051001] [--folds 5] ' +
  '[--calibration platt|isotonic] [--data <uci.csv>]';

type Variant = 'seed-bag' | 'cross-fit';

function rowsWhere(rows: number, keep: (row: number) => boolean): number[] {
  const out: number[] = [];
  for (let row = 0; row < rows; row++) if (keep(row)) out.push(row);
  return out;
}

/** Averaged, calibrated probabilities of an ensemble trained on `train`, for the rows of `test`. */
function ensembleProbabilities(
  variant: Variant,
  train: LabelledMatrix,
  test: LabelledMatrix,
  k: number,
  seed: number,
  method: 'platt' | 'isotonic',
): Float64Array {
  const params = DEFAULT_TRAINING_OPTIONS.gradientBoosting;
  const forests: CompiledForest[] = [];
  let calibrationMargins: Float64Array;
  let calibrationLabels: Uint8Array;
  if (variant === 'seed-bag') {
    const split = stratifiedHoldout(train.labels, DEFAULT_TRAINING_OPTIONS.validationShare, new SeededRandom(seed));
    const fit = selectRows(train, split.train);
    const validation = selectRows(train, split.holdout);
    calibrationMargins = new Float64Array(validation.rows);
    calibrationLabels = validation.labels;
    for (let member = 0; member < k; member++) {
      const stopped = trainGradientBoosting(fit, validation, params, seed + 1000 * member);
      const margins = new CompiledForest(stopped.trees, stopped.baseScore).margins(validation);
      margins.forEach((m, i) => (calibrationMargins[i] += m / k));
      const refit = { ...params, maxIterations: stopped.trees.length, earlyStoppingRounds: 0 };
      const final = trainGradientBoosting(train, undefined, refit, seed + 1 + 1000 * member);
      forests.push(new CompiledForest(final.trees, final.baseScore));
    }
  } else {
    const inner = stratifiedFolds(train.labels, k, new SeededRandom(seed));
    calibrationMargins = new Float64Array(train.rows);
    calibrationLabels = train.labels;
    for (let member = 0; member < k; member++) {
      const held = rowsWhere(train.rows, (r) => inner[r] === member);
      const fit = selectRows(
        train,
        rowsWhere(train.rows, (r) => inner[r] !== member),
      );
      const validation = selectRows(train, held);
      const stopped = trainGradientBoosting(fit, validation, params, seed + 1000 * member);
      const forest = new CompiledForest(stopped.trees, stopped.baseScore);
      forest.margins(validation).forEach((m, i) => (calibrationMargins[held[i]] = m));
      forests.push(forest);
    }
  }
  const calibration = fitCalibration(calibrationMargins, calibrationLabels, method);
  const margins = new Float64Array(test.rows);
  for (const forest of forests) forest.margins(test).forEach((m, i) => (margins[i] += m / forests.length));
  return margins.map((m) => calibrate(calibration, m));
}

const mean = (results: readonly ClassificationMetrics[], key: 'auc' | 'brier' | 'logloss'): number =>
  results.reduce((s, r) => s + r[key], 0) / results.length;

const summary = (results: readonly ClassificationMetrics[]) => ({
  auc: mean(results, 'auc'),
  brier: mean(results, 'brier'),
  logloss: mean(results, 'logloss'),
});

runCli(() => {
  const args = parseArguments(process.argv.slice(2), ['variant', 'k', 'seed', 'folds', 'calibration', 'data'], USAGE);
  const variant = args.get('variant');
  if (variant !== 'seed-bag' && variant !== 'cross-fit' && variant !== 'served') throw new CliUsageError(USAGE);
  const k = integerArgument(args, 'k', 5);
  const seed = integerArgument(args, 'seed', DEFAULT_TRAINING_OPTIONS.seed);
  const folds = integerArgument(args, 'folds', 5);
  const method = args.get('calibration') ?? 'platt';
  if (method !== 'platt' && method !== 'isotonic') throw new CliUsageError(USAGE);
  if (k < 1 || (variant === 'cross-fit' && k < 2)) throw new CliUsageError('--k must be >= 1 (>= 2 for cross-fit)');
  const accounts = readUciCsvFile(args.get('data') ?? DEFAULT_UCI_TRAINING_FILE);
  const labels = Uint8Array.from(accounts, (a) => a.defaulted);
  const foldOf = stratifiedFolds(labels, folds, new SeededRandom(seed));
  const matrix = variant === 'served' ? undefined : buildFeatureMatrix(accounts);
  const results: ClassificationMetrics[] = [];
  const withoutEducation: ClassificationMetrics[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const trainRows = rowsWhere(accounts.length, (r) => foldOf[r] !== fold);
    const testRows = rowsWhere(accounts.length, (r) => foldOf[r] === fold);
    const testLabels = testRows.map((r) => labels[r]);
    if (matrix) {
      const probabilities = ensembleProbabilities(
        variant as Variant,
        selectRows(matrix, trainRows),
        selectRows(matrix, testRows),
        k,
        seed + fold,
        method,
      );
      results.push(classificationMetrics(testLabels, probabilities));
    } else {
      const artifact = trainCreditRiskModel(
        trainRows.map((r) => accounts[r]),
        { ...DEFAULT_TRAINING_OPTIONS, seed: seed + fold },
      );
      const model = CreditRiskModel.fromArtifact(artifact);
      results.push(classificationMetrics(testLabels, model.predictBatch(testRows.map((r) => accounts[r].history))));
      const served = testRows.map((r) => ({ ...accounts[r].history, education: undefined }));
      withoutEducation.push(classificationMetrics(testLabels, model.predictBatch(served)));
    }
    const last = results[results.length - 1];
    progress(`fold ${fold}: AUC ${last.auc.toFixed(4)}, Brier ${last.brier.toFixed(4)}`);
  }
  const output: Record<string, unknown> = { variant, k, seed, folds, ...summary(results) };
  if (variant === 'served') output.servedWithoutEducation = summary(withoutEducation);
  else output.calibration = method;
  process.stdout.write(`${JSON.stringify(output)}\n`);
});
