import { MigrationInterface, QueryRunner } from 'typeorm';

export class OrchestratorInitial1763900003000 implements MigrationInterface {
  name = 'OrchestratorInitial1763900003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE contact_decision (
      tenant_id text NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      account_id text NOT NULL,
      channel integer NOT NULL,
      allowed boolean NOT NULL,
      reasons text[] NOT NULL,
      decided_at timestamptz NOT NULL,
      caused_by_event text NOT NULL,
      PRIMARY KEY (tenant_id, id)
    )`);
    await q.query(`CREATE INDEX contact_decision_account ON contact_decision (tenant_id, account_id, decided_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE contact_decision');
  }
}
