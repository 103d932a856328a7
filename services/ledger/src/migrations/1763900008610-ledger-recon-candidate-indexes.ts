import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reconciliation looks up the accounts a payment reference may name by index, not by reading
 * every account per bank line: by lower-cased external reference or id (the reference's
 * token-bounded substrings) and by account number (the digits of the external reference).
 */
export class LedgerReconCandidateIndexes1763900008610 implements MigrationInterface {
  name = 'LedgerReconCandidateIndexes1763900008610';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX account_lower_external_ref ON account (tenant_id, lower(external_ref))`);
    await q.query(`CREATE INDEX account_lower_id ON account (tenant_id, lower(id))`);
    await q.query(`CREATE INDEX account_number ON account (tenant_id, (regexp_replace(external_ref, '\\D', '', 'g')))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX account_number`);
    await q.query(`DROP INDEX account_lower_id`);
    await q.query(`DROP INDEX account_lower_external_ref`);
  }
}
