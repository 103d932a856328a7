import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A fact about a debtor that stops contact for good (a hold, a consent withdrawn, an opt-out, new
 * facts, an erasure) puts the debtor's agent calls and visits not yet worked to the contact law at
 * once (`AgentTaskContactLaw.sweepDebtor`): their accounts are found by debtor, and those accounts'
 * open or held tasks by account, each by index rather than by reading every task of the tenant.
 */
export class OrchestratorAgentTasksOfDebtor1763900016200 implements MigrationInterface {
  name = 'OrchestratorAgentTasksOfDebtor1763900016200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX account_party_debtor ON account_party (tenant_id, debtor_id)`);
    await q.query(
      `CREATE INDEX agent_task_unworked_account ON agent_task (tenant_id, account_id) WHERE state IN ('open', 'claimed')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX agent_task_unworked_account');
    await q.query('DROP INDEX account_party_debtor');
  }
}
