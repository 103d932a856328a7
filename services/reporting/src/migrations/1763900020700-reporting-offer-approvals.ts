import { MigrationInterface, QueryRunner } from 'typeorm';
import { KINDS_BEFORE_OFFER_APPROVALS, addToRollupSql, contributionFunctionSql } from '../kpis/kpi-rollup';

/**
 * The approval KPIs (`offers_held`, `offers_approved`, `offers_rejected`, `offer_approval_rate`):
 * each offer an agent held for a supervisor is a fact, once per approval: its account, kind
 * (`plan`, `settlement`), request time and, once decided, the decision and its time (from
 * OfferApprovalRequested, OfferApprovalDecided and OfferApprovalExpired, which all carry the
 * request time). `kpi_contribution` is created again with the rollup's new kinds (`offer_held`,
 * `offer_decided`); there is nothing to add to the rollup yet (no approval was projected before).
 * Going back takes the kinds out of the rollup and the function and drops the facts.
 */
export class ReportingOfferApprovals1763900020700 implements MigrationInterface {
  name = 'ReportingOfferApprovals1763900020700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE offer_approval_fact (
      tenant_id text NOT NULL,
      approval_id text NOT NULL,
      account_id text NOT NULL,
      kind text NOT NULL,
      requested_at timestamptz NOT NULL,
      decided_at timestamptz,
      decision text CHECK (decision IN ('approved', 'rejected')),
      CHECK ((decided_at IS NULL) = (decision IS NULL)),
      PRIMARY KEY (tenant_id, approval_id)
    )`);
    await q.query(`CREATE INDEX offer_approval_fact_account ON offer_approval_fact (tenant_id, account_id)`);
    await q.query(contributionFunctionSql());
    await q.query(addToRollupSql(['offer_held', 'offer_decided']));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM kpi_rollup WHERE kind IN ('offer_held', 'offer_decided')`);
    await q.query(contributionFunctionSql(undefined, KINDS_BEFORE_OFFER_APPROVALS));
    await q.query('DROP TABLE offer_approval_fact');
  }
}
