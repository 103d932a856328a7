import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A debt collector's validation notice (US Regulation F §1006.34), per account: when it was sent
 * (the dispatcher stamps it as the notice's row is sent; the contact law then lets other contacts
 * through), and the ledger's last statement date and amount due, the notice's itemization date
 * and amount then.
 */
export class OrchestratorValidationNotice1763900016100 implements MigrationInterface {
  name = 'OrchestratorValidationNotice1763900016100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account
      ADD COLUMN validation_notice_sent_at timestamptz,
      ADD COLUMN statement_date date,
      ADD COLUMN statement_amount_due_minor bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account
      DROP COLUMN validation_notice_sent_at, DROP COLUMN statement_date, DROP COLUMN statement_amount_due_minor`);
  }
}
