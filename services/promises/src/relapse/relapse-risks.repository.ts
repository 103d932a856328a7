import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';

/**
 * Each completion's relapse risk of a plan: at most one current (`reopened_at` null); a reopened
 * plan's stays recorded, flagged with when it was reopened, and its next completion is assessed anew.
 */
export class RelapseRisksRepository {
  /** Whether the plan's current completion was assessed. */
  async assessed(m: EntityManager, tenantId: string, planId: string): Promise<boolean> {
    const rows = (await m.query(
      `SELECT 1 FROM plan_relapse_risk WHERE tenant_id = $1 AND plan_id = $2 AND reopened_at IS NULL`,
      [tenantId, planId],
    )) as unknown[];
    return rows.length > 0;
  }

  /**
   * Whether the completion a PlanCompleted announces (at `completedAt`) is the plan's current one:
   * the plan is completed now in this service's database, and no reopening this read model knows of
   * came after that completion. `lock` takes a share lock on the plan, so a reversal reopening it
   * either committed before (the plan reads active) or waits for the caller's transaction.
   */
  async completionIsCurrent(
    m: EntityManager,
    tenantId: string,
    planId: string,
    completedAt: Date,
    lock = false,
  ): Promise<boolean> {
    const [plan] = (await m.query(
      `SELECT p.state,
              (SELECT max(r.reopened_at) FROM plan_relapse_risk r WHERE r.tenant_id = $1 AND r.plan_id = $2) AS last_reopened
         FROM payment_plan p WHERE p.tenant_id = $1 AND p.id = $2${lock ? ' FOR SHARE OF p' : ''}`,
      [tenantId, planId],
    )) as { state: number; last_reopened: Date | null }[];
    if (plan?.state !== promises.PlanState.PLAN_STATE_COMPLETED) return false;
    return plan.last_reopened === null || plan.last_reopened.getTime() <= completedAt.getTime();
  }

  /** The plan's current assessment is no longer current (the plan was reopened); false when it had none. */
  async reopened(tx: EntityManager, tenantId: string, planId: string, reopenedAt: Date): Promise<boolean> {
    const [rows] = (await tx.query(
      `UPDATE plan_relapse_risk SET reopened_at = $3 WHERE tenant_id = $1 AND plan_id = $2 AND reopened_at IS NULL
       RETURNING plan_id`,
      [tenantId, planId, reopenedAt],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  /** Records the plan's current assessment; false when it was already recorded. */
  async record(tx: EntityManager, tenantId: string, a: promises.RelapseRiskAssessed): Promise<boolean> {
    const inserted = (await tx.query(
      `INSERT INTO plan_relapse_risk (tenant_id, plan_id, account_id, relapse_risk, level, probability_to_pay, segment,
         model_version, reasons, assessed_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) ON CONFLICT DO NOTHING RETURNING plan_id`,
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
      ],
    )) as unknown[];
    return inserted.length > 0;
  }
}
