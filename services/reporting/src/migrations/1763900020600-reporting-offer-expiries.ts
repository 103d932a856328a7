import { MigrationInterface, QueryRunner } from 'typeorm';
import {
  KINDS_BEFORE_OFFER_APPROVALS,
  KINDS_BEFORE_OFFER_EXPIRY,
  addToRollupSql,
  contributionFunctionSql,
} from '../kpis/kpi-rollup';

/**
 * The `offers_expired` KPI: each OfferApprovalExpired (an offer an agent held for a supervisor,
 * whose time ran out with no decision) is a fact, once per approval: its account, kind (`plan`,
 * `settlement`) and expiry time. `kpi_contribution` is created again with the rollup's new kind
 * (`offer_expired`; the kinds of then, `KINDS_BEFORE_OFFER_APPROVALS`); there is nothing to add
 * to the rollup yet (no expiry was projected before). Going back takes the kind out of the rollup
 * and the function and drops the facts.
 */
export class ReportingOfferExpiries1763900020600 implements MigrationInterface {
  name = 'ReportingOfferExpiries1763900020600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE offer_expiry_fact (
      tenant_id text NOT NULL,
      approval_id text NOT NULL,
      account_id text NOT NULL,
      kind text NOT NULL,
      expired_at timestamptz NOT NULL,
      PRIMARY KEY (tenant_id, approval_id)
    )`);
    await q.query(`CREATE INDEX offer_expiry_fact_account ON offer_expiry_fact (tenant_id, account_id)`);
    await q.query(contributionFunctionSql(undefined, KINDS_BEFORE_OFFER_APPROVALS));
    await q.query(addToRollupSql(['offer_expired']));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM kpi_rollup WHERE kind = 'offer_expired'`);
    await q.query(contributionFunctionSql(undefined, KINDS_BEFORE_OFFER_EXPIRY));
    await q.query('DROP TABLE offer_expiry_fact');
  }
}
