import { ConsumedEvent, HandlerContext } from '@collections/messaging';
import { ServiceContext } from '@collections/runtime';
import { relapseRisk } from '../domain/relapse-risk';
import { RelapseRisksRepository } from '../relapse-risks.repository';
import { AccountScorer } from '../scoring-port';

/**
 * On PlanCompleted: scores the account with the scoring service and records, once per plan, the
 * risk that it falls behind again, publishing RelapseRiskAssessed for the post-collection
 * follow-up. A scoring failure fails the handler, so the event is retried, then dead-lettered.
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
}
