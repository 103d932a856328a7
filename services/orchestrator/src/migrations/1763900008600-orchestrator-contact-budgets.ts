import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Arms with a daily contact budget rank their due contacts: by the scoring service's priority by
 * expected recovery (kept from AccountScored; null until the account is scored) or by days past
 * due. The index counts an arm's contacts sent on a day.
 */
export class OrchestratorContactBudgets1763900008600 implements MigrationInterface {
  name = 'OrchestratorContactBudgets1763900008600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account ADD COLUMN score_priority double precision`);
    await q.query(
      `CREATE INDEX contact_schedule_arm_sent ON contact_schedule (tenant_id, strategy_id, arm_id, sent_at) WHERE status = 'sent'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX contact_schedule_arm_sent`);
    await q.query(`ALTER TABLE planner_account DROP COLUMN score_priority`);
  }
}
