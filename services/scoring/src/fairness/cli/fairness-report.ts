import { readFileSync } from 'node:fs';
import { scoring } from '@collections/contracts';
import { CreditRiskModel, parseUciCsv } from '../../model';
import { CliUsageError, parseArguments, progress, runCli } from '../../model/cli/cli-arguments';
import { segmentOf } from '../../scores/domain/account-history';
import { PRODUCTION_MODEL_FILE } from '../../scores/feature-store.consumer';
import { AttributeFairness, FOUR_FIFTHS, ScoredSubject, fairnessReport } from '../domain/fairness-report';
import { UCI_GROUP_ORDER, UCI_PROTECTED_ATTRIBUTES, readProtectedGroups } from '../domain/uci-protected-groups';

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

const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const fixed = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

function table(report: readonly AttributeFairness[]): string {
  const header = [
    'group',
    'n',
    'share',
    'mean p(pay)',
    'p10',
    'p50',
    'p90',
    'favourable',
    'DI',
    '4/5',
    'default rate',
    'mean PD',
  ];
  const lines: string[] = [];
  for (const attribute of report) {
    lines.push(
      `\n${attribute.attribute}: most favoured ${attribute.mostFavouredGroup}, min DI ${fixed(attribute.minDisparateImpactRatio)}` +
        (attribute.fourFifthsViolated ? ' — FOUR-FIFTHS RULE VIOLATED' : ' — four-fifths rule met'),
    );
    const rows = attribute.groups.map((g) => [
      g.group,
      String(g.n),
      percent(g.share),
      fixed(g.meanProbabilityToPay),
      fixed(g.probabilityToPay.p10),
      fixed(g.probabilityToPay.p50),
      fixed(g.probabilityToPay.p90),
      percent(g.favourableRate),
      fixed(g.disparateImpactRatio),
      g.belowFourFifths ? 'FAIL' : 'ok',
      percent(g.defaultRate),
      percent(g.meanProbabilityOfDefault),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const format = (cells: string[]) =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    lines.push(format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format));
  }
  return lines.join('\n');
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
  const columns = protectedColumns(args.get('protected'));

  const text = readFileSync(file, 'utf8');
  const accounts = parseUciCsv(text, file);
  const groups = readProtectedGroups(text, columns);
  const model = CreditRiskModel.fromArtifact(readFileSync(modelFile, 'utf8'));
  progress(`scoring ${accounts.length} accounts from ${file} with ${modelFile}`);
  const probabilitiesOfDefault = model.predictBatch(accounts.map((a) => a.history));
  const favourable = (p: number) =>
    favourableFrom === undefined ? segmentOf(p) === scoring.Segment.SEGMENT_SELF_CURE : p >= favourableFrom;
  const subjects: ScoredSubject[] = accounts.map((account, i) => {
    const probabilityToPay = 1 - probabilitiesOfDefault[i];
    return {
      groups: groups.get(account.id) ?? {},
      probabilityToPay,
      favourable: favourable(probabilityToPay),
      defaulted: account.defaulted,
    };
  });
  const report = fairnessReport(subjects, Object.values(columns), UCI_GROUP_ORDER);
  process.stdout.write(
    `${JSON.stringify({
      file,
      model: `${model.artifact.version}#${model.artifact.trainingDataFingerprint.slice(7, 19)}`,
      rows: accounts.length,
      favourable:
        favourableFrom === undefined
          ? 'segment SELF_CURE (the gentlest treatment)'
          : `probability to pay >= ${favourableFrom}`,
      fourFifthsThreshold: FOUR_FIFTHS,
      attributes: report,
    })}\n`,
  );
  process.stderr.write(`${table(report)}\n`);
});
