import { ServiceContext, registerQueueGauges } from '@collections/runtime';

export const UNMATCHED_CREDITS_METRIC = 'collections_reconciliation_unmatched_credits';
export const UNMATCHED_AMOUNT_METRIC = 'collections_reconciliation_unmatched_amount_minor';
export const UNMATCHED_OLDEST_METRIC = 'collections_reconciliation_unmatched_oldest_value_date_seconds';
export const UNMATCHED_RETURNS_METRIC = 'collections_reconciliation_unmatched_returns';
export const UNMATCHED_RETURNS_AMOUNT_METRIC = 'collections_reconciliation_unmatched_returns_amount_minor';

interface UnmatchedTotals {
  tenant_id: string;
  currency: string;
  items: string;
  amount_minor: string;
  oldest: string;
}

/**
 * The review queue of bank and gateway credits the ledger could not match to an account: money a
 * debtor paid that no account shows yet (unapplied cash), by tenant and currency.
 *
 * - `collections_reconciliation_unmatched_credits`: how many credits wait;
 * - `collections_reconciliation_unmatched_amount_minor`: their sum, in minor units of `currency`;
 * - `collections_reconciliation_unmatched_oldest_value_date_seconds`: the oldest one's value date
 *   (its day's start in UTC, Unix seconds), absent while nothing waits: `time() - …` is how long
 *   the oldest payment has gone unapplied.
 *
 * Read from `recon_item` on every scrape (its `unmatched` rows, which a partial index holds), as
 * `registerQueueGauges` reads a queue: resolving or ignoring an item shows at the next scrape
 * whichever replica did it, and a tenant and currency whose queue empties read 0 (no oldest date).
 * No reference or payer account: they name people.
 *
 * Returns (a bank's return of a credit, a gateway chargeback) that took back no payment wait in
 * the same queue: money a balance shows paid that never arrived, until a person reverses it.
 *
 * - `collections_reconciliation_unmatched_returns`: how many returns wait;
 * - `collections_reconciliation_unmatched_returns_amount_minor`: their sum.
 */
export function registerReconciliationMetrics(ctx: Pick<ServiceContext, 'metrics' | 'dataSource'>): void {
  registerQueueGauges<'tenant_id' | 'currency', UnmatchedTotals>(ctx, {
    sql: `SELECT tenant_id, currency, count(*)::bigint AS items, sum(amount_minor)::bigint AS amount_minor,
                 extract(epoch FROM min(value_date)::timestamp AT TIME ZONE 'UTC')::bigint AS oldest
            FROM recon_item WHERE status = 'unmatched' AND direction = 'credit'
           GROUP BY tenant_id, currency`,
    labels: ['tenant_id', 'currency'],
    gauges: [
      {
        name: UNMATCHED_CREDITS_METRIC,
        help: 'Bank and gateway credits waiting in the reconciliation review queue (matched to no account), by tenant and currency',
        value: (r) => Number(r.items),
        emptied: 0,
      },
      {
        name: UNMATCHED_AMOUNT_METRIC,
        help: 'Sum of the credits waiting in the reconciliation review queue, in minor units of the currency, by tenant and currency',
        value: (r) => Number(r.amount_minor),
        emptied: 0,
      },
      {
        name: UNMATCHED_OLDEST_METRIC,
        help: 'Value date (start of its day in UTC, Unix seconds) of the oldest credit waiting in the reconciliation review queue; absent while none waits',
        value: (r) => Number(r.oldest),
      },
    ],
  });
  registerQueueGauges<'tenant_id' | 'currency', Omit<UnmatchedTotals, 'oldest'>>(ctx, {
    sql: `SELECT tenant_id, currency, count(*)::bigint AS items, sum(amount_minor)::bigint AS amount_minor
            FROM recon_item WHERE status = 'unmatched' AND direction = 'debit'
           GROUP BY tenant_id, currency`,
    labels: ['tenant_id', 'currency'],
    gauges: [
      {
        name: UNMATCHED_RETURNS_METRIC,
        help: 'Returns and chargebacks of bank and gateway files waiting in the reconciliation review queue (no payment taken back), by tenant and currency',
        value: (r) => Number(r.items),
        emptied: 0,
      },
      {
        name: UNMATCHED_RETURNS_AMOUNT_METRIC,
        help: 'Sum of the returns and chargebacks waiting in the reconciliation review queue, in minor units of the currency, by tenant and currency',
        value: (r) => Number(r.amount_minor),
        emptied: 0,
      },
    ],
  });
}
