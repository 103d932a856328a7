import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';

export class RelapseRisksRepository {
  async assessed(m: EntityManager, tenantId: string, planId: string): Promise<boolean> {
    const rows = (await m.query(`SELECT 1 FROM plan_relapse_risk WHERE tenant_id = $1 AND plan_id = $2`, [
      tenantId,
      planId,
    ])) as unknown[];
    return rows.length > 0;
  }

  /** Records the plan's assessment; false when it was already recorded. */
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
