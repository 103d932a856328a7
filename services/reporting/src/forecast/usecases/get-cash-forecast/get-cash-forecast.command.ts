import { AppError, isCalendarDate } from '@collections/platform';

export const DEFAULT_HISTORY_WEEKS = 12;
const MAX_HISTORY_WEEKS = 104;

/** A cash forecast query, checked when built so gRPC and REST callers get the same answers. */
export class GetCashForecastCommand {
  private constructor(
    readonly tenantId: string,
    readonly asOfDate: string,
    readonly currency: string | null,
    readonly historyWeeks: number,
  ) {}

  /** `today` is the clock's UTC day, the default as-of date. */
  static of(
    tenantId: string,
    q: { asOfDate?: string; currency?: string; historyWeeks?: number | string },
    today: string,
  ): GetCashForecastCommand {
    const problems: string[] = [];
    const asOf = q.asOfDate || today;
    if (!isCalendarDate(asOf)) problems.push('as_of_date must be a date YYYY-MM-DD');
    const weeks = q.historyWeeks === undefined || q.historyWeeks === '' ? 0 : Number(q.historyWeeks);
    if (!Number.isInteger(weeks) || weeks < 0 || weeks > MAX_HISTORY_WEEKS) {
      problems.push(`history_weeks must be a whole number from 0 to ${MAX_HISTORY_WEEKS}`);
    }
    const currency = (q.currency ?? '').toUpperCase();
    if (currency && !/^[A-Z]{3}$/.test(currency)) problems.push('currency must be an ISO 4217 code');
    if (problems.length) throw AppError.invalid(problems.join('; '), { problems });
    return new GetCashForecastCommand(tenantId, asOf, currency || null, weeks || DEFAULT_HISTORY_WEEKS);
  }
}
