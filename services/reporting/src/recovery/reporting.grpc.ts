import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { reporting } from '@collections/contracts';
import { currentTenantId, loadConfig, money, str } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { experimentResultsCsv } from '../experiments/domain/experiment-results-csv';
import { ExperimentsRepository } from '../experiments/experiments.repository';
import { GetExperimentResultsCommand } from '../experiments/usecases/get-experiment-results/get-experiment-results.command';
import {
  ExperimentResults,
  GetExperimentResultsUseCase,
} from '../experiments/usecases/get-experiment-results/get-experiment-results.usecase';
import { cashForecastCsv } from '../forecast/domain/cash-forecast-csv';
import { ForecastRepository } from '../forecast/forecast.repository';
import { GetCashForecastCommand } from '../forecast/usecases/get-cash-forecast/get-cash-forecast.command';
import { CashForecast, GetCashForecastUseCase } from '../forecast/usecases/get-cash-forecast/get-cash-forecast.usecase';
import { KpiReport, kpiReportCsv } from '../kpis/domain/kpi-report';
import { KpisRepository } from '../kpis/kpis.repository';
import { GetKpisCommand } from '../kpis/usecases/get-kpis/get-kpis.command';
import { parseChannelCosts } from '../kpis/domain/channel-costs';
import { GetKpisUseCase } from '../kpis/usecases/get-kpis/get-kpis.usecase';
import { BuildManagementReportUseCase } from '../report/usecases/build-management-report.usecase';

async function recoverySummary(ctx: ServiceContext, tenantId: string): Promise<reporting.GetRecoverySummaryResponse> {
  const recovered = (await ctx.dataSource.query(
    `SELECT currency, sum(amount_minor)::bigint AS total, count(*)::int AS n FROM payment_fact WHERE tenant_id = $1 GROUP BY currency ORDER BY currency`,
    [tenantId],
  )) as { currency: string; total: string; n: number }[];
  const [{ kept }] = (await ctx.dataSource.query(
    `SELECT count(*)::int AS kept FROM promise_kept_fact WHERE tenant_id = $1`,
    [tenantId],
  )) as {
    kept: number;
  }[];
  return {
    recovered: recovered.map((r) => money(Number(r.total), r.currency.trim())),
    payments: recovered.reduce((n, r) => n + r.n, 0),
    promisesKept: kept,
  };
}

function mapKpiReport(r: KpiReport): reporting.GetKpisResponse {
  return {
    fromDate: r.fromDate,
    toDate: r.toDate,
    currency: r.currency,
    accounts: r.accounts,
    kpis: r.kpis.map((k) => ({ name: k.name, value: k.value ?? undefined, inputs: k.inputs })),
    rollRates: r.rollRates.map((rr) => ({
      fromBucket: rr.fromBucket,
      toBucket: rr.toBucket,
      rate: rr.rate ?? undefined,
    })),
  };
}

const orUndefined = (v: number | null) => v ?? undefined;

function mapCashForecast(f: CashForecast): reporting.GetCashForecastResponse {
  return {
    asOfDate: f.asOfDate,
    currency: f.currency,
    weeks: f.weeks,
    history: f.history.map((h) => ({
      weekStart: h.weekStart,
      weekEnd: h.weekEnd,
      forecastMinor: orUndefined(h.forecastMinor),
      forecastAsOfDate: h.forecastAsOfDate,
      actualMinor: h.actualMinor,
      errorRate: orUndefined(h.errorRate),
    })),
    instalmentKeptRate: orUndefined(f.instalmentKeptRate),
  };
}

function mapExperimentResults(r: ExperimentResults): reporting.GetExperimentResultsResponse {
  const arm = (a: ExperimentResults['champion']): reporting.ExperimentArm => ({
    ...a,
    recoveryRate: orUndefined(a.recoveryRate),
    payingRate: orUndefined(a.payingRate),
  });
  return {
    experiment: r.experiment,
    fromDate: r.fromDate,
    toDate: r.toDate,
    currency: r.currency,
    champion: arm(r.champion),
    challenger: arm(r.challenger),
    comparisons: r.comparisons.map((c) => ({
      metric: c.metric,
      test: c.test,
      difference: orUndefined(c.difference),
      ciLow: orUndefined(c.ciLow),
      ciHigh: orUndefined(c.ciHigh),
      z: orUndefined(c.z),
      pValue: orUndefined(c.pValue),
      significant: c.significant,
    })),
    confidenceLevel: r.confidenceLevel,
    verdict: r.verdict,
    minAccountsPerArm: r.minAccountsPerArm,
  };
}

/** The forecast query as REST query parameters. */
interface ForecastQuery {
  as_of_date?: string;
  currency?: string;
  history_weeks?: string;
}

/** The experiment query as REST query parameters. */
interface ExperimentQuery {
  experiment?: string;
  from_date?: string;
  to_date?: string;
  champion_arm?: string;
  challenger_arm?: string;
  currency?: string;
}

/** The KPI query as REST query parameters (snake_case, as in the proto). */
interface KpisQuery {
  from_date?: string;
  to_date?: string;
  segment?: string;
  model_version?: string;
  channel?: string;
  currency?: string;
}

const commandOf = (q: KpisQuery) =>
  GetKpisCommand.of(currentTenantId(), {
    fromDate: q.from_date,
    toDate: q.to_date,
    segment: q.segment,
    modelVersion: q.model_version,
    channel: q.channel,
    currency: q.currency,
  });

/** Cost per contact sent, by tenant, currency and channel (see kpis/domain/channel-costs.ts); empty: the defaults. */
const loadReportingKpiConfig = () => loadConfig({ channelCosts: str('REPORTING_CHANNEL_COSTS', { default: '' }) });

