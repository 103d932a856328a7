import { ServiceContext } from '@collections/runtime';

export const UNMATCHED_CREDITS_METRIC = 'collections_reconciliation_unmatched_credits';
export const UNMATCHED_AMOUNT_METRIC = 'collections_reconciliation_unmatched_amount_minor';
export const UNMATCHED_OLDEST_METRIC = 'collections_reconciliation_unmatched_oldest_value_date_seconds';

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
 * Read from `recon_item` on every scrape (its `unmatched` rows, which a partial index holds), so
 * resolving or ignoring an item shows at the next scrape whichever replica did it; every replica
 * exports the same figures (queries take their max). A tenant and currency whose queue empties
 * read 0 from this process until it restarts, then nothing. A database that does not answer keeps
 * the last figures (readiness reports it). No reference or payer account: they name people.
 */
export function registerReconciliationMetrics(ctx: Pick<ServiceContext, 'metrics' | 'dataSource'>): void {
  /** The queues this process has exported: an emptied one reads 0 rather than disappearing. */
  const seen = new Set<string>();
  let totals: UnmatchedTotals[] | undefined;
  let read: Promise<void> | undefined;
  /** One query per scrape for the three gauges (each collects on its own). */
  const load = () =>
    (read ??= (async () => {
      try {
        totals = (await ctx.dataSource.query(
          `SELECT tenant_id, currency, count(*)::bigint AS items, sum(amount_minor)::bigint AS amount_minor,
                  extract(epoch FROM min(value_date)::timestamp AT TIME ZONE 'UTC')::bigint AS oldest
             FROM recon_item WHERE status = 'unmatched' AND direction = 'credit'
            GROUP BY tenant_id, currency`,
        )) as UnmatchedTotals[];
        for (const r of totals) seen.add(`${r.tenant_id}\u0000${r.currency}`);
      } catch {
        // keep the last figures
      } finally {
        setImmediate(() => (read = undefined));
      }
    })());
  const gauge = (name: string, help: string, value: (r: UnmatchedTotals) => number, emptied?: number) =>
    ctx.metrics.gauge({
      name,
      help,
      labelNames: ['tenant_id', 'currency'],
      collect: async (g) => {
        await load();
        if (!totals) return;
        g.reset();
        const now = new Set<string>();
        for (const r of totals) {
          now.add(`${r.tenant_id}\u0000${r.currency}`);
          g.set({ tenant_id: r.tenant_id, currency: r.currency }, value(r));
        }
        if (emptied === undefined) return;
        for (const key of seen) {
          if (now.has(key)) continue;
          const [tenant_id, currency] = key.split('\u0000');
          g.set({ tenant_id, currency }, emptied);
        }
      },
    });
  gauge(
    UNMATCHED_CREDITS_METRIC,
    'Bank and gateway credits waiting in the reconciliation review queue (matched to no account), by tenant and currency',
    (r) => Number(r.items),
    0,
  );
  gauge(
    UNMATCHED_AMOUNT_METRIC,
    'Sum of the credits waiting in the reconciliation review queue, in minor units of the currency, by tenant and currency',
    (r) => Number(r.amount_minor),
    0,
  );
  gauge(
    UNMATCHED_OLDEST_METRIC,
    'Value date (start of its day in UTC, Unix seconds) of the oldest credit waiting in the reconciliation review queue; absent while none waits',
    (r) => Number(r.oldest),
  );
}
