import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { DEFAULT_TIME_ZONE } from '../accounts/account-profiles.repository';
import { LockedPlan } from '../plans/plans.repository';
import { PlanPaymentFacts, paymentKey } from '../plans/usecases/track-payment.usecase';
import { TAKING_STATES } from '../settlements/settlements.repository';

/**
 * What a batch of posted payments needs to know before it allocates (one tenant's), read in
 * one statement (one round trip per batch, whatever its size): the plans are locked in a
 * stable key order, so two batches lock alike; which (account, currency) pairs have an open single
 * promise (with neither a plan nor a settlement, a pair without one has nothing a payment could
 * count towards); accounts the ledger never told us about are in UTC.
 * Every lookup by payment or account id is a LATERAL subquery with LIMIT 1, one key at a time:
 * whatever the planner's statistics say, it probes the table's key and never scans the tenant's
 * rows. With `payment_id = ANY(...)` PostgreSQL read every payment of the tenant for each batch (a
 * bitmap scan on tenant_id, the ids as a filter), so the check cost more as the tenant's history
 * grew: with 400,000 payments, 2,000 new ids took 69 ms (96 with statistics from when the table was
 * small), probing 10 (15).
 */
export class PaymentBatchRepository {
  async lockAndRead(
    tx: EntityManager,
    tenantId: string,
    keys: { accountId: string; currency: string }[],
    paymentIds: string[],
    /** The earliest due date a settlement taking one of these payments can have (`lockTaking`). */
    settlementsDueOnOrAfter: string,
  ): Promise<PlanPaymentFacts> {
    const sorted = [...keys].sort((a, b) => cmp(a.accountId, b.accountId) || cmp(a.currency, b.currency));
    const [row] = (await tx.query(
      `WITH k AS (SELECT * FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k(account_id, currency, n)),
       locked AS (
         SELECT p.* FROM k CROSS JOIN LATERAL (
           SELECT tenant_id, id::text AS id, account_id, currency::text AS currency, total_minor::text AS total_minor,
                  state, completions, revision::text AS revision
             FROM payment_plan
            WHERE tenant_id = $1 AND account_id = k.account_id AND currency = k.currency AND state = $5
            ORDER BY created_at, id LIMIT 1 FOR UPDATE) p
          ORDER BY k.n)
       SELECT (SELECT coalesce(json_agg(l), '[]') FROM locked l) AS plans,
              (SELECT coalesce(json_agg(a.id), '[]') FROM unnest($4::text[]) AS a(id) CROSS JOIN LATERAL (
                 SELECT 1 FROM settlement_payment WHERE tenant_id = $1 AND payment_id = a.id
                 UNION ALL SELECT 1 FROM plan_payment WHERE tenant_id = $1 AND payment_id = a.id
                 UNION ALL SELECT 1 FROM promise_payment WHERE tenant_id = $1 AND payment_id = a.id
                 UNION ALL SELECT 1 FROM unallocated_payment WHERE tenant_id = $1 AND payment_id = a.id LIMIT 1) x
              ) AS applied,
              (SELECT coalesce(json_agg(json_build_array(k.account_id, k.currency)), '[]') FROM k CROSS JOIN LATERAL (
                 SELECT 1 FROM promise WHERE tenant_id = $1 AND account_id = k.account_id AND currency = k.currency
                    AND state = $8 LIMIT 1) o
              ) AS promised,
              (SELECT coalesce(json_agg(json_build_array(s.account_id, rtrim(s.currency))), '[]') FROM (
                 SELECT DISTINCT s.account_id, s.currency FROM settlement s JOIN k
                     ON s.account_id = k.account_id AND s.currency = k.currency
                  WHERE s.tenant_id = $1 AND s.state = ANY($6::int[]) AND s.due_date >= $7::date) s
              ) AS settled,
              (SELECT coalesce(json_object_agg(k.account_id, z.time_zone), '{}') FROM (SELECT DISTINCT account_id FROM k) k CROSS JOIN LATERAL (
                 SELECT time_zone FROM promise_account_profile
                  WHERE tenant_id = $1 AND account_id = k.account_id LIMIT 1) z) AS zones`,
      [
        tenantId,
        sorted.map((k) => k.accountId),
        sorted.map((k) => k.currency),
        paymentIds,
        promises.PlanState.PLAN_STATE_ACTIVE,
        TAKING_STATES,
        settlementsDueOnOrAfter,
        promises.PromiseState.PROMISE_STATE_OPEN,
      ],
    )) as {
      plans: LockedPlan[];
      applied: string[];
      promised: [string, string][];
      settled: [string, string][];
      zones: Record<string, string>;
    }[];
    const zones = new Map(keys.map((k) => [k.accountId, DEFAULT_TIME_ZONE]));
    for (const [accountId, zone] of Object.entries(row.zones)) zones.set(accountId, zone);
    return {
      plans: row.plans,
      applied: new Set(row.applied),
      promised: new Set(row.promised.map(([accountId, currency]) => paymentKey(accountId, currency))),
      settled: new Set(row.settled.map(([accountId, currency]) => paymentKey(accountId, currency))),
      zones,
    };
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
