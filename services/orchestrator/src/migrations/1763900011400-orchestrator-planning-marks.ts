import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * On a simulated clock an event does not plan its account at once: it marks it here, and the
 * clock's next move plans every marked account in key order (`MarkedAccountsPlanningJob`). The
 * facts an account is planned on are then those of a settled platform, whatever order the
 * ledger's, scoring's and promises' topics were consumed in (one partition in-process, four over
 * Kafka), so a simulation with a seed decides the same on an embedded and a distributed platform.
 * One row per account: the first event that marked it (audit) and whether one asked for an answer
 * even without a strategy (a score).
 */
export class OrchestratorPlanningMarks1763900011400 implements MigrationInterface {
  name = 'OrchestratorPlanningMarks1763900011400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE planner_mark (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      caused_by text NOT NULL,
      answer boolean NOT NULL DEFAULT false,
      marked_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, account_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE planner_mark`);
  }
}
