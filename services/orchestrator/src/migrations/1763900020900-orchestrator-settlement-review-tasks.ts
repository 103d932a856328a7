import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Settlements a person must decide on (promises' SettlementReviewNeeded: a payment reversed after
 * the discount was posted, or a discount the ledger refused) become `review_settlement` tasks in
 * the agent queues.
 */
export class OrchestratorSettlementReviewTasks1763900020900 implements MigrationInterface {
  name = 'OrchestratorSettlementReviewTasks1763900020900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_kind_check`);
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_kind_check CHECK (kind IN ('call', 'review_reply', 'negotiate', 'field_visit', 'review_settlement'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM agent_task WHERE kind = 'review_settlement'`);
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_kind_check`);
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_kind_check CHECK (kind IN ('call', 'review_reply', 'negotiate', 'field_visit'))`,
    );
  }
}
