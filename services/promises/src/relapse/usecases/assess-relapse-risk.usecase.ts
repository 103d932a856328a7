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
 *
 * A PlanCompleted is assessed only while the completion it announces is the plan's current one:
 * the plan is completed now in this service's database and no reopening recorded here came after
 * it. One that is not (a dead-lettered PlanCompleted replayed after its plan was reopened, or one
 * consumed after the plan's reversal was already written) records nothing and says so in the log;
 * the plan's next completion is assessed when its own PlanCompleted comes.
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
    const completedAt = event.payload.completedAt ?? event.time;
    if (await this.repo.assessed(tx, tenantId, planId)) return;
    // Checked before scoring (a stale replay does not need scoring up), and again after it under a
    // share lock on the plan: a reversal reopening it meanwhile has either committed (the plan reads
    // active) or waits for this transaction, and its PlanReopened then flags what this one records.
    if (!(await this.currentCompletion(tx, tenantId, planId, completedAt, false))) return;
    const score = await this.scorer.score(tenantId, accountId);
    if (!(await this.currentCompletion(tx, tenantId, planId, completedAt, true))) return;
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

  private async currentCompletion(
    tx: HandlerContext['tx'],
    tenantId: string,
    planId: string,
    completedAt: Date,
    lock: boolean,
  ): Promise<boolean> {
    if (await this.repo.completionIsCurrent(tx, tenantId, planId, completedAt, lock)) return true;
    this.ctx.logger.info(
      { tenantId, planId },
      'plan completion is no longer current (the plan was reopened): no relapse risk recorded',
    );
    return false;
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
