import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the dispatcher needs beyond electronic sends: field visits in the agent queues, letters in
 * daily print batches (no PII here: the vendor's file is written from the ledger at export), and
 * the e-mail submission record that keeps an SMTP send from going out twice after a crash.
 */
export class OrchestratorChannelWork1763900008300 implements MigrationInterface {
  name = 'OrchestratorChannelWork1763900008300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_kind_check`);
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_kind_check CHECK (kind IN ('call', 'review_reply', 'negotiate', 'field_visit'))`,
    );
    // One daily file per tenant: the batch is assigned first, then its file written, then marked exported.
    await q.query(`CREATE TABLE letter_print_batch (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      batch_date text NOT NULL,
      file_name text NOT NULL,
      state text NOT NULL CHECK (state IN ('assigned', 'exported')),
      letters integer NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      exported_at timestamptz,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE UNIQUE INDEX letter_print_batch_day ON letter_print_batch (tenant_id, batch_date)`);
    await q.query(`CREATE TABLE letter_print_item (
      tenant_id text NOT NULL,
      schedule_id uuid NOT NULL,
      account_id text NOT NULL,
      debtor_id text NOT NULL,
      template text NOT NULL,
      status text NOT NULL CHECK (status IN ('queued', 'exported', 'failed')),
      batch_id uuid,
      outcome_code text,
      queued_at timestamptz NOT NULL,
      exported_at timestamptz,
      PRIMARY KEY (tenant_id, schedule_id)
    )`);
    await q.query(
      `CREATE INDEX letter_print_item_queued ON letter_print_item (tenant_id, queued_at) WHERE status = 'queued'`,
    );
    await q.query(`CREATE INDEX letter_print_item_batch ON letter_print_item (tenant_id, batch_id)`);
    // `submitting` before the SMTP transaction, `accepted` after the server's 250.
    await q.query(`CREATE TABLE email_submission (
      tenant_id text NOT NULL,
      idempotency_key text NOT NULL,
      message_id text NOT NULL,
      state text NOT NULL CHECK (state IN ('submitting', 'accepted')),
      started_at timestamptz NOT NULL,
      accepted_at timestamptz,
      PRIMARY KEY (tenant_id, idempotency_key)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE email_submission');
    await q.query('DROP TABLE letter_print_item');
    await q.query('DROP TABLE letter_print_batch');
    await q.query(`DELETE FROM agent_task WHERE kind = 'field_visit'`);
    await q.query(`ALTER TABLE agent_task DROP CONSTRAINT agent_task_kind_check`);
    await q.query(
      `ALTER TABLE agent_task ADD CONSTRAINT agent_task_kind_check CHECK (kind IN ('call', 'review_reply', 'negotiate'))`,
    );
  }
}
