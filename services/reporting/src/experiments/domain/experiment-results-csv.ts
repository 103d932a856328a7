import { ExperimentResult } from './experiment-results';

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const cell = (v: number | string | boolean | null) => (v === null ? '' : String(v));

/**
 * Experiment results as CSV (RFC 4180): one `arm` row per arm, then one `comparison` row per
 * metric compared (challenger − champion); an empty cell is a value not defined.
 */
export function experimentResultsCsv(r: ExperimentResult & { experiment: string; currency: string }): string {
  const rows: (number | string | boolean | null)[][] = [
    [
      'row',
      'experiment',
      'currency',
      'arm_or_metric',
      'accounts',
      'placed_minor',
      'collected_minor',
      'recovery_rate',
      'paying_accounts',
      'paying_rate',
      'test',
      'difference',
      'ci_low',
      'ci_high',
      'z',
      'p_value',
      'significant',
      'verdict',
    ],
  ];
  for (const a of [r.champion, r.challenger]) {
    rows.push([
      'arm',
      r.experiment,
      r.currency,
      a.arm,
      a.accounts,
      a.placedMinor,
      a.collectedMinor,
      a.recoveryRate,
      a.payingAccounts,
      a.payingRate,
      ...Array<null>(8).fill(null),
    ]);
  }
  for (const c of r.comparisons) {
    rows.push([
      'comparison',
      r.experiment,
      r.currency,
      c.metric,
      ...Array<null>(6).fill(null),
      c.test,
      c.difference,
      c.ciLow,
      c.ciHigh,
      c.z,
      c.pValue,
      c.significant,
      c.metric === 'recovery_rate' ? r.verdict : null,
    ]);
  }
  return rows.map((row) => row.map((v) => csvField(cell(v))).join(',')).join('\r\n') + '\r\n';
}
