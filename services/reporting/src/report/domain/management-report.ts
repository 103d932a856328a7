import { formatMoney, isCurrencyCode, minorUnitDigits, money } from '@collections/platform';
import { ExperimentResult } from '../../experiments/domain/experiment-results';
import { ForecastAccuracyWeek, ForecastWeek } from '../../forecast/domain/cash-forecast';
import { KpiReport } from '../../kpis/domain/kpi-report';
import { barChart, esc, heatmap } from './svg-charts';

/** Everything the management report shows, for one tenant, period and currency. */
export interface ManagementReportData {
  tenantId: string;
  generatedAt: Date;
  kpis: KpiReport;
  /** Net collections per week of the period (weeks starting on Monday). */
  collectionsByWeek: { weekStart: string; amountMinor: number }[];
  /** Accounts per aging bucket the day before the period and on its last day, buckets in aging order. */
  aging: { bucket: string; atStart: number; atEnd: number }[];
  forecast: {
    asOfDate: string;
    weeks: ForecastWeek[];
    history: ForecastAccuracyWeek[];
    instalmentKeptRate: number | null;
  };
  experiment: (ExperimentResult & { experiment: string }) | null;
}

const percent = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`;
/** 12.5%, 25%: an axis tick with no more digits than it needs. */
const axisPercent = (v: number) => `${Number((v * 100).toFixed(1))}%`;
const shortDate = (d: string) => d.slice(5);

/** The report as one self-contained HTML page: inline SVG charts, print CSS, no script, no external resource. */
export function renderManagementReport(d: ManagementReportData): string {
  const currency = d.kpis.currency;
  // A tenant without accounts has no currency yet (XXX): its amounts (all zero) stay in minor units.
  const known = isCurrencyCode(currency);
  const amount = (minor: number) =>
    known ? formatMoney(money(Math.round(minor), currency), 'en-US') : String(Math.round(minor));
  const compact = (minor: number) =>
    new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(
      minor / 10 ** (known ? minorUnitDigits(currency) : 0),
    );
  const kpi = (name: string) => d.kpis.kpis.find((k) => k.name === name)?.value ?? null;

  const recovery = barChart({
    id: 'recovery',
    title: 'Recovery rate of the accounts placed in the period',
    labels: ['30 days', '60 days', '90 days', 'to date'],
    series: [
      {
        name: 'recovery rate',
        values: ['recovery_rate_30d', 'recovery_rate_60d', 'recovery_rate_90d', 'recovery_rate'].map(
          (n) => kpi(n) ?? 0,
        ),
        color: '#2ca02c',
      },
    ],
    format: axisPercent,
  });
  const collections = barChart({
    id: 'collections',
    title: `Collections per week (${currency})`,
    labels: d.collectionsByWeek.map((w) => shortDate(w.weekStart)),
    series: [{ name: 'net collected', values: d.collectionsByWeek.map((w) => w.amountMinor), color: '#1f77b4' }],
    format: compact,
  });
  const aging = barChart({
    id: 'aging',
    title: 'Accounts by aging bucket',
    labels: d.aging.map((a) => a.bucket),
    series: [
      { name: `on ${d.kpis.fromDate} (start)`, values: d.aging.map((a) => a.atStart), color: '#aec7e8' },
      { name: `on ${d.kpis.toDate} (end)`, values: d.aging.map((a) => a.atEnd), color: '#ff7f0e' },
    ],
    format: (v) => String(Math.round(v)),
  });
  const buckets = d.aging.map((a) => a.bucket);
  const rolls = heatmap({
    id: 'roll-rates',
    title: 'Roll rates between aging buckets',
    rows: buckets,
    columns: buckets,
    value: (from, to) => d.kpis.rollRates.find((r) => r.fromBucket === from && r.toBucket === to)?.rate ?? null,
  });
  const forecast = barChart({
    id: 'forecast',
    title: `Cash forecast for the next 12 weeks (${currency}), as of ${d.forecast.asOfDate}`,
    labels: d.forecast.weeks.map((w) => shortDate(w.weekStart)),
    series: [
      { name: 'plans and settlements', values: d.forecast.weeks.map((w) => w.fromPlansMinor), color: '#9467bd' },
      { name: 'scored balances', values: d.forecast.weeks.map((w) => w.fromScoresMinor), color: '#17becf' },
    ],
    stacked: true,
    format: compact,
  });
  const accuracy = barChart({
    id: 'forecast-vs-actual',
    title: `Forecast versus actual, closed weeks (${currency})`,
    labels: d.forecast.history.map((w) => shortDate(w.weekStart)),
    series: [{ name: 'collected', values: d.forecast.history.map((w) => w.actualMinor), color: '#1f77b4' }],
    line: { name: 'forecast', values: d.forecast.history.map((w) => w.forecastMinor), color: '#d62728' },
    format: compact,
  });

  const kpiRows = d.kpis.kpis
    .map((k) => {
      const value =
        k.value === null
          ? '<span class="na">not defined</span>'
          : k.name.startsWith('contacts_denied') // counts, whatever a rule id says
            ? String(k.value)
            : k.name === 'cost_per_unit_collected'
              ? k.value.toFixed(4)
              : k.name.endsWith('_minor')
                ? amount(k.value)
                : /rate|index/.test(k.name)
                  ? percent(k.value)
                  : k.name === 'days_sales_outstanding'
                    ? k.value.toFixed(1)
                    : String(k.value);
      return `<tr><td>${esc(k.name)}</td><td class="num">${value}</td><td class="inputs">${esc(k.inputs)}</td></tr>`;
    })
    .join('');
  const forecastRows = d.forecast.weeks
    .map(
      (w) =>
        `<tr><td>${w.weekStart} – ${w.weekEnd}</td><td class="num">${amount(w.fromPlansMinor)}</td><td class="num">${amount(w.fromScoresMinor)}</td><td class="num">${amount(w.expectedMinor)}</td></tr>`,
    )
    .join('');
  const historyRows = d.forecast.history
    .map(
      (w) =>
        `<tr><td>${w.weekStart} – ${w.weekEnd}</td><td class="num">${w.forecastMinor === null ? '–' : amount(w.forecastMinor)}</td><td>${w.forecastAsOfDate || '–'}</td><td class="num">${amount(w.actualMinor)}</td><td class="num">${percent(w.errorRate)}</td></tr>`,
    )
    .join('');

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Collections management report ${esc(d.kpis.fromDate)} to ${esc(d.kpis.toDate)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1000px; }
  h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ccc; }
  .meta { color: #555; font-size: 12px; }
  figure { margin: 12px 0; } svg { max-width: 100%; height: auto; }
  table { border-collapse: collapse; font-size: 12px; margin: 8px 0; }
  td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; } .num { text-align: right; }
  .inputs { color: #666; font-size: 11px; } .na { color: #999; }
  .verdict { font-weight: bold; }
  @page { size: A4; margin: 12mm; }
  @media print {
    body { margin: 0; max-width: none; }
    section, figure, table { break-inside: avoid; page-break-inside: avoid; }
    h2 { break-after: avoid; page-break-after: avoid; }
  }
</style>
</head>
<body>
<h1>Collections management report</h1>
<p class="meta">Tenant ${esc(d.tenantId)} · ${esc(d.kpis.fromDate)} to ${esc(d.kpis.toDate)} · ${esc(currency)} · ${d.kpis.accounts} accounts placed in the period · generated ${esc(d.generatedAt.toISOString())}</p>

<section id="recovery"><h2>Recovery</h2>
<figure>${recovery}</figure>
<figure>${collections}</figure>
</section>

<section id="aging"><h2>Aging</h2>
<figure>${aging}</figure>
</section>

<section id="roll-rates"><h2>Roll rates</h2>
<figure>${rolls}</figure>
</section>

<section id="forecast"><h2>Cash forecast</h2>
<figure>${forecast}</figure>
<p class="meta">Plan instalments are weighted by ${
    d.forecast.instalmentKeptRate === null
      ? "each account's probability to pay (no instalment kept or missed yet)"
      : `the observed instalment kept rate, ${percent(d.forecast.instalmentKeptRate)}`
  }; balances without an active plan by their probability to pay over each 30 days.</p>
<table><tr><th>Week</th><th>Plan instalments</th><th>Scored balances</th><th>Expected</th></tr>${forecastRows}</table>
<figure>${accuracy}</figure>
<table><tr><th>Closed week</th><th>Forecast</th><th>Forecast as of</th><th>Collected</th><th>Error</th></tr>${historyRows}</table>
</section>

${experimentSection(d, amount)}

<section id="kpis"><h2>All KPIs</h2>
<table><tr><th>KPI</th><th>Value</th><th>Computed from</th></tr>${kpiRows}</table>
<p class="meta">Formulas: services/reporting/docs/kpis.md.</p>
</section>
</body>
</html>
`;
}

