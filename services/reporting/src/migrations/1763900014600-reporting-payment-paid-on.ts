import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  KINDS_BEFORE_CHARGE_OFF,
  PAID_ON,
  POSTED_UTC_DAY,
  contributionFunctionSql,
  rebuildRollupSql,
} from '../kpis/kpi-rollup';

/**
 * A payment counts on the day it was made, `payment_fact.paid_on` (PaymentPosted.effective_date; from a
 * ledger without it, the posting day in UTC), no longer on its posting day in UTC: a bank file posted
 * on 2 March with payments made on 27 February counts them in February. Payments already projected
 * keep the day they were counted on until now (their posting day in UTC), so the KPI rollup stays as
 * it is; `kpi_contribution` reads `paid_on` from here on. The index serves the queries that pick a
 * tenant's payments in a currency by day (the forecast's actual weeks, the net collections of a
 * period). Going back dates payments by their posting day in UTC again and rebuilds the rollup so.
 */
export class ReportingPaymentPaidOn1763900014600 implements MigrationInterface {
  name = 'ReportingPaymentPaidOn1763900014600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment_fact ADD COLUMN paid_on date`);
    await q.query(`UPDATE payment_fact p SET paid_on = ${POSTED_UTC_DAY}`);
    await q.query(`ALTER TABLE payment_fact ALTER COLUMN paid_on SET NOT NULL`);
    await q.query(`CREATE INDEX payment_fact_paid_on ON payment_fact (tenant_id, currency, paid_on)`);
    await q.query(contributionFunctionSql(PAID_ON, KINDS_BEFORE_CHARGE_OFF));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(contributionFunctionSql(POSTED_UTC_DAY, KINDS_BEFORE_CHARGE_OFF));
    for (const sql of rebuildRollupSql(POSTED_UTC_DAY, KINDS_BEFORE_CHARGE_OFF)) await q.query(sql);
    await q.query('DROP INDEX payment_fact_paid_on');
    await q.query('ALTER TABLE payment_fact DROP COLUMN paid_on');
  }
}
