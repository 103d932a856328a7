import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read model of the cash forecast and of experiments, still built only from events: the
 * latest probability to pay of each account, agreed plans with their schedules and what became
 * of each instalment, broken promises, each account's experiment arms; and the forecasts taken each day, kept so
 * that a closed week can be compared with what was forecast for it.
 */
export class ReportingForecastExperiments1763900007300 implements MigrationInterface {
  name = 'ReportingForecastExperiments1763900007300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_fact ADD COLUMN probability_to_pay double precision`);
    await q.query(`CREATE TABLE forecast_plan_fact (
      tenant_id text NOT NULL,
      plan_id text NOT NULL,
      account_id text NOT NULL,
      currency char(3),
      agreed_at timestamptz,
      state text NOT NULL DEFAULT 'active',
      PRIMARY KEY (tenant_id, plan_id)
    )`);
    await q.query(`CREATE TABLE forecast_instalment_fact (
      tenant_id text NOT NULL,
      plan_id text NOT NULL,
      seq int NOT NULL,
      due_date date,
      amount_minor bigint,
      open_minor bigint,
      status text NOT NULL DEFAULT 'open',
      PRIMARY KEY (tenant_id, plan_id, seq)
    )`);
    await q.query(`CREATE TABLE experiment_arm_fact (
      tenant_id text NOT NULL,
      experiment text NOT NULL,
      account_id text NOT NULL,
      arm text NOT NULL,
      assigned_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, experiment, account_id)
    )`);
    await q.query(`CREATE TABLE promise_broken_fact (
      tenant_id text NOT NULL,
      promise_id text NOT NULL,
      account_id text NOT NULL,
      broken_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, promise_id)
    )`);
    await q.query(`CREATE TABLE forecast_snapshot (
      tenant_id text NOT NULL,
      currency char(3) NOT NULL,
      as_of_date date NOT NULL,
      week_start date NOT NULL,
      expected_minor bigint NOT NULL,
      from_plans_minor bigint NOT NULL,
      from_scores_minor bigint NOT NULL,
      taken_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, currency, as_of_date, week_start)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'forecast_snapshot',
      'promise_broken_fact',
      'experiment_arm_fact',
      'forecast_instalment_fact',
      'forecast_plan_fact',
    ]) {
      await q.query(`DROP TABLE ${t}`);
    }
    await q.query(`ALTER TABLE account_fact DROP COLUMN probability_to_pay`);
  }
}
