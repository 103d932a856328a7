import { Inject, Injectable } from '@nestjs/common';
import { ClockTimedJob, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { ActiveStrategy, PlannerRepository } from '../planner.repository';
import { PlanAccountUseCase, PlanResult } from './plan-account.usecase';

/** Marks taken (and their accounts planned) per transaction. */
const CHUNK = 500;

export type MarkedPlanningSummary = { accounts: number } & Partial<Record<PlanResult, number>>;

/**
 * Plans the accounts events marked since the clock last moved (`PlanAccountUseCase.planAfterEvent`
 * on a simulated clock), in key order, at the new instant: each one as the event itself would
 * have, with the event's answer-without-strategy asked for. Marks are taken in chunks, each chunk
 * one transaction with its plans, so a failure leaves them for the next move. Its name sorts it
 * right after the daily planning run and before the dispatch run: the contacts it books for the
 * instant go out in the same move. No timer: on the real clock events plan at once. A failed
 * chunk is logged and its marks wait for the next move.
 */
@Injectable()
export class MarkedAccountsPlanningJob extends ClockTimedJob<MarkedPlanningSummary> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(PlanAccountUseCase) private readonly planner: PlanAccountUseCase,
    @Inject(PlannerRepository) private readonly repo: PlannerRepository,
  ) {
    super(ctx, 0, 'daily planning run (marked accounts)');
  }

  protected runJob(): Promise<MarkedPlanningSummary> {
    return this.run();
  }

  /** The clock is told it ran when there were marked accounts to plan. */
  protected override ran(summary: MarkedPlanningSummary): boolean {
    return summary.accounts > 0;
  }

  async run(): Promise<MarkedPlanningSummary> {
    const summary: MarkedPlanningSummary = { accounts: 0 };
    const strategies = new Map<string, readonly ActiveStrategy[]>();
    for (;;) {
      const taken = await this.ctx.dataSource.transaction(async (tx) => {
        const marks = await this.repo.takeMarks(tx, CHUNK);
        for (const mark of marks) {
          let active = strategies.get(mark.tenantId);
          if (!active) strategies.set(mark.tenantId, (active = await this.repo.activeStrategies(tx, mark.tenantId)));
          const result = await this.planner.plan(
            tx,
            this.ctx.backbone.outbox,
            mark.tenantId,
            mark.accountId,
            { id: mark.causedBy, answerWithoutStrategy: mark.answer },
            active,
          );
          summary[result] = (summary[result] ?? 0) + 1;
        }
        return marks.length;
      });
      summary.accounts += taken;
      if (taken < CHUNK) break;
    }
    if (summary.accounts > 0) this.ctx.logger.info({ summary }, 'planned the accounts events marked');
    return summary;
  }
}
