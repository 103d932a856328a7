import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Model monitoring's outcome window is counted in days of the account's calendar, no longer by
 * posting instant: each observation keeps its statement's day (`observed_on`) and each payment the
 * day it was made (`paid_on`: the ledger's effective date, else its posting day) with that
 * effective date (`effective_date`, NULL when the ledger gave none).
 *
 * Existing rows get the effective date the feature store kept for the same payment
 * (`account_payment`), and their days in the account's time zone when it is known and PostgreSQL
 * knows it, in UTC otherwise (as the service counts an unknown zone). Going back drops the days:
 * the window is judged by posting instants again.
 */
export class ScoringOutcomeWindowDays1763900015000 implements MigrationInterface {
  name = 'ScoringOutcomeWindowDays1763900015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE score_observation ADD COLUMN observed_on date`);
    await q.query(`ALTER TABLE observed_payment ADD COLUMN effective_date date, ADD COLUMN paid_on date`);
    // the accounts whose time zone PostgreSQL knows; the others' days are UTC's
    const known = `WITH zone AS (SELECT a.tenant_id, a.account_id, z.name FROM account_profile a
      JOIN pg_timezone_names z ON z.name = a.time_zone)`;
    await q.query(`UPDATE observed_payment p SET effective_date = a.effective_date
      FROM account_payment a
      WHERE a.tenant_id = p.tenant_id AND a.account_id = p.account_id AND a.payment_id = p.payment_id`);
    await q.query(`UPDATE score_observation SET observed_on = (observed_at AT TIME ZONE 'UTC')::date`);
    await q.query(`${known} UPDATE score_observation o SET observed_on = (o.observed_at AT TIME ZONE zone.name)::date
      FROM zone WHERE zone.tenant_id = o.tenant_id AND zone.account_id = o.account_id`);
    await q.query(
      `UPDATE observed_payment SET paid_on = coalesce(effective_date, (posted_at AT TIME ZONE 'UTC')::date)`,
    );
    await q.query(`${known} UPDATE observed_payment p SET paid_on = (p.posted_at AT TIME ZONE zone.name)::date
      FROM zone WHERE zone.tenant_id = p.tenant_id AND zone.account_id = p.account_id AND p.effective_date IS NULL`);
    await q.query(`ALTER TABLE score_observation ALTER COLUMN observed_on SET NOT NULL`);
    await q.query(`ALTER TABLE observed_payment ALTER COLUMN paid_on SET NOT NULL`);
    await q.query(`DROP INDEX observed_payment_account`);
    await q.query(`CREATE INDEX observed_payment_account ON observed_payment (tenant_id, account_id, paid_on)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX observed_payment_account`);
    await q.query(`CREATE INDEX observed_payment_account ON observed_payment (tenant_id, account_id, posted_at)`);
    await q.query(`ALTER TABLE observed_payment DROP COLUMN paid_on, DROP COLUMN effective_date`);
    await q.query(`ALTER TABLE score_observation DROP COLUMN observed_on`);
  }
}
