import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A completed plan can be reopened (promises' PlanReopened: a payment of it was reversed, taking it
 * back below its total) and completed again. Each completion and reopening is kept once by its
 * identity in `forecast_plan_completion_fact` (a completion by its completed_at, a reopening by the
 * reversed payment's id), and a plan's forecast state is completed exactly while it has more
 * completions than reopenings (else active; defaulted stands whatever comes), so that whatever the
 * order the events arrive in, the same state stands. The plans completed so far are backfilled as
 * one completion each.
 */
export class ReportingPlanReopened1763900015210 implements MigrationInterface {
  name = 'ReportingPlanReopened1763900015210';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE forecast_plan_completion_fact (
      tenant_id text NOT NULL,
      plan_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('completed', 'reopened')),
      ref text NOT NULL,
      at timestamptz,
      PRIMARY KEY (tenant_id, plan_id, kind, ref)
    )`);
    await q.query(`INSERT INTO forecast_plan_completion_fact (tenant_id, plan_id, kind, ref)
      SELECT tenant_id, plan_id, 'completed', 'before-reopenings' FROM forecast_plan_fact WHERE state = 'completed'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE forecast_plan_completion_fact');
  }
}
