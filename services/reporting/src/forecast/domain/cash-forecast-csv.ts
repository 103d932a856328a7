import { ForecastAccuracyWeek, ForecastWeek } from './cash-forecast';

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const cell = (v: number | string | null) => (v === null ? '' : String(v));

/**
 * The cash forecast as CSV (RFC 4180): one `forecast` row per coming week, then one `actual`
 * row per closed week; an empty cell is a value not defined.
 */
export function cashForecastCsv(f: {
  asOfDate: string;
  currency: string;
  weeks: ForecastWeek[];
  history: ForecastAccuracyWeek[];
}): string {
  const rows: (number | string | null)[][] = [
    [
      'kind',
      'week_start',
      'week_end',
      'currency',
      'as_of_date',
      'expected_minor',
      'from_plans_minor',
      'from_scores_minor',
      'forecast_minor',
      'forecast_as_of_date',
      'actual_minor',
      'error_rate',
    ],
  ];
  for (const w of f.weeks) {
    rows.push([
      'forecast',
      w.weekStart,
      w.weekEnd,
      f.currency,
      f.asOfDate,
      w.expectedMinor,
      w.fromPlansMinor,
      w.fromScoresMinor,
      null,
      null,
      null,
      null,
    ]);
  }
  for (const h of f.history) {
    rows.push([
      'actual',
      h.weekStart,
      h.weekEnd,
      f.currency,
      f.asOfDate,
      null,
      null,
      null,
      h.forecastMinor,
      h.forecastAsOfDate || null,
      h.actualMinor,
      h.errorRate,
    ]);
  }
  return rows.map((r) => r.map((v) => csvField(cell(v))).join(',')).join('\r\n') + '\r\n';
}
