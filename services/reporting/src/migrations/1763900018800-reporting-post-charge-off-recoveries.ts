import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  KINDS_BEFORE_CHARGE_OFF,
  KINDS_BEFORE_OFFER_EXPIRY,
  addToRollupSql,
  contributionFunctionSql,
} from '../kpis/kpi-rollup';

/**
 * The post-charge-off KPIs: each account's charge-off is kept on `account_fact` apart from its status
 * (a later settlement or closing moves the status, not the charge-off): its day
 * (`charged_off_on`, AccountChargedOff.effective_date), the event's time (`charged_off_at`: of two
 * charge-offs the earliest stands, as the ledger keeps the first charge-off date) and, when the
 * account was charged off with its balance kept owed (`balance_kept`), that balance
 * (`balance_kept_minor`, `balance_kept_currency`). Accounts whose status is charged_off are
 * backfilled with the status's day and time and no balance kept (the event that told it is not
 * kept; every charge-off wrote the balance off before the ledger could keep it, and one told since
 * counts its balance once it is delivered again). `kpi_contribution` is created again with the
 * rollup's two new kinds (`charged_off`, `post_charge_off`), which are added to the rollup from the
 * facts. Going back takes them out of the rollup and the function.
 */
export class ReportingPostChargeOffRecoveries1763900018800 implements MigrationInterface {
  name = 'ReportingPostChargeOffRecoveries1763900018800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE account_fact ADD COLUMN charged_off_on date, ADD COLUMN charged_off_at timestamptz,
      ADD COLUMN balance_kept_minor bigint, ADD COLUMN balance_kept_currency text`);
    await q.query(`UPDATE account_fact SET charged_off_on = status_on, charged_off_at = status_event_time
      WHERE status = 'charged_off' AND status_event_time IS NOT NULL`);
    await q.query(contributionFunctionSql(undefined, KINDS_BEFORE_OFFER_EXPIRY));
    await q.query(addToRollupSql(['charged_off', 'post_charge_off']));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM kpi_rollup WHERE kind IN ('charged_off', 'post_charge_off')`);
    await q.query(contributionFunctionSql(undefined, KINDS_BEFORE_CHARGE_OFF));
    await q.query(`ALTER TABLE account_fact DROP COLUMN charged_off_on, DROP COLUMN charged_off_at,
      DROP COLUMN balance_kept_minor, DROP COLUMN balance_kept_currency`);
  }
}
