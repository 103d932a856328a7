import { Inject, Injectable } from '@nestjs/common';
import { HourlyClockScheduler, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { ActiveStrategy, PlannerRepository } from '../planner.repository';
import { PlanAccountUseCase, PlanResult } from './plan-account.usecase';

export type DailyPlanningSummary = { accounts: number } & Partial<Record<PlanResult, number>>;

/**
 * The daily planning run: every account with a due date is planned again on the injected clock,
 * one transaction per account (steps whose day has come, escalations, stops); each tenant's
 * strategies are read once per run. Planning is idempotent, so a re-run changes nothing.
 */
export class DailyPlanningUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlannerRepository,
    private readonly planner: PlanAccountUseCase,
    private readonly batchSize = 500,
  ) {}

  async run(): Promise<DailyPlanningSummary> {
    const summary: DailyPlanningSummary = { accounts: 0 };
    const cause = { id: `daily-run:${this.ctx.clock.now().toISOString().slice(0, 13)}` };
    const strategies = new Map<string, readonly ActiveStrategy[]>();
    let after = { tenantId: '', accountId: '' };
    for (;;) {
      const page = await this.repo.accountPage(this.ctx.dataSource, after, this.batchSize);
      for (const { tenant_id: tenantId, account_id: accountId } of page) {
        let forTenant = strategies.get(tenantId);
        if (!forTenant) {
          forTenant = await this.repo.activeStrategies(this.ctx.dataSource, tenantId);
          strategies.set(tenantId, forTenant);
        }
        const result = await this.ctx.dataSource.transaction((tx) =>
          this.planner.plan(tx, this.ctx.backbone.outbox, tenantId, accountId, cause, forTenant),
        );
        summary.accounts += 1;
        summary[result] = (summary[result] ?? 0) + 1;
      }
      if (page.length < this.batchSize) break;
      const last = page[page.length - 1];
      after = { tenantId: last.tenant_id, accountId: last.account_id };
    }
    this.ctx.logger.info(summary, 'daily planning run finished');
    return summary;
  }
}

export const DAILY_PLANNING = Symbol('DAILY_PLANNING');
export const DAILY_PLANNING_CHECK_MS = Symbol('DAILY_PLANNING_CHECK_MS');

/** The daily planning run, started from the clock, hourly at most (see HourlyClockScheduler). */
@Injectable()
export class DailyPlanningScheduler extends HourlyClockScheduler<DailyPlanningSummary> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(DAILY_PLANNING) private readonly job: DailyPlanningUseCase,
    @Inject(DAILY_PLANNING_CHECK_MS) checkEveryMs: number,
  ) {
    super(ctx, checkEveryMs, 'daily planning run');
  }

  protected runJob(): Promise<DailyPlanningSummary> {
    return this.job.run();
  }
}
