import { readFileSync } from 'node:fs';
import { CreditRiskModel } from '../../model';
import { CliUsageError, parseArguments, progress, runCli } from '../../model/cli/cli-arguments';
import { PRODUCTION_MODEL_FILE } from '../../scores/feature-store.consumer';
import { UCI_PROTECTED_ATTRIBUTES } from '../domain/uci-protected-groups';
import { fairnessTable, uciFairnessReport } from '../uci-fairness-report';

/**
 * Fairness report of the production model on a UCI-format file: score distributions, favourable
 * decision rates (SELF_CURE segment), default rates and disparate impact ratios by sex, marital
 * status and age band. The model scores the accounts from their feature columns only; the
 * protected columns are read separately, by ID, for grouping. Prints one JSON line on stdout and a
 * readable table on stderr.
 *
 *   npm run scoring:fairness -- --file <uci.csv> [--model <artifact.json>] [--protected X2=sex,X4=marital_status,X5=age_band]
 *     [--favourable-from <probability to pay>]
 */
const USAGE =
  'usage: scoring:fairness --file <uci.csv> [--model <artifact.json>] [--protected X2=sex,X4=marital_status,X5=age_band] [--favourable-from 0.8]';

function protectedColumns(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return { ...UCI_PROTECTED_ATTRIBUTES };
  const columns: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const [column, attribute] = pair.split('=').map((s) => s.trim());
    if (!column) throw new CliUsageError(`--protected: empty column in ${raw}`);
    columns[column] = attribute || column;
  }
  return columns;
}

runCli(() => {
  const args = parseArguments(process.argv.slice(2), ['file', 'model', 'protected', 'favourable-from'], USAGE);
  const file = args.get('file');
  if (!file) throw new CliUsageError(USAGE);
  const modelFile = args.get('model') ?? PRODUCTION_MODEL_FILE;
  const favourableFromRaw = args.get('favourable-from');
  const favourableFrom = favourableFromRaw === undefined ? undefined : Number(favourableFromRaw);
  if (favourableFrom !== undefined && !(favourableFrom >= 0 && favourableFrom <= 1)) {
    throw new CliUsageError(`--favourable-from must be a probability, got ${favourableFromRaw}`);
  }
  const model = CreditRiskModel.fromArtifact(readFileSync(modelFile, 'utf8'));
  progress(`scoring ${file} with ${modelFile}`);
  const report = uciFairnessReport(readFileSync(file, 'utf8'), model, {
    columns: protectedColumns(args.get('protected')),
    favourableFrom,
  });
  process.stdout.write(`${JSON.stringify({ file, ...report })}\n`);
  process.stderr.write(`${fairnessTable(report.attributes)}\n`);
});
