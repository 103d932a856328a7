import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The batched daily planning run: the local day each account was last planned by it, so a re-run
 * or a run resumed after a crash plans each (tenant, account, day) once; and the
 * champion/challenger arm on each decision's audit row.
 */
export class OrchestratorDailyRun1763900008200 implements MigrationInterface {
  name = 'OrchestratorDailyRun1763900008200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account ADD COLUMN daily_planned_on text`);
    await q.query(`ALTER TABLE contact_decision ADD COLUMN arm_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE contact_decision DROP COLUMN arm_id');
    await q.query('ALTER TABLE planner_account DROP COLUMN daily_planned_on');
  }
}
