import { AppError, isCalendarDate } from '@collections/platform';

const MAX_DAYS = 3_660;
/** The experiment the events carry today: AccountScored.model_arm. */
export const SCORING_MODEL_EXPERIMENT = 'scoring_model';

/** An experiment results query, checked when built so gRPC and REST callers get the same answers. */
export class GetExperimentResultsCommand {
  private constructor(
    readonly tenantId: string,
    readonly experiment: string,
    readonly fromDate: string,
    readonly toDate: string,
    readonly championArm: string,
    readonly challengerArm: string,
    readonly currency: string | null,
  ) {}

  static of(
    tenantId: string,
    q: {
      experiment?: string;
      fromDate?: string;
      toDate?: string;
      championArm?: string;
      challengerArm?: string;
      currency?: string;
    },
  ): GetExperimentResultsCommand {
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
    const champion = q.championArm || 'champion';
    const challenger = q.challengerArm || 'challenger';
    if (champion === challenger) problems.push('champion_arm and challenger_arm must differ');
    const currency = (q.currency ?? '').toUpperCase();
    if (currency && !/^[A-Z]{3}$/.test(currency)) problems.push('currency must be an ISO 4217 code');
    if (problems.length) throw AppError.invalid(problems.join('; '), { problems });
    return new GetExperimentResultsCommand(
      tenantId,
      q.experiment || SCORING_MODEL_EXPERIMENT,
      from,
      to,
      champion,
      challenger,
      currency || null,
    );
  }
}
