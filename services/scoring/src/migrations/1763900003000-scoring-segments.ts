import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segments from per-tenant rules, priority by expected recovery, champion/challenger scores: the
 * balance and days past due the ledger reports, each tenant's rule set, and the score's new columns.
 */
export class ScoringSegments1763900003000 implements MigrationInterface {
  name = 'ScoringSegments1763900003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_standing (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      currency char(3),
      balance_minor bigint,
      days_past_due integer NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, account_id)
    )`);
    await q.query(`CREATE TABLE segment_rule_set (
      tenant_id text PRIMARY KEY,
      rules jsonb NOT NULL,
      default_segment integer NOT NULL,
      version integer NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    await q.query(`ALTER TABLE account_score
      ADD COLUMN segment_rule text NOT NULL DEFAULT '',
      ADD COLUMN currency char(3),
      ADD COLUMN balance_minor bigint,
      ADD COLUMN days_past_due integer NOT NULL DEFAULT 0,
      ADD COLUMN expected_recovery_minor bigint,
      ADD COLUMN priority double precision NOT NULL DEFAULT 0,
      ADD COLUMN imputed_features text[] NOT NULL DEFAULT '{}',
      ADD COLUMN model_arm text NOT NULL DEFAULT 'champion',
      ADD COLUMN challenger_model_version text,
      ADD COLUMN challenger_probability_to_pay double precision,
      ADD COLUMN challenger_segment integer,
      ADD COLUMN challenger_reasons text[]`);
    // work queues read a tenant's accounts highest priority first
    await q.query('CREATE INDEX account_score_priority ON account_score (tenant_id, priority DESC)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX account_score_priority');
    await q.query(`ALTER TABLE account_score
      DROP COLUMN segment_rule, DROP COLUMN currency, DROP COLUMN balance_minor, DROP COLUMN days_past_due,
      DROP COLUMN expected_recovery_minor, DROP COLUMN priority, DROP COLUMN imputed_features, DROP COLUMN model_arm,
      DROP COLUMN challenger_model_version, DROP COLUMN challenger_probability_to_pay, DROP COLUMN challenger_segment,
      DROP COLUMN challenger_reasons`);
    await q.query('DROP TABLE segment_rule_set');
    await q.query('DROP TABLE account_standing');
  }
}
