import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A tenant's overrides of a jurisdiction's contact-rule pack, each change a new version (the
 * highest one is in force), only ever stricter than the pack (`applyTenantOverride`, checked when
 * put and again when read). Every contact decision records the pack version that decided it
 * (`<base>` or `<base>+<tenant>.v<n>`) and the override version (null: none), so an auditor can
 * tell which law allowed or refused a contact. Rows decided before this migration have neither.
 */
export class OrchestratorContactRulesOverrides1763900015800 implements MigrationInterface {
  name = 'OrchestratorContactRulesOverrides1763900015800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE contact_rules_override (
      tenant_id text NOT NULL,
      jurisdiction text NOT NULL,
      version integer NOT NULL CHECK (version >= 1),
      document jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, jurisdiction, version)
    )`);
    await q.query(`ALTER TABLE contact_decision ADD COLUMN pack_version text`);
    await q.query(`ALTER TABLE contact_decision ADD COLUMN override_version integer`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE contact_decision DROP COLUMN override_version');
    await q.query('ALTER TABLE contact_decision DROP COLUMN pack_version');
    await q.query('DROP TABLE contact_rules_override');
  }
}
