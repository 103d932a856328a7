import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The KPI read model, built only from events. Facts are keyed by what identifies them in the
 * source (payment, entry, statement cycle, decision), so a replay changes nothing; per-account
 * state carries the time of the fact it holds and only a newer fact replaces it, so late and
 * out-of-order events converge on the same rows.
 */
export class ReportingKpiReadModel1763900006000 implements MigrationInterface {
  name = 'ReportingKpiReadModel1763900006000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_fact (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      opened_on date,
      currency char(3),
      segment text,
      model_version text,
      scored_at timestamptz,
      status text,
      status_on date,
      status_event_time timestamptz,
      PRIMARY KEY (tenant_id, account_id)
    )`);
    await q.query(`CREATE TABLE balance_fact (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      caused_by_entry_id text NOT NULL,
      as_of_date date NOT NULL,
      event_time timestamptz NOT NULL,
      total_minor bigint NOT NULL,
      currency char(3) NOT NULL,
      PRIMARY KEY (tenant_id, account_id, caused_by_entry_id)
    )`);
    await q.query(`CREATE INDEX balance_fact_as_of ON balance_fact (tenant_id, account_id, as_of_date, event_time)`);
    await q.query(`CREATE TABLE delinquency_fact (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      as_of_date date NOT NULL,
      event_time timestamptz NOT NULL,
      days_past_due int NOT NULL,
      aging_bucket text NOT NULL,
      PRIMARY KEY (tenant_id, account_id, as_of_date)
    )`);
    await q.query(`CREATE TABLE payment_reversal_fact (
      tenant_id text NOT NULL,
      payment_id text NOT NULL,
      entry_id text NOT NULL,
      account_id text NOT NULL,
      amount_minor bigint NOT NULL,
      reversed_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, payment_id)
    )`);
    await q.query(`CREATE TABLE statement_fact (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      cycle int NOT NULL,
      statement_date date NOT NULL,
      amount_due_minor bigint NOT NULL,
      currency char(3) NOT NULL,
      PRIMARY KEY (tenant_id, account_id, cycle)
    )`);
    await q.query(`CREATE TABLE contact_fact (
      tenant_id text NOT NULL,
      decision_id text NOT NULL,
      account_id text NOT NULL,
      channel text NOT NULL,
      allowed boolean NOT NULL,
      decided_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, decision_id)
    )`);
    await q.query(`CREATE TABLE account_debtor_fact (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      debtor_id text NOT NULL,
      PRIMARY KEY (tenant_id, account_id, debtor_id)
    )`);
    await q.query(`CREATE TABLE consent_fact (
      tenant_id text NOT NULL,
      debtor_id text NOT NULL,
      channel text NOT NULL,
      event_time timestamptz NOT NULL,
      granted boolean NOT NULL,
      PRIMARY KEY (tenant_id, debtor_id, channel, event_time)
    )`);
    await q.query(`ALTER TABLE promise_kept_fact ADD COLUMN amount_minor bigint`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE promise_kept_fact DROP COLUMN amount_minor');
    for (const t of [
      'consent_fact',
      'account_debtor_fact',
      'contact_fact',
      'statement_fact',
      'payment_reversal_fact',
      'delinquency_fact',
      'balance_fact',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query('DROP TABLE account_fact');
  }
}
