import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { reporting } from '@collections/contracts';
import { currentTenantId, money } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { KpiReport, kpiReportCsv } from '../kpis/domain/kpi-report';
import { KpisRepository } from '../kpis/kpis.repository';
import { GetKpisCommand } from '../kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../kpis/usecases/get-kpis/get-kpis.usecase';

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

@Controller('v1/reporting')
@reporting.ReportingServiceControllerMethods()
export class ReportingGrpcController implements reporting.ReportingServiceController {
  private readonly getKpisUseCase: GetKpisUseCase;

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {
    this.getKpisUseCase = new GetKpisUseCase(new KpisRepository(ctx.dataSource));
  }

  getRecoverySummary(): Promise<reporting.GetRecoverySummaryResponse> {
    return recoverySummary(this.ctx, currentTenantId());
  }

  async getKpis(request: reporting.GetKpisRequest): Promise<reporting.GetKpisResponse> {
    return mapKpiReport(await this.getKpisUseCase.execute(GetKpisCommand.of(currentTenantId(), request)));
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
}
