import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who each tenant's collection messages name as the creditor (and the collection agency collecting
 * for it), per country or as the tenant's default (`country` ''): Brazil's art. 42-A wants the
 * creditor's name and CNPJ/CPF on every collection document, Mexico's CONDUSEF the firm identified.
 * The contact law reads whether a profile with a tax id of the country's kind is there; the
 * messages print it. Business identities printed on every message, not debtor PII.
 */
export class OrchestratorCreditorProfiles1763900015900 implements MigrationInterface {
  name = 'OrchestratorCreditorProfiles1763900015900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE creditor_profile (
      tenant_id text NOT NULL,
      country text NOT NULL DEFAULT '',
      legal_name text NOT NULL,
      tax_id_kind text NOT NULL CHECK (tax_id_kind IN ('CNPJ', 'CPF', 'RFC', 'EIN', 'OTHER')),
      tax_id text NOT NULL,
      postal_address text NOT NULL DEFAULT '',
      phone text NOT NULL DEFAULT '',
      collector_legal_name text,
      collector_tax_id_kind text CHECK (collector_tax_id_kind IN ('CNPJ', 'CPF', 'RFC', 'EIN', 'OTHER')),
      collector_tax_id text,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, country),
      CHECK ((collector_legal_name IS NULL) = (collector_tax_id IS NULL))
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE creditor_profile');
  }
}
