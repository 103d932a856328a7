import { readFileSync } from 'node:fs';
import { CreditRiskModel } from '../domain/credit-risk-model';
import { buildFeatureMatrix } from '../domain/feature-matrix';
import { AccountHistory, FEATURE_COUNT } from '../domain/features';
import { FeatureMatrix } from '../domain/histogram-binning';
import { ModelArtifact } from '../domain/model-artifact';
import { DEFAULT_TRAINING_OPTIONS, trainCreditRiskModel } from '../domain/train-credit-risk-model';
import { LabelledAccount } from '../domain/uci';
import { DEFAULT_UCI_TRAINING_FILE, integerArgument, parseArguments, progress, runCli } from './cli-arguments';
import { readUciCsvFile } from './uci-csv-file';

/**
 * Batch-scoring throughput of the production model, in process: account histories in, calibrated
 * probabilities out (feature extraction, the compiled forest, calibration), beside the raw work of a
 * plain loop walking the same trees over a pre-built Float64Array feature matrix (for a logistic
 * model: plain dot products). Prints JSON lines for bench/src/scoring-batch.bench.ts.
 *
 *   node services/scoring/dist/model/cli/bench-batch.js [--train uci.csv | --model artifact.json] [--rows 200000] [--rounds 7]
 */
const USAGE = 'usage: bench-batch [--train <uci.csv> | --model <artifact.json>] [--rows 200000] [--rounds 7]';

/** The straightforward evaluation the production path is compared with: node by node, a branch per node. */
function plainLoopBaseline(artifact: ModelArtifact): (matrix: FeatureMatrix, out: Float64Array) => void {
  if (artifact.kind === 'logistic-regression') {
    const { intercept, coefficients, means, scales } = artifact.logistic;
    // fold the standardisation into raw-unit weights so the loop is a bare dot product
    const weights = Float64Array.from(coefficients, (c, j) => c / scales[j]);
    const bias = intercept - coefficients.reduce((sum, c, j) => sum + (c * means[j]) / scales[j], 0);
    return (matrix, out) => {
      const { values, rows, features } = matrix;
      for (let r = 0; r < rows; r++) {
        let margin = bias;
        for (let j = 0; j < features; j++) margin += weights[j] * values[r * features + j];
        out[r] = margin;
      }
    };
  }
  const offsets = new Int32Array(artifact.trees.length);
  let total = 0;
  artifact.trees.forEach((tree, t) => {
    offsets[t] = total;
    total += tree.feature.length;
  });
  const feature = new Int32Array(total);
  const threshold = new Float64Array(total);
  const left = new Int32Array(total);
  const right = new Int32Array(total);
  const value = new Float64Array(total);
  artifact.trees.forEach((tree, t) => {
    for (let i = 0; i < tree.feature.length; i++) {
      const at = offsets[t] + i;
      feature[at] = tree.feature[i];
      threshold[at] = tree.threshold[i];
      left[at] = offsets[t] + tree.left[i];
      right[at] = offsets[t] + tree.right[i];
      value[at] = tree.value[i];
    }
  });
  const baseScore = artifact.baseScore;
  return (matrix, out) => {
    const { values, rows, features } = matrix;
    for (let r = 0; r < rows; r++) {
      const offset = r * features;
      let sum = 0;
      for (let t = 0; t < offsets.length; t++) {
        let node = offsets[t];
        while (feature[node] >= 0) node = values[offset + feature[node]] <= threshold[node] ? left[node] : right[node];
        sum += value[node];
      }
      out[r] = baseScore + sum;
    }
  };
}

/** `rows` histories cycling through the data set, each a fresh object graph as a caller would pass them. */
function replicateHistories(accounts: readonly LabelledAccount[], rows: number): AccountHistory[] {
  const histories: AccountHistory[] = [];
  for (let r = 0; r < rows; r++) {
    const { history } = accounts[r % accounts.length];
    histories.push({ ...history, statements: history.statements.map((statement) => ({ ...statement })) });
  }
  return histories;
}

/** Rows per second of `run` over `rows` rows: the median of `rounds` timed runs after one warm-up. */
function rowsPerSecond(rows: number, rounds: number, run: () => void): { median: number; best: number } {
  run();
  const rates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    run();
    rates.push(rows / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[Math.floor(rates.length / 2)], best: rates[rates.length - 1] };
}

function report(line: Record<string, unknown> & { value: number; baselineValue: number }): void {
  const ratio = line.baselineValue === 0 ? 0 : line.value / line.baselineValue;
  process.stdout.write(`${JSON.stringify({ ...line, ratio: Number(ratio.toFixed(3)) })}\n`);
}

runCli(() => {
  const args = parseArguments(process.argv.slice(2), ['train', 'model', 'rows', 'rounds'], USAGE);
  const rows = integerArgument(args, 'rows', 200_000);
  const rounds = integerArgument(args, 'rounds', 7);
  const trainFile = args.get('train') ?? DEFAULT_UCI_TRAINING_FILE;
  const accounts = readUciCsvFile(trainFile);
  const modelFile = args.get('model');
  let artifact: unknown;
  if (modelFile) {
    artifact = JSON.parse(readFileSync(modelFile, 'utf8'));
  } else {
    progress(`training the production model on ${accounts.length} accounts from ${trainFile}`);
    artifact = trainCreditRiskModel(accounts, DEFAULT_TRAINING_OPTIONS);
  }
  const model = CreditRiskModel.fromArtifact(artifact);
  const size =
    model.artifact.kind === 'gradient-boosted-trees'
      ? { trees: model.artifact.trees.length, depth: model.forestDepth }
      : { coefficients: FEATURE_COUNT };

  progress(`building ${rows} account histories and their feature matrix`);
  const histories = replicateHistories(accounts, rows);
  const matrix = buildFeatureMatrix(histories.map((history, i) => ({ id: String(i), history, defaulted: 0 })));
  const probabilities = new Float64Array(rows);
  const margins = new Float64Array(rows);
  const baseline = plainLoopBaseline(model.artifact);

  progress(`timing ${rounds} rounds of each path`);
  const production = rowsPerSecond(rows, rounds, () => model.predictBatch(histories, probabilities));
  const plain = rowsPerSecond(rows, rounds, () => baseline(matrix, margins));
  const compiled = rowsPerSecond(rows, rounds, () => model.marginsOfMatrix(matrix, margins));
  const common = {
    bench: 'scoring-batch',
    unit: 'rows/s',
    model: model.artifact.kind,
    ...size,
    features: FEATURE_COUNT,
    rows,
    rounds,
  };
  const baselineName =
    model.artifact.kind === 'gradient-boosted-trees'
      ? 'same trees, plain node-by-node loop over a pre-built Float64Array feature matrix'
      : 'plain logistic dot products over a pre-built Float64Array feature matrix';
  report({
    ...common,
    metric: 'rows_per_s',
    path: 'account histories -> features -> compiled forest -> calibrated probability',
    value: Math.round(production.median),
    best: Math.round(production.best),
    baseline: baselineName,
    baselineValue: Math.round(plain.median),
  });
  report({
    ...common,
    metric: 'matrix_rows_per_s',
    path: 'pre-built feature matrix -> compiled forest margins (no feature extraction)',
    value: Math.round(compiled.median),
    best: Math.round(compiled.best),
    baseline: baselineName,
    baselineValue: Math.round(plain.median),
  });
});
