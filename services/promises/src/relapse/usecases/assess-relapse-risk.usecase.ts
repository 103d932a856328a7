import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { relapseRisk } from '../domain/relapse-risk';
import { RelapseRisksRepository } from '../relapse-risks.repository';
import { AccountScorer } from '../scoring-port';

/**
 * On PlanCompleted: scores the account with the scoring service and records, once per completion
 * of a plan, the risk that it falls behind again, publishing RelapseRiskAssessed for the
 * post-collection follow-up. A scoring failure fails the handler, so the event is retried, then
 * dead-lettered. On PlanReopened (a reversal took the plan back below its total) the plan's risk
 * is no longer current: it stays recorded, flagged reopened, and the plan's next PlanCompleted is
 * assessed and published anew (both events come in order: one topic, keyed by account).
 */
export class AssessRelapseRiskUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: RelapseRisksRepository,
    private readonly scorer: AccountScorer,
  ) {}

  async planCompleted(
    event: ConsumedEvent<'collections.promises.v1.PlanCompleted'>,
    { tx, outbox }: HandlerContext,
  ): Promise<void> {
    const { tenantId } = event;
    const { planId, accountId } = event.payload;
    if (await this.repo.assessed(tx, tenantId, planId)) return;
    const score = await this.scorer.score(tenantId, accountId);
    const { risk, level } = relapseRisk(score.probabilityToPay);
    const assessedAt = this.ctx.clock.now();
    const payload = {
      planId,
      accountId,
      relapseRisk: risk,
      level,
      probabilityToPay: score.probabilityToPay,
      segment: score.segment,
      modelVersion: score.modelVersion,
      reasons: score.reasons,
      assessedAt,
    };
    if (!(await this.repo.record(tx, tenantId, payload))) return;
    await outbox.add(tx, {
      type: 'collections.promises.v1.RelapseRiskAssessed',
      key: accountId,
      tenantId,
      time: assessedAt,
      payload,
    });
  }

  async planReopened(
    event: ConsumedEvent<'collections.promises.v1.PlanReopened'>,
    { tx }: HandlerContext,
  ): Promise<void> {
    const { planId, reopenedAt } = event.payload;
    if (await this.repo.reopened(tx, event.tenantId, planId, reopenedAt ?? event.time))
      this.ctx.logger.info(
        { tenantId: event.tenantId, planId },
        'plan reopened: its relapse risk is no longer current',
      );
  }
}
