import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The batched daily planning run: the local day each account was last planned by it, so a re-run
 * or a run resumed after a crash plans each (tenant, account, day) once; and the
 * champion/challenger arm on each decision's audit row; holds found by debtor.
 */
export class OrchestratorDailyRun1763900008200 implements MigrationInterface {
  name = 'OrchestratorDailyRun1763900008200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account ADD COLUMN daily_planned_on text`);
    await q.query(`ALTER TABLE contact_decision ADD COLUMN arm_id text`);
    // Planning reads a debtor's holds by debtor (the key is the hold id): without it every read scanned them all.
    await q.query(`CREATE INDEX debtor_hold_state_debtor ON debtor_hold_state (tenant_id, debtor_id) WHERE active`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX debtor_hold_state_debtor');
    await q.query('ALTER TABLE contact_decision DROP COLUMN arm_id');
    await q.query('ALTER TABLE planner_account DROP COLUMN daily_planned_on');
  }
}
