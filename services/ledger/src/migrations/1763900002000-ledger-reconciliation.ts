import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation of bank statements and gateway files: one row per imported file (unique by
 * content per tenant, so a re-import finds the first result) and one per statement line,
 * with what matching decided and the payment it posted.
 */
export class LedgerReconciliation1763900002000 implements MigrationInterface {
  name = 'LedgerReconciliation1763900002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE recon_file (
      tenant_id text NOT NULL,
      id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('bank_csv', 'camt053', 'gateway_csv')),
      sha256 text NOT NULL,
      name text NOT NULL,
      status text NOT NULL CHECK (status IN ('imported')),
      total_items integer NOT NULL,
      matched_items integer NOT NULL,
      unmatched_items integer NOT NULL,
      ignored_items integer NOT NULL,
      posted_payments integer NOT NULL,
      imported_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, sha256)
    )`);
    await q.query(`CREATE TABLE recon_item (
      tenant_id text NOT NULL,
      id uuid NOT NULL,
      seq bigint GENERATED ALWAYS AS IDENTITY,
      file_id uuid NOT NULL,
      entry_index integer NOT NULL,
      line_no integer,
      xml_path text,
      direction text NOT NULL CHECK (direction IN ('credit', 'debit')),
      amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
      currency char(3) NOT NULL,
      value_date date NOT NULL,
      reference text NOT NULL,
      counterparty_account text NOT NULL,   -- PII: never logged
      bank_reference text NOT NULL,
      status text NOT NULL CHECK (status IN ('matched', 'unmatched', 'resolved', 'ignored')),
      match_rule text,
      matched_account_id text,
      posted_payment_id uuid,
      reason text NOT NULL DEFAULT '',
      resolved_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, file_id, entry_index),
      FOREIGN KEY (tenant_id, file_id) REFERENCES recon_file (tenant_id, id),
      FOREIGN KEY (tenant_id, matched_account_id) REFERENCES account (tenant_id, id),
      FOREIGN KEY (tenant_id, posted_payment_id) REFERENCES journal_entry (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX recon_item_unmatched ON recon_item (tenant_id, seq) WHERE status = 'unmatched'`);
    // The same bank transaction in two files (overlapping exports) must not pay twice.
    await q.query(
      `CREATE INDEX recon_item_bank_reference ON recon_item (tenant_id, bank_reference) WHERE bank_reference <> ''`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE recon_item');
    await q.query('DROP TABLE recon_file');
  }
}
