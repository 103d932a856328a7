import { MigrationInterface, QueryRunner } from 'typeorm';
import { KINDS_BEFORE_CHARGE_OFF, PAID_ON, POSTED_UTC_DAY, rebuildRollupSql } from '../kpis/kpi-rollup';

/**
 * A payment without an effective date counts on its posting day in its account's time zone, no
 * longer in UTC: `account_fact.time_zone` (AccountOpened.time_zone; NULL, read as UTC, until an
 * opening with a zone is projected) and `payment_fact.effective_on` (PaymentPosted.effective_date
 * when it is a day; NULL when the payment is dated by its posting, so that its day follows the
 * account's zone once that is known). Accounts projected so far have no zone, so no payment changes
 * day and the KPI rollup stays as it is. Payments projected so far kept no trace of where `paid_on`
 * came from: one whose `paid_on` is not its UTC posting day took it from an effective date; the
 * others are taken as dated by their posting (an effective date equal to the UTC posting day cannot
 * be told apart; it moves only if the account's opening is projected again with a zone other than
 * UTC and the posting fell on another day there). Going back dates every payment without an
 * effective date by its UTC posting day again and, if that moved any, rebuilds the rollup so.
 */
export class ReportingAccountTimeZone1763900014700 implements MigrationInterface {
  name = 'ReportingAccountTimeZone1763900014700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_fact ADD COLUMN time_zone text`);
    await q.query(`ALTER TABLE payment_fact ADD COLUMN effective_on date`);
    await q.query(`UPDATE payment_fact p SET effective_on = paid_on WHERE paid_on <> ${POSTED_UTC_DAY}`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ moved }] = (await q.query(
      `WITH m AS (UPDATE payment_fact p SET paid_on = ${POSTED_UTC_DAY}
                   WHERE effective_on IS NULL AND paid_on <> ${POSTED_UTC_DAY} RETURNING 1)
       SELECT count(*)::int AS moved FROM m`,
    )) as { moved: number }[];
    if (moved > 0) for (const sql of rebuildRollupSql(PAID_ON, KINDS_BEFORE_CHARGE_OFF)) await q.query(sql);
    await q.query('ALTER TABLE payment_fact DROP COLUMN effective_on');
    await q.query('ALTER TABLE account_fact DROP COLUMN time_zone');
  }
}
