import { AppError } from '@collections/platform';
import { GetExperimentResultsCommand } from '../src/experiments/usecases/get-experiment-results/get-experiment-results.command';
import { GetCashForecastCommand } from '../src/forecast/usecases/get-cash-forecast/get-cash-forecast.command';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';

/** The message a query is refused with (an AppError's), or 'accepted'. */
function refusal(build: () => unknown): string {
  try {
    build();
  } catch (err) {
    return err instanceof AppError ? err.message : `other error: ${String(err)}`;
  }
  return 'accepted';
}

/**
 * Dates the calendar does not have: `Date.parse` takes 2026-02-30 as 2 March and 2027-02-29 as
 * 1 March, and PostgreSQL's `date` then refuses them (a 500 where the caller needs a 400).
 */
const IMPOSSIBLE = ['2026-02-30', '2027-02-29', '2026-04-31', '0000-01-01'];

describe('report queries on dates the calendar does not have', () => {
  it.each(IMPOSSIBLE)('refuses %s as a KPI period bound, naming it', (day) => {
    expect(refusal(() => GetKpisCommand.of('t', { fromDate: day, toDate: '2028-01-01' }))).toBe(
      'from_date must be a date YYYY-MM-DD',
    );
    expect(refusal(() => GetKpisCommand.of('t', { fromDate: '0001-01-01', toDate: day }))).toMatch(
      /^to_date must be a date YYYY-MM-DD/,
    );
  });

  it.each(IMPOSSIBLE)('refuses %s as a forecast as-of date and an experiment period bound', (day) => {
    expect(refusal(() => GetCashForecastCommand.of('t', { asOfDate: day }, '2026-03-01'))).toBe(
      'as_of_date must be a date YYYY-MM-DD',
    );
    expect(refusal(() => GetExperimentResultsCommand.of('t', { experiment: 'x', fromDate: day, toDate: day }))).toBe(
      'from_date must be a date YYYY-MM-DD; to_date must be a date YYYY-MM-DD',
    );
  });

  it('takes the real last days of February and April', () => {
    expect(refusal(() => GetKpisCommand.of('t', { fromDate: '2028-02-29', toDate: '2028-04-30' }))).toBe('accepted');
    expect(refusal(() => GetCashForecastCommand.of('t', { asOfDate: '2027-02-28' }, '2026-03-01'))).toBe('accepted');
  });
});
