import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payments are counted in the month of the account's time zone, not of UTC. The feature store
 * keeps the account's time zone (AccountOpened; NULL until it has been seen, or for profiles
 * stored before this migration until AccountOpened is delivered again: UTC meanwhile) and each
 * payment with its posting time and the ledger's effective date (`account_payment`; NULL from a
 * ledger before that field), so the month is decided when the account is
 * scored: a payment that arrives before its AccountOpened (another topic) still counts in the
 * account's month once the zone is known.
 *
 * The months already summed in `account_payment_month` (by UTC) are kept as they were: each
 * becomes one payment posted on the 15th of its month at 12:00 UTC, which is in that month in
 * every time zone (UTC-12 to UTC+14). Rows whose month is not `YYYY-MM` could never match a
 * statement month and are not carried over.
 */
export class ScoringPaymentTimeZone1763900013000 implements MigrationInterface {
  name = 'ScoringPaymentTimeZone1763900013000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_profile ADD COLUMN time_zone text`);
    await q.query(`CREATE TABLE account_payment (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      payment_id text NOT NULL,
      posted_at timestamptz NOT NULL,
      effective_date date,
      paid_minor bigint NOT NULL,
      PRIMARY KEY (tenant_id, account_id, payment_id)
    )`);
    await q.query(`INSERT INTO account_payment (tenant_id, account_id, payment_id, posted_at, paid_minor)
      SELECT tenant_id, account_id, 'utc-month:' || month, (month || '-15 12:00:00+00')::timestamptz, paid_minor
      FROM account_payment_month WHERE month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'`);
    await q.query('DROP TABLE account_payment_month');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE account_payment_month (
      tenant_id text NOT NULL,
      account_id text NOT NULL,
      month char(7) NOT NULL,
      paid_minor bigint NOT NULL,
      PRIMARY KEY (tenant_id, account_id, month)
    )`);
    await q.query(`INSERT INTO account_payment_month (tenant_id, account_id, month, paid_minor)
      SELECT tenant_id, account_id, to_char(posted_at AT TIME ZONE 'UTC', 'YYYY-MM'), sum(paid_minor)
      FROM account_payment GROUP BY 1, 2, 3`);
    await q.query('DROP TABLE account_payment');
    await q.query('ALTER TABLE account_profile DROP COLUMN time_zone');
  }
}
