import { writeFileSync } from 'node:fs';
import { CreditRiskModel } from '../domain/credit-risk-model';
import { FEATURE_NAMES } from '../domain/features';
import { classificationMetrics } from '../domain/metrics';
import { DEFAULT_TRAINING_OPTIONS, trainCreditRiskModel } from '../domain/train-credit-risk-model';
import { CliUsageError, integerArgument, parseArguments, progress, runCli } from './cli-arguments';
import { readUciCsvFile } from './uci-csv-file';

/**
 * Trains the production model on one UCI-format file and evaluates it on another. Prints exactly one
 * JSON line on stdout: {"auc","ks","brier","logloss","n","model","features"}; progress goes to
 * stderr. X2, X4 and X5 are never read (the CSV reader skips them, the features cannot name them).
 *
 *   node services/scoring/dist/model/cli/evaluate.js --train a.csv --test b.csv [--seed n] [--model-out m.json]
 */
const USAGE = 'usage: evaluate --train <uci.csv> --test <uci.csv> [--seed 20051001] [--model-out <artifact.json>]';

runCli(() => {
  const args = parseArguments(process.argv.slice(2), ['train', 'test', 'seed', 'model-out'], USAGE);
  const trainFile = args.get('train');
  const testFile = args.get('test');
  if (!trainFile || !testFile) throw new CliUsageError(USAGE);
  const seed = integerArgument(args, 'seed', DEFAULT_TRAINING_OPTIONS.seed);

  const trainAccounts = readUciCsvFile(trainFile);
  const testAccounts = readUciCsvFile(testFile);
  progress(`training on ${trainAccounts.length} accounts from ${trainFile}`);
  const artifact = trainCreditRiskModel(trainAccounts, { ...DEFAULT_TRAINING_OPTIONS, seed, onProgress: progress });
  const modelOut = args.get('model-out');
  if (modelOut) {
    writeFileSync(modelOut, JSON.stringify(artifact));
    progress(`model artifact written to ${modelOut}`);
  }

  const model = CreditRiskModel.fromArtifact(artifact);
  progress(`scoring ${testAccounts.length} accounts from ${testFile}`);
  const probabilities = model.predictBatch(testAccounts.map((account) => account.history));
  const metrics = classificationMetrics(
    testAccounts.map((account) => account.defaulted),
    probabilities,
  );
  const output = {
    auc: metrics.auc,
    ks: metrics.ks,
    brier: metrics.brier,
    logloss: metrics.logloss,
    n: metrics.n,
    model: {
      kind: artifact.kind,
      version: artifact.version,
      trees: artifact.kind === 'gradient-boosted-trees' ? artifact.trees.length : undefined,
      calibration: artifact.calibration.method,
      validationAuc: artifact.metrics.validation.auc,
      trainingDataFingerprint: artifact.trainingDataFingerprint,
    },
    features: FEATURE_NAMES,
  };
  process.stdout.write(`${JSON.stringify(output)}\n`);
});
