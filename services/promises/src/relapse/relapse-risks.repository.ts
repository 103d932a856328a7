import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';

/** A plan's current completion: its number (`payment_plan.completions`) while the plan is completed. */
export interface CurrentCompletion {
  completion: number;
  /** The latest reopening this read model knows of (for a PlanCompleted that carries no completion). */
  lastReopened: Date | null;
}

/**
 * Each completion's relapse risk of a plan, one per completion (`completion`): at most one current
 * (`reopened_at` null); a reopened plan's stays recorded, flagged with when it was reopened, and its
 * next completion is assessed anew.
 */
export class RelapseRisksRepository {
  /**
   * Whether this completion of the plan was assessed (current or since reopened); without a
   * completion (an event published before plans counted them), whether the plan's current one was.
   */
  async assessed(m: EntityManager, tenantId: string, planId: string, completion?: number): Promise<boolean> {
    const rows = (await m.query(
      completion === undefined
        ? `SELECT 1 FROM plan_relapse_risk WHERE tenant_id = $1 AND plan_id = $2 AND reopened_at IS NULL`
        : `SELECT 1 FROM plan_relapse_risk WHERE tenant_id = $1 AND plan_id = $2 AND completion = $3`,
      completion === undefined ? [tenantId, planId] : [tenantId, planId, completion],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * The plan's current completion, undefined unless the plan is completed now in this service's
   * database. `lock` takes a share lock on the plan, so a reversal reopening it either committed
   * before (the plan reads active) or waits for the caller's transaction.
   */
  async currentCompletion(
    m: EntityManager,
    tenantId: string,
    planId: string,
    lock = false,
  ): Promise<CurrentCompletion | undefined> {
    const [plan] = (await m.query(
      `SELECT p.state, p.completions,
              (SELECT max(r.reopened_at) FROM plan_relapse_risk r WHERE r.tenant_id = $1 AND r.plan_id = $2) AS last_reopened
         FROM payment_plan p WHERE p.tenant_id = $1 AND p.id = $2${lock ? ' FOR SHARE OF p' : ''}`,
      [tenantId, planId],
    )) as { state: number; completions: number; last_reopened: Date | null }[];
    if (plan?.state !== promises.PlanState.PLAN_STATE_COMPLETED) return undefined;
    return { completion: plan.completions, lastReopened: plan.last_reopened };
  }

  /**
   * The plan's assessment of this completion (and of any earlier one) is no longer current: the plan
   * was reopened at `reopenedAt`; false when there was none current. Without a completion (an event
   * published before plans counted them), the plan's current assessment.
   */
  async reopened(
    tx: EntityManager,
    tenantId: string,
    planId: string,
    reopenedAt: Date,
    completion?: number,
  ): Promise<boolean> {
    const [rows] = (await tx.query(
      `UPDATE plan_relapse_risk SET reopened_at = $3
        WHERE tenant_id = $1 AND plan_id = $2 AND reopened_at IS NULL AND ($4::int IS NULL OR completion <= $4)
       RETURNING plan_id`,
      [tenantId, planId, reopenedAt, completion ?? null],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /**
   * Records the assessment of the plan's current completion; false when it was already recorded. An
   * earlier completion's still flagged current (its PlanReopened not consumed yet: dead-lettered, say)
   * is flagged no longer current as of this completion's time.
   */
  async record(
    tx: EntityManager,
    tenantId: string,
    a: promises.RelapseRiskAssessed,
    completion: number,
    completedAt: Date,
  ): Promise<boolean> {
    await tx.query(
      `UPDATE plan_relapse_risk SET reopened_at = $4
        WHERE tenant_id = $1 AND plan_id = $2 AND reopened_at IS NULL AND completion < $3`,
      [tenantId, a.planId, completion, completedAt],
    );
    const inserted = (await tx.query(
      `INSERT INTO plan_relapse_risk (tenant_id, plan_id, account_id, relapse_risk, level, probability_to_pay, segment,
         model_version, reasons, assessed_at, completion)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT DO NOTHING RETURNING plan_id`,
      [
        tenantId,
        a.planId,
        a.accountId,
        a.relapseRisk,
        a.level,
        a.probabilityToPay,
        a.segment,
        a.modelVersion,
        JSON.stringify(a.reasons),
        a.assessedAt,
        completion,
      ],
    )) as unknown[];
    return inserted.length > 0;
  }
}
