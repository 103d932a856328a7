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
 * assessed and published anew.
 *
 * Both events name the plan's completion they are about (`completion`: 1, 2, ... as a plan is
 * reopened and completed again), and a PlanCompleted is assessed only while its completion is the
 * plan's current one: the plan is completed now in this service's database and has completed that
 * many times. So whatever order the events come in (a dead-lettered PlanCompleted replayed, one
 * consumed after its plan was reopened and completed again, a redelivery), each completion is
 * assessed at most once, and never once the plan moved past it; one that is not current records
 * nothing and says so in the log. An event published before plans counted their completions carries
 * none: it is current when the plan is completed now and no reopening recorded here came after it.
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
    const { planId, accountId, completion } = event.payload;
    const completedAt = event.payload.completedAt ?? event.time;
    if (await this.repo.assessed(tx, tenantId, planId, completion)) return;
    // Checked before scoring (a stale replay does not need scoring up), and again after it under a
    // share lock on the plan: a reversal reopening it meanwhile has either committed (the plan reads
    // active) or waits for this transaction, and its PlanReopened then flags what this one records.
    if ((await this.currentCompletion(tx, tenantId, planId, completion, completedAt, false)) === undefined) return;
    const score = await this.scorer.score(tenantId, accountId);
    const current = await this.currentCompletion(tx, tenantId, planId, completion, completedAt, true);
    if (current === undefined) return;
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
    if (!(await this.repo.record(tx, tenantId, payload, current, completedAt))) return;
    await outbox.add(tx, {
      type: 'collections.promises.v1.RelapseRiskAssessed',
      key: accountId,
      tenantId,
      time: assessedAt,
      payload,
    });
  }

  /** The plan's current completion when it is the one the event announces; undefined (and a log line) when not. */
  private async currentCompletion(
    tx: HandlerContext['tx'],
    tenantId: string,
    planId: string,
    completion: number | undefined,
    completedAt: Date,
    lock: boolean,
  ): Promise<number | undefined> {
    const current = await this.repo.currentCompletion(tx, tenantId, planId, lock);
    const isCurrent =
      current !== undefined &&
      (completion === undefined
        ? current.lastReopened === null || current.lastReopened.getTime() <= completedAt.getTime()
        : current.completion === completion);
    if (isCurrent) return current.completion;
    this.ctx.logger.info(
      { tenantId, planId, completion },
      'plan completion is no longer current (the plan was reopened): no relapse risk recorded',
    );
    return undefined;
  }

  async planReopened(
    event: ConsumedEvent<'collections.promises.v1.PlanReopened'>,
    { tx }: HandlerContext,
  ): Promise<void> {
    const { planId, reopenedAt, completion } = event.payload;
    if (await this.repo.reopened(tx, event.tenantId, planId, reopenedAt ?? event.time, completion))
      this.ctx.logger.info(
        { tenantId: event.tenantId, planId },
        'plan reopened: its relapse risk is no longer current',
      );
  }
}
