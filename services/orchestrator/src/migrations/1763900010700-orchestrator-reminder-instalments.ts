import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The instalment an instalment reminder is about (from promises' InstalmentDueSoon): its amount
 * and due date, so the reminder says how much is due and when, read when the message goes out.
 */
export class OrchestratorReminderInstalments1763900010700 implements MigrationInterface {
  name = 'OrchestratorReminderInstalments1763900010700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE reminder_instalment (
        tenant_id text NOT NULL,
        plan_id text NOT NULL,
        seq integer NOT NULL,
        account_id text NOT NULL,
        due_date date NOT NULL,
        amount_minor bigint NOT NULL,
        currency char(3) NOT NULL,
        PRIMARY KEY (tenant_id, plan_id, seq)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reminder_instalment`);
  }
}
