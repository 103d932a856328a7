import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What model monitoring needs beyond the feature store: each account's latest feature vector (the
 * live population for population stability), the score each account had when a statement was
 * issued with that statement's minimum due, and every payment with its posting time (the outcomes
 * those scores are checked against).
 */
export class ScoringMonitoring1763900004000 implements MigrationInterface {
  name = 'ScoringMonitoring1763900004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE scored_features (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      model_version text NOT NULL,
      features double precision[] NOT NULL,
      probability_to_pay double precision NOT NULL,
      scored_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, account_id)
    )`);
    await q.query(`CREATE TABLE score_observation (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      cycle integer NOT NULL,
      observed_at timestamptz NOT NULL,
      probability_to_pay double precision NOT NULL,
      model_version text NOT NULL,
      minimum_due_minor bigint NOT NULL,
      PRIMARY KEY (tenant_id, account_id, cycle)
    )`);
    await q.query(`CREATE INDEX score_observation_observed_at ON score_observation (observed_at)`);
    await q.query(`CREATE TABLE observed_payment (
      tenant_id text NOT NULL,
      payment_id text NOT NULL,
      account_id text NOT NULL,
      posted_at timestamptz NOT NULL,
      amount_minor bigint NOT NULL,
      PRIMARY KEY (tenant_id, payment_id)
    )`);
    await q.query(`CREATE INDEX observed_payment_account ON observed_payment (tenant_id, account_id, posted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE observed_payment');
    await q.query('DROP TABLE score_observation');
    await q.query('DROP TABLE scored_features');
  }
}
