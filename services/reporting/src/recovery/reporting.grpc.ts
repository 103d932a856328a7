import { Controller, Get, Inject } from '@nestjs/common';
import { reporting } from '@collections/contracts';
import { currentTenantId, money } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';

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

@Controller('v1/reporting')
@reporting.ReportingServiceControllerMethods()
export class ReportingGrpcController implements reporting.ReportingServiceController {
  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {}

  getRecoverySummary(): Promise<reporting.GetRecoverySummaryResponse> {
    return recoverySummary(this.ctx, currentTenantId());
  }

  /** REST twin of GetRecoverySummary. */
  @Get('recovery-summary')
  restRecoverySummary(): Promise<reporting.GetRecoverySummaryResponse> {
    return recoverySummary(this.ctx, currentTenantId());
  }
}
