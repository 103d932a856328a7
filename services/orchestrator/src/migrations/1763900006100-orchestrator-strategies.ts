import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Strategy documents, versioned per tenant. Only valid documents are stored, so the active version
 * of a strategy is its highest one: a rejected put leaves it where it was.
 */
export class OrchestratorStrategies1763900006100 implements MigrationInterface {
  name = 'OrchestratorStrategies1763900006100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE strategy_version (
      tenant_id text NOT NULL,
      strategy_id text NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      document jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, strategy_id, version)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE strategy_version');
  }
}
