import { promises } from '@collections/contracts';
import { ServiceContext, registerQueueGauges } from '@collections/runtime';

export const APPROVALS_WAITING_METRIC = 'collections_offer_approvals_waiting';
export const APPROVALS_OLDEST_METRIC = 'collections_offer_approvals_oldest_requested_seconds';
export const APPROVALS_EXPIRED_METRIC = 'collections_offer_approvals_expired_last_day';
export const APPROVALS_DECIDED_METRIC = 'collections_offer_approvals_decided_last_day';

const {
  APPROVAL_STATE_PENDING: PENDING,
  APPROVAL_STATE_EXPIRED: EXPIRED,
  APPROVAL_STATE_APPROVED: APPROVED,
  APPROVAL_STATE_REJECTED: REJECTED,
} = promises.ApprovalState;

interface ExpiredApprovals {
  tenant_id: string;
  kind: string;
  expired: string;
}

interface DecidedApprovals {
  tenant_id: string;
  kind: string;
  decision: string;
  decided: string;
}

interface WaitingApprovals {
  tenant_id: string;
  kind: string;
  waiting: string;
  oldest: string;
}

/**
 * The supervisors' queue: offers an agent proposed beyond the limits of the agent's role, which
 * wait for a supervisor's decision (DecideApproval) while the debtor waits for an answer, by
 * tenant and kind (`plan`, `settlement`).
 *
 * - `collections_offer_approvals_waiting`: how many wait;
 * - `collections_offer_approvals_oldest_requested_seconds`: when the oldest was requested (Unix
 *   seconds), absent while none waits: `time() - …` is how long it has waited.
 *
 * An offer whose time ran out (the tenant policy's `approval_hours`) no longer waits: it is EXPIRED,
 * and counts in `collections_offer_approvals_expired_last_day` for the 24 hours after its expiry:
 * offers no supervisor decided in time, most of them a debtor an agent is to call back. Those a
 * supervisor decided count in `collections_offer_approvals_decided_last_day{decision}` (`approved`,
 * `rejected`) for the 24 hours after the decision: with the expired ones, how the held offers ended.
 *
 * Read from `offer_approval` on every scrape (the pending rows, and the pending or expired ones by
 * expiry time, which partial indexes hold), as `registerQueueGauges` reads a queue: a decision
 * shows at the next scrape whichever replica took it, and a queue that empties reads 0 (no oldest
 * time). No account, agent or amount: the queue itself is ListApprovals.
 */
export function registerApprovalMetrics(ctx: Pick<ServiceContext, 'metrics' | 'dataSource' | 'clock'>): void {
  registerQueueGauges<'tenant_id' | 'kind', WaitingApprovals>(ctx, {
    sql: `SELECT tenant_id, kind, count(*)::bigint AS waiting, floor(extract(epoch FROM min(requested_at)))::bigint AS oldest
            FROM offer_approval WHERE state = ${PENDING} AND expires_at > $1
           GROUP BY tenant_id, kind`,
    // Expired by the clock's time: the expiry job stores it later.
    params: () => [ctx.clock.now()],
    labels: ['tenant_id', 'kind'],
    gauges: [
      {
        name: APPROVALS_WAITING_METRIC,
        help: "Offers beyond an agent's limits waiting for a supervisor's decision, by tenant and kind (plan, settlement)",
        value: (r) => Number(r.waiting),
        emptied: 0,
      },
      {
        name: APPROVALS_OLDEST_METRIC,
        help: "When the oldest offer waiting for a supervisor's decision was requested (Unix seconds), by tenant and kind; absent while none waits",
        value: (r) => Number(r.oldest),
      },
    ],
  });
  registerQueueGauges<'tenant_id' | 'kind', ExpiredApprovals>(ctx, {
    // Pending past its time is expired by the clock already: the expiry job stores it later.
    sql: `SELECT tenant_id, kind, count(*)::bigint AS expired
            FROM offer_approval
           WHERE state IN (${PENDING}, ${EXPIRED}) AND expires_at > $1::timestamptz - interval '24 hours' AND expires_at <= $1
           GROUP BY tenant_id, kind`,
    params: () => [ctx.clock.now()],
    labels: ['tenant_id', 'kind'],
    gauges: [
      {
        name: APPROVALS_EXPIRED_METRIC,
        help: "Offers beyond an agent's limits that expired in the last 24 hours with no supervisor's decision, by tenant and kind (plan, settlement)",
        value: (r) => Number(r.expired),
        emptied: 0,
      },
    ],
  });
  registerQueueGauges<'tenant_id' | 'kind' | 'decision', DecidedApprovals>(ctx, {
    sql: `SELECT tenant_id, kind, CASE state WHEN ${APPROVED} THEN 'approved' ELSE 'rejected' END AS decision,
                 count(*)::bigint AS decided
            FROM offer_approval
           WHERE state IN (${APPROVED}, ${REJECTED}) AND decided_at > $1::timestamptz - interval '24 hours' AND decided_at <= $1
           GROUP BY 1, 2, 3`,
    params: () => [ctx.clock.now()],
    labels: ['tenant_id', 'kind', 'decision'],
    gauges: [
      {
        name: APPROVALS_DECIDED_METRIC,
        help: "Offers beyond an agent's limits a supervisor approved or rejected in the last 24 hours, by tenant, kind (plan, settlement) and decision (approved, rejected)",
        value: (r) => Number(r.decided),
        emptied: 0,
      },
    ],
  });
}
