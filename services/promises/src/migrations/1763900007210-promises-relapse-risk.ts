import { MigrationInterface, QueryRunner } from 'typeorm';

/** The relapse risk assessed for each completed plan (one per plan), with the score it came from. */
export class PromisesRelapseRisk1763900007210 implements MigrationInterface {
  name = 'PromisesRelapseRisk1763900007210';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE plan_relapse_risk (
      tenant_id text NOT NULL,
      plan_id uuid NOT NULL,
      account_id text NOT NULL,
      relapse_risk double precision NOT NULL CHECK (relapse_risk BETWEEN 0 AND 1),
      level integer NOT NULL,
      probability_to_pay double precision NOT NULL,
      segment integer NOT NULL,
      model_version text NOT NULL,
      reasons jsonb NOT NULL,
      assessed_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, plan_id)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE plan_relapse_risk');
  }
}
