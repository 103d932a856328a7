import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The commitments that pause an account's cadence, one row each: a single promise to pay
 * (`promise:<id>`) or a running plan (`plan:<id>`). planner_account.promise_active was set and
 * cleared by each promise event on its own, so when an account had two (a plan and a promise made
 * beside it, or two promises), keeping or breaking one cleared the flag and the chase resumed
 * while the other still ran. The flag stays, as "this account has a commitment row".
 * Accounts flagged before this migration have no row: the flag holds until one of their
 * commitments ends (or a plan's next instalment falls due, which records the plan).
 */
export class OrchestratorPlannerCommitments1763900012800 implements MigrationInterface {
  name = 'OrchestratorPlannerCommitments1763900012800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE planner_commitment (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      commitment_id text NOT NULL,
      PRIMARY KEY (tenant_id, account_id, commitment_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE planner_commitment`);
  }
}
