import type { ServiceContext } from './service-definition';

/** One gauge of a work queue, its value taken from each row the queue's query returns. */
export interface QueueGauge<R> {
  name: string;
  help: string;
  value: (row: R) => number;
  /**
   * What a queue this process exported before and that has emptied reads (0 for a count or a
   * sum); omitted, its series disappears instead (an oldest item's time, which has no value then).
   */
  emptied?: number;
}

/**
 * Gauges of a queue of work that waits for people (unmatched bank credits, offers waiting for a
 * supervisor), read from the database on every scrape, so a change shows at the next scrape
 * whichever replica made it, and every replica exports the same figures (queries take their max).
 * `sql` returns one row per series, with a text column per label; it runs once per scrape for all
 * the gauges (each collects on its own). A queue of the labels that empties reads `emptied` from
 * this process until it restarts, then nothing. A database that does not answer keeps the last
 * figures (readiness reports it).
 */
export function registerQueueGauges<L extends string, R extends Record<L, string>>(
  ctx: Pick<ServiceContext, 'metrics' | 'dataSource'>,
  queue: {
    sql: string;
    /** The query's parameters, taken at each scrape (the clock's time, say). */
    params?: () => unknown[];
    labels: readonly L[];
    gauges: readonly QueueGauge<R>[];
  },
): void {
  /** The label values this process has exported, as one key each: an emptied queue reads `emptied`. */
  const seen = new Map<string, Record<L, string>>();
  const keyOf = (r: Record<L, string>) => queue.labels.map((l) => r[l]).join('\u0000');
  const labelsOf = (r: Record<L, string>) =>
    Object.fromEntries(queue.labels.map((l) => [l, r[l]])) as Record<L, string>;
  let rows: R[] | undefined;
  let read: Promise<void> | undefined;
  const load = () =>
    (read ??= (async () => {
      try {
        rows = (await ctx.dataSource.query(queue.sql, queue.params?.())) as R[];
        for (const r of rows) seen.set(keyOf(r), labelsOf(r));
      } catch {
        // keep the last figures
      } finally {
        setImmediate(() => (read = undefined));
      }
    })());
  for (const { name, help, value, emptied } of queue.gauges)
    ctx.metrics.gauge<L>({
      name,
      help,
      labelNames: [...queue.labels],
      collect: async (g) => {
        await load();
        if (!rows) return;
        g.reset();
        const now = new Set<string>();
        for (const r of rows) {
          now.add(keyOf(r));
          g.set(labelsOf(r), value(r));
        }
        if (emptied === undefined) return;
        for (const [key, labels] of seen) if (!now.has(key)) g.set(labels, emptied);
      },
    });
}
