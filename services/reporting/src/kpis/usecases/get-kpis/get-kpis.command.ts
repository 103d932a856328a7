import { AppError, isCalendarDate } from '@collections/platform';

const MAX_DAYS = 3_660;

/** A KPI query, checked when built so gRPC and REST callers get the same answers. */
export class GetKpisCommand {
  private constructor(
    readonly tenantId: string,
    readonly fromDate: string,
    readonly toDate: string,
    readonly segment: string | null,
    readonly modelVersion: string | null,
    readonly channel: string | null,
    readonly currency: string | null,
  ) {}

  static of(
    tenantId: string,
    q: {
      fromDate?: string;
      toDate?: string;
      segment?: string;
      modelVersion?: string;
      channel?: string;
      currency?: string;
    },
  ): GetKpisCommand {
    const from = q.fromDate ?? '';
    const to = q.toDate ?? '';
    const problems: string[] = [];
    if (!isCalendarDate(from)) problems.push('from_date must be a date YYYY-MM-DD');
    if (!isCalendarDate(to)) problems.push('to_date must be a date YYYY-MM-DD');
    if (problems.length === 0) {
      const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
      if (days < 0) problems.push('to_date must not be before from_date');
      if (days > MAX_DAYS) problems.push(`the period may span at most ${MAX_DAYS} days`);
    }
    const currency = (q.currency ?? '').toUpperCase();
    if (currency && !/^[A-Z]{3}$/.test(currency)) problems.push('currency must be an ISO 4217 code');
    if (problems.length) throw AppError.invalid(problems.join('; '), { problems });
    const orNull = (s?: string) => (s ? s : null);
    return new GetKpisCommand(
      tenantId,
      from,
      to,
      orNull(q.segment),
      orNull(q.modelVersion),
      orNull(q.channel),
      orNull(currency),
    );
  }
}
