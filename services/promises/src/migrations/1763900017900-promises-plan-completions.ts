import { MigrationInterface, QueryRunner } from 'typeorm';

/** `payment_plan.state` of a completed plan (promises.PlanState.PLAN_STATE_COMPLETED). */
const COMPLETED = 2;

/**
 * A plan counts its completions (`payment_plan.completions`: a reversal can reopen a completed plan
 * and a payment complete it again), and PlanCompleted and PlanReopened say which completion they are
 * about; each relapse risk is recorded against its completion (`plan_relapse_risk.completion`, one
 * per completion), so a late or redelivered PlanCompleted of an earlier completion is told from the
 * plan's current one. Existing rows are numbered from what is stored: a plan's risks by when they
 * were assessed (the current one last), and a plan counts as many completions as it has risks, one
 * more when it is completed now and its completion was not assessed yet.
 */
export class PromisesPlanCompletions1763900017900 implements MigrationInterface {
  name = 'PromisesPlanCompletions1763900017900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE payment_plan ADD COLUMN completions integer NOT NULL DEFAULT 0 CHECK (completions >= 0)`,
    );
    await q.query(`ALTER TABLE plan_relapse_risk ADD COLUMN completion integer`);
    await q.query(
      `UPDATE plan_relapse_risk r SET completion = n.completion
         FROM (SELECT ctid AS row_id, row_number() OVER (PARTITION BY tenant_id, plan_id
                        ORDER BY reopened_at IS NULL, assessed_at, reopened_at) AS completion
                 FROM plan_relapse_risk) n
        WHERE r.ctid = n.row_id`,
    );
    await q.query(
      `UPDATE payment_plan p
          SET completions = (SELECT count(*) FROM plan_relapse_risk r WHERE r.tenant_id = p.tenant_id AND r.plan_id = p.id)
            + CASE WHEN p.state = $1 AND NOT EXISTS (SELECT 1 FROM plan_relapse_risk r
                     WHERE r.tenant_id = p.tenant_id AND r.plan_id = p.id AND r.reopened_at IS NULL) THEN 1 ELSE 0 END
        WHERE p.state = $1 OR EXISTS (SELECT 1 FROM plan_relapse_risk r WHERE r.tenant_id = p.tenant_id AND r.plan_id = p.id)`,
      [COMPLETED],
    );
    await q.query(`ALTER TABLE plan_relapse_risk ALTER COLUMN completion SET NOT NULL`);
    await q.query(
      `CREATE UNIQUE INDEX plan_relapse_risk_completion ON plan_relapse_risk (tenant_id, plan_id, completion)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX plan_relapse_risk_completion');
    await q.query('ALTER TABLE plan_relapse_risk DROP COLUMN completion');
    await q.query('ALTER TABLE payment_plan DROP COLUMN completions');
  }
}
