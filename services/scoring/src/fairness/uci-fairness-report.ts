import { scoring } from '@collections/contracts';
import { CreditRiskModel, parseUciCsv } from '../model';
import { DEFAULT_SEGMENT_RULES } from '../scores/domain/segment-rules';
import { AttributeFairness, FOUR_FIFTHS, ScoredSubject, fairnessReport } from './domain/fairness-report';
import { UCI_GROUP_ORDER, UCI_PROTECTED_ATTRIBUTES, readProtectedGroups } from './domain/uci-protected-groups';

/**
 * The probability to pay from which the platform's default rules put an (early) account in SELF_CURE.
 * UCI rows carry no balance or days past due, so the decision judged is the probability gate alone.
 */
const SELF_CURE_FROM =
  DEFAULT_SEGMENT_RULES.rules.find(
    (r) => r.segment === scoring.Segment.SEGMENT_SELF_CURE && r.minProbabilityToPay !== undefined,
  )?.minProbabilityToPay ?? 0.8;

export interface UciFairnessOptions {
  /** Protected column -> attribute name; default X2 sex, X4 marital_status, X5 age_band. */
  columns?: Readonly<Record<string, string>>;
  /** Favourable when the probability to pay reaches this; default: the SELF_CURE segment. */
  favourableFrom?: number;
}

export interface UciFairnessReport {
  model: string;
  rows: number;
  favourable: string;
  fourFifthsThreshold: number;
  attributes: AttributeFairness[];
}

/**
 * Scores every account of a UCI-format CSV with `model` (from its feature columns only: the reader
 * skips the protected ones) and reports fairness over the protected columns, read separately and
 * joined by ID.
 */
export function uciFairnessReport(
  csv: string,
  model: CreditRiskModel,
  options: UciFairnessOptions = {},
): UciFairnessReport {
  const columns = options.columns ?? UCI_PROTECTED_ATTRIBUTES;
  const { favourableFrom } = options;
  const accounts = parseUciCsv(csv);
  const groups = readProtectedGroups(csv, columns);
  const probabilitiesOfDefault = model.predictBatch(accounts.map((a) => a.history));
  const favourable = (p: number) => p >= (favourableFrom ?? SELF_CURE_FROM);
  const subjects: ScoredSubject[] = accounts.map((account, i) => {
    const probabilityToPay = 1 - probabilitiesOfDefault[i];
    return {
      groups: groups.get(account.id) ?? {},
      probabilityToPay,
      favourable: favourable(probabilityToPay),
      defaulted: account.defaulted,
    };
  });
  return {
    model: `${model.artifact.version}#${model.artifact.trainingDataFingerprint.slice(7, 19)}`,
    rows: accounts.length,
    favourable:
      favourableFrom === undefined
        ? 'segment SELF_CURE (the gentlest treatment)'
        : `probability to pay >= ${favourableFrom}`,
    fourFifthsThreshold: FOUR_FIFTHS,
    attributes: fairnessReport(subjects, Object.values(columns), UCI_GROUP_ORDER),
  };
}

const percent = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : '-');
const fixed = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** The report as aligned text tables, one per attribute. */
export function fairnessTable(report: readonly AttributeFairness[]): string {
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
