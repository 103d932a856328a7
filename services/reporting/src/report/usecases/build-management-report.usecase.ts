import { Clock } from '@collections/platform';
import { GetExperimentResultsCommand } from '../../experiments/usecases/get-experiment-results/get-experiment-results.command';
import { GetExperimentResultsUseCase } from '../../experiments/usecases/get-experiment-results/get-experiment-results.usecase';
import { addDays, mondayOf } from '../../forecast/domain/cash-forecast';
import { ForecastRepository } from '../../forecast/forecast.repository';
import { GetCashForecastCommand } from '../../forecast/usecases/get-cash-forecast/get-cash-forecast.command';
import { GetCashForecastUseCase } from '../../forecast/usecases/get-cash-forecast/get-cash-forecast.usecase';
import { daysInPeriod } from '../../kpis/domain/kpi-report';
import { KpisRepository } from '../../kpis/kpis.repository';
import { GetKpisCommand } from '../../kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../../kpis/usecases/get-kpis/get-kpis.usecase';
import { renderManagementReport } from '../domain/management-report';

const DEFAULT_DAYS = 90;
const MAX_HISTORY_WEEKS = 26;

/** The management report of one tenant and period: the KPIs, aging, roll rates, forecast and experiment. */
export class BuildManagementReportUseCase {
  constructor(
    private readonly clock: Clock,
    private readonly kpis: KpisRepository,
    private readonly forecasts: ForecastRepository,
    private readonly getKpis: GetKpisUseCase,
    private readonly getForecast: GetCashForecastUseCase,
    private readonly getExperiment: GetExperimentResultsUseCase,
  ) {}

  /** `from`/`to` default to the 90 days ending today (UTC). */
  async execute(tenantId: string, q: { from?: string; to?: string; currency?: string }): Promise<string> {
    const today = this.clock.now().toISOString().slice(0, 10);
    const toDate = q.to || today;
    const fromDate = q.from || addDays(toDate, -(DEFAULT_DAYS - 1));
    const cmd = GetKpisCommand.of(tenantId, { fromDate, toDate, currency: q.currency });
    const kpis = await this.getKpis.execute(cmd);
    const filter = { tenantId, segment: null, modelVersion: null, channel: null, currency: kpis.currency };
    const atStart = await this.kpis.bucketsAsOf(filter, addDays(fromDate, -1));
    const atEnd = await this.kpis.bucketsAsOf(filter, toDate);
    const count = (m: Map<string, string>, bucket: string) => [...m.values()].filter((b) => b === bucket).length;
    const buckets = await this.kpis.buckets(tenantId);

    const collected = await this.forecasts.collectedByWeek(tenantId, kpis.currency, fromDate, toDate);
    const collectionsByWeek: { weekStart: string; amountMinor: number }[] = [];
    for (let w = mondayOf(fromDate); w <= toDate; w = addDays(w, 7)) {
      collectionsByWeek.push({ weekStart: w, amountMinor: collected.get(w) ?? 0 });
    }
    const historyWeeks = Math.min(MAX_HISTORY_WEEKS, Math.max(1, Math.floor(daysInPeriod(fromDate, toDate) / 7)));
    const forecast = await this.getForecast.execute(
      GetCashForecastCommand.of(tenantId, { asOfDate: toDate, currency: kpis.currency, historyWeeks }, today),
    );
    const experiment = await this.getExperiment.execute(
      GetExperimentResultsCommand.of(tenantId, { fromDate, toDate, currency: kpis.currency }),
    );
    return renderManagementReport({
      tenantId,
      generatedAt: this.clock.now(),
      kpis,
      collectionsByWeek,
      aging: buckets.map((bucket) => ({ bucket, atStart: count(atStart, bucket), atEnd: count(atEnd, bucket) })),
      forecast,
      experiment,
    });
  }
}
