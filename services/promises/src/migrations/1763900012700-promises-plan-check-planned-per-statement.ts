import { parentChecksPlannedPerStatement } from '@collections/runtime';
import { planCheck } from './1763900012500-promises-plan-set-checks';

/** The plan tables that still have a set-based check (1763900012600 dropped the other two). */
const CHECKED = ['plan_instalment', 'plan_payment'] as const;

/**
 * The set-based check that a statement's new instalments or payments belong to existing plans
 * (PromisesPlanSetChecks1763900012500) is planned each time it runs instead of once per session.
 *
 * PL/pgSQL plans a static statement the first time a session runs it and keeps that plan. A
 * session that first checked while payment_plan held a plan or two (a new database, a new
 * tenant) saw two equally cheap indexes for the probe, payment_plan_pkey (tenant, id) and
 * payment_plan_account (tenant, account, created), and could keep the second: a scan of every
 * plan of the tenant for each new row, for as long as the connection lived. Creating a plan cost
 * PostgreSQL about 35 ms with 4,000 plans in the promises bench's setup, and more with every plan.
 * Statistics (autovacuum's ANALYZE) would replan it, but only once the table had grown by a
 * tenth. Planned each time (EXECUTE), the probe goes by the primary key as soon as the table is
 * more than a page or two (test/plan-check-probe.medium.spec.ts); planning it costs some tens of
 * microseconds a statement, not a row.
 */
export const PromisesPlanCheckPlannedPerStatement1763900012700 = parentChecksPlannedPerStatement(
  'PromisesPlanCheckPlannedPerStatement1763900012700',
  CHECKED.map(planCheck),
);