@Controller('v1/reporting')
@reporting.ReportingServiceControllerMethods()
export class ReportingGrpcController implements reporting.ReportingServiceController {
  private readonly getKpisUseCase: GetKpisUseCase;
  private readonly getCashForecastUseCase: GetCashForecastUseCase;
  private readonly getExperimentResultsUseCase: GetExperimentResultsUseCase;
  private readonly buildReportUseCase: BuildManagementReportUseCase;

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {
    const kpis = new KpisRepository(ctx.dataSource);
    const forecasts = new ForecastRepository(ctx.dataSource);
    this.getKpisUseCase = new GetKpisUseCase(kpis, parseChannelCosts(loadReportingKpiConfig().channelCosts));
    this.getCashForecastUseCase = new GetCashForecastUseCase(forecasts, kpis);
    this.getExperimentResultsUseCase = new GetExperimentResultsUseCase(new ExperimentsRepository(ctx.dataSource), kpis);
    this.buildReportUseCase = new BuildManagementReportUseCase(
      ctx.clock,
      kpis,
      forecasts,
      this.getKpisUseCase,
      this.getCashForecastUseCase,
      this.getExperimentResultsUseCase,
    );
  }

  private today(): string {
    return this.ctx.clock.now().toISOString().slice(0, 10);
  }

  getRecoverySummary(): Promise<reporting.GetRecoverySummaryResponse> {
    return recoverySummary(this.ctx, currentTenantId());
  }

  async getKpis(request: reporting.GetKpisRequest): Promise<reporting.GetKpisResponse> {
    return mapKpiReport(await this.getKpisUseCase.execute(GetKpisCommand.of(currentTenantId(), request)));
  }

  async getCashForecast(request: reporting.GetCashForecastRequest): Promise<reporting.GetCashForecastResponse> {
    const cmd = GetCashForecastCommand.of(currentTenantId(), request, this.today());
    return mapCashForecast(await this.getCashForecastUseCase.execute(cmd));
  }

  async getExperimentResults(
    request: reporting.GetExperimentResultsRequest,
  ): Promise<reporting.GetExperimentResultsResponse> {
    const cmd = GetExperimentResultsCommand.of(currentTenantId(), request);
    return mapExperimentResults(await this.getExperimentResultsUseCase.execute(cmd));
  }

  /** REST twin of GetRecoverySummary. */
  @Get('recovery-summary')
  restRecoverySummary(): Promise<reporting.GetRecoverySummaryResponse> {
    return recoverySummary(this.ctx, currentTenantId());
  }

  /** REST twin of GetKpis: `?from_date=&to_date=&segment=&model_version=&channel=&currency=`. */
  @Get('kpis')
  async restKpis(@Query() q: KpisQuery): Promise<reporting.GetKpisResponse> {
    return mapKpiReport(await this.getKpisUseCase.execute(commandOf(q)));
  }

  /** The same KPI table as CSV, one row per KPI and per roll rate. */
  @Get('kpis.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="kpis.csv"')
  async restKpisCsv(@Query() q: KpisQuery): Promise<string> {
    return kpiReportCsv(await this.getKpisUseCase.execute(commandOf(q)));
  }

  private forecastOf(q: ForecastQuery): Promise<CashForecast> {
    const cmd = GetCashForecastCommand.of(
      currentTenantId(),
      { asOfDate: q.as_of_date, currency: q.currency, historyWeeks: q.history_weeks },
      this.today(),
    );
    return this.getCashForecastUseCase.execute(cmd);
  }

  /** REST twin of GetCashForecast: `?as_of_date=&currency=&history_weeks=`. */
  @Get('forecast')
  async restCashForecast(@Query() q: ForecastQuery): Promise<reporting.GetCashForecastResponse> {
    return mapCashForecast(await this.forecastOf(q));
  }

  /** The forecast's weeks, then the closed weeks' forecast against actual, as CSV. */
  @Get('forecast.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="cash-forecast.csv"')
  async restCashForecastCsv(@Query() q: ForecastQuery): Promise<string> {
    return cashForecastCsv(await this.forecastOf(q));
  }

  private experimentOf(q: ExperimentQuery): Promise<ExperimentResults> {
    const cmd = GetExperimentResultsCommand.of(currentTenantId(), {
      experiment: q.experiment,
      fromDate: q.from_date,
      toDate: q.to_date,
      championArm: q.champion_arm,
      challengerArm: q.challenger_arm,
      currency: q.currency,
    });
    return this.getExperimentResultsUseCase.execute(cmd);
  }

  /** REST twin of GetExperimentResults: `?from_date=&to_date=&experiment=&champion_arm=&challenger_arm=&currency=`. */
  @Get('experiments')
  async restExperimentResults(@Query() q: ExperimentQuery): Promise<reporting.GetExperimentResultsResponse> {
    return mapExperimentResults(await this.experimentOf(q));
  }

  /** The same results as CSV: one row per arm, then one per comparison. */
  @Get('experiments.csv')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('content-disposition', 'attachment; filename="experiment-results.csv"')
  async restExperimentResultsCsv(@Query() q: ExperimentQuery): Promise<string> {
    return experimentResultsCsv(await this.experimentOf(q));
  }

  /** The management report: one printable HTML page with inline SVG charts (`?from=&to=&currency=`, default the last 90 days). */
  @Get('report.html')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
  restManagementReport(@Query() q: { from?: string; to?: string; currency?: string }): Promise<string> {
    return this.buildReportUseCase.execute(currentTenantId(), q);
  }
}