function experimentSection(d: ManagementReportData, amount: (minor: number) => string): string {
  const e = d.experiment;
  if (!e || e.champion.accounts + e.challenger.accounts === 0) {
    return `<section id="experiment"><h2>Champion versus challenger</h2><p class="meta">No account placed in the period belongs to an experiment arm.</p></section>`;
  }
  const recovery = e.comparisons.find((c) => c.metric === 'recovery_rate')!;
  const arms = [e.champion, e.challenger]
    .map(
      (a) =>
        `<tr><td>${esc(a.arm)}</td><td class="num">${a.accounts}</td><td class="num">${amount(a.placedMinor)}</td><td class="num">${amount(a.collectedMinor)}</td><td class="num">${percent(a.recoveryRate)}</td><td class="num">${percent(a.payingRate)}</td></tr>`,
    )
    .join('');
  const chart = barChart({
    id: 'experiment',
    title: `Recovery rate by arm (${e.experiment})`,
    labels: [e.champion.arm, e.challenger.arm],
    series: [
      {
        name: 'recovery rate',
        values: [e.champion.recoveryRate ?? 0, e.challenger.recoveryRate ?? 0],
        color: '#8c564b',
      },
    ],
    format: axisPercent,
  });
  return `<section id="experiment"><h2>Champion versus challenger</h2>
<figure>${chart}</figure>
<table><tr><th>Arm</th><th>Accounts</th><th>Placed</th><th>Collected</th><th>Recovery rate</th><th>Paying accounts</th></tr>${arms}</table>
<p>Difference in recovery rate (challenger − champion): ${percent(recovery.difference, 2)}, ${e.confidenceLevel * 100}% interval ${percent(recovery.ciLow, 2)} to ${percent(recovery.ciHigh, 2)}, p = ${recovery.pValue === null ? '–' : recovery.pValue.toFixed(4)}.
<span class="verdict">${esc(e.verdict.replace(/_/g, ' '))}</span> (a verdict needs at least ${e.minAccountsPerArm} accounts per arm).</p>
</section>`;
}
