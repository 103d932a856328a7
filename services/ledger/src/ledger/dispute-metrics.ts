import { ledger } from '@collections/contracts';
import { ServiceContext, registerQueueGauges } from '@collections/runtime';

export const DISPUTES_OPEN_METRIC = 'collections_disputes_open';
export const DISPUTES_OLDEST_METRIC = 'collections_disputes_oldest_start_seconds';

interface OpenDisputes {
  tenant_id: string;
  debtors: string;
  oldest: string;
}

/**
 * Disputes waiting for a compliance officer: debtors under a dispute hold with no end date that
 * no one has lifted (SetHold, or the ledger's own hold on a dispute told on a call or in a reply).
 * Collection on their accounts stays stopped until the dispute is answered and the hold lifted
 * (LiftHold). By tenant:
 *
 * - `collections_disputes_open`: how many debtors are under such a hold;
 * - `collections_disputes_oldest_start_seconds`: the start date of the oldest (its day's start in
 *   UTC, Unix seconds), absent while none is open: `time() - …` is how long it has waited.
 *
 * A hold with an end date ends by itself and waits for no one; other kinds of hold (bankruptcy,
 * attorney, ...) are states the debtor is in, not work. Read from `debtor_hold` on every scrape
 * (a partial index holds these rows), as `registerQueueGauges` reads a queue: a lift shows at the
 * next scrape whichever replica took it, and a tenant whose disputes are all answered reads 0 (no
 * start date). No debtor, source or account: they name people.
 */
export function registerDisputeMetrics(ctx: Pick<ServiceContext, 'metrics' | 'dataSource'>): void {
  registerQueueGauges<'tenant_id', OpenDisputes>(ctx, {
    sql: `SELECT tenant_id, count(DISTINCT debtor_id)::bigint AS debtors,
                 extract(epoch FROM min(starts_on)::timestamp AT TIME ZONE 'UTC')::bigint AS oldest
            FROM debtor_hold WHERE kind = ${ledger.HoldKind.HOLD_KIND_DISPUTE} AND lifted_at IS NULL AND ends_on IS NULL
           GROUP BY tenant_id`,
    labels: ['tenant_id'],
    gauges: [
      {
        name: DISPUTES_OPEN_METRIC,
        help: 'Debtors under a dispute hold with no end date that no one has lifted (collection stopped until a compliance officer answers it), by tenant',
        value: (r) => Number(r.debtors),
        emptied: 0,
      },
      {
        name: DISPUTES_OLDEST_METRIC,
        help: 'Start date (its day in UTC, Unix seconds) of the oldest dispute hold no one has lifted, by tenant; absent while none is open',
        value: (r) => Number(r.oldest),
      },
    ],
  });
}
