import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An e-mail submission a later attempt found unfinished (the process died inside the SMTP
 * transaction or before recording the server's 250) is taken as sent and now says so: state
 * `in-doubt`, with when that was decided. Before, it stayed `submitting`, and a late refusal heard
 * by a still-living first attempt could delete it and let a third attempt send the message again.
 */
export class OrchestratorEmailInDoubt1763900010500 implements MigrationInterface {
  name = 'OrchestratorEmailInDoubt1763900010500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE email_submission DROP CONSTRAINT email_submission_state_check`);
    await q.query(
      `ALTER TABLE email_submission ADD CONSTRAINT email_submission_state_check
         CHECK (state IN ('submitting', 'accepted', 'in-doubt'))`,
    );
    await q.query(`ALTER TABLE email_submission ADD COLUMN in_doubt_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE email_submission DROP COLUMN in_doubt_at`);
    await q.query(`UPDATE email_submission SET state = 'submitting' WHERE state = 'in-doubt'`);
    await q.query(`ALTER TABLE email_submission DROP CONSTRAINT email_submission_state_check`);
    await q.query(
      `ALTER TABLE email_submission ADD CONSTRAINT email_submission_state_check CHECK (state IN ('submitting', 'accepted'))`,
    );
  }
}
