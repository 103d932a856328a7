import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `lifecycle_command`: the idempotency keys of lifecycle moves that post no journal entry (a
 * charge-off that keeps the balance owed, ChargeOffAccount keep_balance_owed), with the first
 * answer, so a retry with the same key answers it again (replayed) and writes no second event.
 * Postings keep their keys in journal_entry; a key is looked up in both. The answer holds no free
 * text (no reason): only ids, a status and a balance. A new, empty table: nothing to backfill.
 */
export class LedgerLifecycleCommand1763900018600 implements MigrationInterface {
  name = 'LedgerLifecycleCommand1763900018600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE lifecycle_command (
      tenant_id text NOT NULL,
      idempotency_key text NOT NULL,
      account_id text NOT NULL,
      command text NOT NULL,
      response json NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, idempotency_key),
      FOREIGN KEY (tenant_id, account_id) REFERENCES account (tenant_id, id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE lifecycle_command');
  }
}
