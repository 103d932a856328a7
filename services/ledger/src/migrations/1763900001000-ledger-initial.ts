import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Debtors, accounts, statements and the double-entry journal. Money is bigint minor units;
 * every row carries its tenant; PII columns are marked and the national id is encrypted.
 */
export class LedgerInitial1763900001000 implements MigrationInterface {
  name = 'LedgerInitial1763900001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE debtor (
      tenant_id text NOT NULL,
      id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('person', 'company')),
      display_name text NOT NULL,            -- PII
      national_id_enc bytea,                 -- PII, AES-256-GCM
      time_zone text NOT NULL,
      language text NOT NULL,
      country char(2) NOT NULL,
      region text NOT NULL DEFAULT '',
      erased_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE contact_point (
      tenant_id text NOT NULL,
      debtor_id text NOT NULL,
      seq integer NOT NULL,
      type text NOT NULL CHECK (type IN ('phone', 'email', 'address')),
      value text NOT NULL,                   -- PII
      verified boolean NOT NULL DEFAULT false,
      consented_channels text[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (tenant_id, debtor_id, seq),
      FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtor (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE account (
      tenant_id text NOT NULL,
      id text NOT NULL,
      external_ref text NOT NULL,
      product smallint NOT NULL,
      currency char(3) NOT NULL,
      credit_limit_minor bigint NOT NULL DEFAULT 0,
      opened_on date NOT NULL,
      status smallint NOT NULL DEFAULT 1,
      time_zone text NOT NULL DEFAULT 'UTC',
      principal_minor bigint NOT NULL DEFAULT 0,
      interest_minor bigint NOT NULL DEFAULT 0,
      fees_minor bigint NOT NULL DEFAULT 0,
      days_past_due integer NOT NULL DEFAULT 0,
      aging_bucket text NOT NULL DEFAULT 'current',
      import_job_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, external_ref)
    )`);
    await q.query(`CREATE TABLE account_debtor (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      debtor_id text NOT NULL,
      role smallint NOT NULL,
      PRIMARY KEY (tenant_id, account_id, debtor_id),
      FOREIGN KEY (tenant_id, account_id) REFERENCES account (tenant_id, id),
      FOREIGN KEY (tenant_id, debtor_id) REFERENCES debtor (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE statement (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      cycle integer NOT NULL,
      statement_date date NOT NULL,
      due_date date NOT NULL,
      amount_due_minor bigint NOT NULL,
      minimum_due_minor bigint NOT NULL,
      reported_status smallint,
      PRIMARY KEY (tenant_id, account_id, cycle),
      FOREIGN KEY (tenant_id, account_id) REFERENCES account (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE journal_entry (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      seq bigint GENERATED ALWAYS AS IDENTITY,
      account_id text NOT NULL,
      kind smallint NOT NULL,
      amount_minor bigint NOT NULL,
      currency char(3) NOT NULL,
      effective_date date NOT NULL,
      posted_at timestamptz NOT NULL,
      reverses_entry_id uuid,
      dues_credit_minor bigint NOT NULL DEFAULT 0,
      idempotency_key text NOT NULL,
      reference text NOT NULL DEFAULT '',
      memo text NOT NULL DEFAULT '',
      response jsonb,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, idempotency_key),
      FOREIGN KEY (tenant_id, account_id) REFERENCES account (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX journal_entry_account ON journal_entry (tenant_id, account_id, effective_date)`);
    await q.query(
      `CREATE UNIQUE INDEX journal_entry_reversal ON journal_entry (tenant_id, reverses_entry_id) WHERE reverses_entry_id IS NOT NULL`,
    );
    await q.query(`CREATE TABLE journal_line (
      tenant_id text NOT NULL,
      entry_id uuid NOT NULL,
      line_no smallint NOT NULL,
      ledger_account text NOT NULL,
      debit_minor bigint NOT NULL CHECK (debit_minor >= 0),
      credit_minor bigint NOT NULL CHECK (credit_minor >= 0),
      PRIMARY KEY (tenant_id, entry_id, line_no),
      FOREIGN KEY (tenant_id, entry_id) REFERENCES journal_entry (tenant_id, id)
    )`);
    await q.query(`CREATE TABLE import_job (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      format text NOT NULL,
      source_name text NOT NULL,
      file_sha256 text NOT NULL,
      status text NOT NULL,
      processed_lines integer NOT NULL DEFAULT 0,
      accepted_rows integer NOT NULL DEFAULT 0,
      rejected_rows integer NOT NULL DEFAULT 0,
      created_accounts integer NOT NULL DEFAULT 0,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      PRIMARY KEY (tenant_id, id),
      UNIQUE (tenant_id, format, file_sha256)
    )`);
    await q.query(`CREATE TABLE import_rejection (
      tenant_id text NOT NULL,
      job_id uuid NOT NULL,
      line_no integer NOT NULL,
      reason text NOT NULL,
      raw text NOT NULL,
      PRIMARY KEY (tenant_id, job_id, line_no)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'import_rejection',
      'import_job',
      'journal_line',
      'journal_entry',
      'statement',
      'account_debtor',
      'account',
      'contact_point',
      'debtor',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
  }
}
