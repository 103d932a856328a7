import { readFileSync } from 'node:fs';
import { calibrate, fitIsotonic } from '../domain/calibration';
import { brierDecomposition, brierScore, classificationMetrics } from '../domain/metrics';
import { CliUsageError, integerArgument, parseArguments, progress, runCli } from './cli-arguments';

/**
 * How far calibration alone could take a model's Brier score, from the out-of-fold predictions that
 * `cross-validate --oof-out` writes. Prints one JSON line:
 * - `constant`: the Brier score of predicting the base rate for everyone (the no-skill reference);
 * - `model`: AUC, Brier, log loss of the predictions as they are;
 * - `decomposition`: Murphy's reliability − resolution + uncertainty over equal-count bins;
 * - `isotonicFloor`: the Brier score after an isotonic map fitted on these very rows and labels. It
 *   peeks at the labels it is scored on, so it is a floor no honest recalibration reaches: if it is
 *   above a target, no calibration method can reach the target and only better ranking can;
 * - `blend` (with `--blend other.csv`): probability averages of the two files at fixed weights of
 *   the first, 1.0 to 0.5. Reported for every weight rather than picked, since these rows are the
 *   test folds.
 *
 *   node services/scoring/dist/model/cli/calibration-report.js --oof oof.csv [--blend oof-lr.csv] [--bins 20]
 */
const USAGE = 'usage: calibration-report --oof <id,label,probability csv> [--blend <csv>] [--bins 20]';

const BLEND_WEIGHTS = [1, 0.9, 0.8, 0.7, 0.5];

function readPredictions(file: string): { ids: string[]; labels: Uint8Array; probabilities: Float64Array } {
  const lines = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '');
  const ids: string[] = [];
  const labels = new Uint8Array(lines.length);
  const probabilities = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const [id, label, probability] = line.split(',');
    const p = Number(probability);
    if ((label !== '0' && label !== '1') || !(p >= 0 && p <= 1)) {
      throw new CliUsageError(`${file} line ${i + 2}: expected id,label (0/1),probability`);
    }
    ids.push(id);
    labels[i] = Number(label);
    probabilities[i] = p;
  });
  return { ids, labels, probabilities };
}

runCli(() => {
  const args = parseArguments(process.argv.slice(2), ['oof', 'blend', 'bins'], USAGE);
  const file = args.get('oof');
  if (!file) throw new CliUsageError(USAGE);
  const bins = integerArgument(args, 'bins', 20);
  const { ids, labels, probabilities } = readPredictions(file);
  progress(`${labels.length} out-of-fold predictions from ${file}`);
  const rate = labels.reduce((s, y) => s + y, 0) / labels.length;
  const isotonic = fitIsotonic(probabilities, labels);
  const output: Record<string, unknown> = {
    n: labels.length,
    baseRate: rate,
    constant: { brier: rate * (1 - rate) },
    model: classificationMetrics(labels, probabilities),
    decomposition: brierDecomposition(labels, probabilities, bins),
    isotonicFloor: {
      brier: brierScore(
        labels,
        probabilities.map((p) => calibrate(isotonic, p)),
      ),
    },
  };
  const blendFile = args.get('blend');
  if (blendFile) {
    const other = readPredictions(blendFile);
    if (other.ids.length !== ids.length || other.ids.some((id, i) => id !== ids[i])) {
      throw new CliUsageError(`${blendFile} does not hold the same rows in the same order as ${file}`);
    }
    output.blend = BLEND_WEIGHTS.map((weight) => {
      const mixed = probabilities.map((p, i) => weight * p + (1 - weight) * other.probabilities[i]);
      const { auc, brier, logloss } = classificationMetrics(labels, mixed);
      return { weight, auc, brier, logloss };
    });
  }
  process.stdout.write(`${JSON.stringify(output)}\n`);
});
