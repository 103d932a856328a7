import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reference date of a US validation notice's itemization (Regulation F §1006.34(b)(3)): the
 * tenant's choice on its creditor profile (NULL: the last statement date), and, per account, the
 * date and reference the notice was itemized from. The dispatcher writes the account's pair each
 * time it composes the notice until the notice is sent (`validation_notice_sent_at`), so the pair is
 * the sent notice's; a later notice for the account keeps it, whatever the tenant chooses then.
 */
export class OrchestratorItemizationReference1763900018100 implements MigrationInterface {
  name = 'OrchestratorItemizationReference1763900018100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE creditor_profile ADD COLUMN itemization_reference text
      CHECK (itemization_reference IN ('last-statement', 'charge-off', 'last-payment', 'transaction'))`);
    await q.query(`ALTER TABLE planner_account
      ADD COLUMN validation_notice_itemization_date date,
      ADD COLUMN validation_notice_itemization_reference text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE planner_account
      DROP COLUMN validation_notice_itemization_date, DROP COLUMN validation_notice_itemization_reference`);
    await q.query(`ALTER TABLE creditor_profile DROP COLUMN itemization_reference`);
  }
}
