import { MigrationInterface, QueryRunner } from 'typeorm';

export class ScoringInitial1763900002000 implements MigrationInterface {
  name = 'ScoringInitial1763900002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_score (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      probability_to_pay double precision NOT NULL,
      segment integer NOT NULL,
      model_version text NOT NULL,
      reasons text[] NOT NULL,
      scored_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, account_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE account_score');
  }
}
