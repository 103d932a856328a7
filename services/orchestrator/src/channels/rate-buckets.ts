import { DataSource, EntityManager } from 'typeorm';
import { BUCKET_EPSILON, SharedRateBuckets, SharedTake, waitMs } from './domain';

/**
 * The providers' token buckets in `channel_rate_bucket`, one row per `<channel>:<sender>`, shared by
 * every replica: the tokens and the instant they were counted, on the providers' clock (epoch ms).
 * The rate is not stored: each take gives each key's (a short code's is not a long code's).
 *
 * A take is one statement: it locks the pool's rows (in key order, so two takes never deadlock),
 * refills each to the instant given at its key's rate (`least(capacity, tokens + elapsed · rate)`; a clock behind the
 * row's refills nothing), takes its key's cost from the first key in the pool's order that has a
 * token and answers the others' wait. A cost above the tokens there is borrowed, as `TokenBucket`
 * does, without a negative count (the column holds none): the row is left empty and counted at an
 * instant ahead, by the time the rate takes to refill what was borrowed, so nothing refills until
 * then and the next take waits for it. Under READ COMMITTED a take that waited for another's lock reads the
 * row that one left. A key's row is created full the first time this process takes from it.
 */
export class PgRateBuckets implements SharedRateBuckets {
  private readonly known = new Set<string>();

  constructor(private readonly db: DataSource | EntityManager) {}

  async take(
    keys: readonly string[],
    rates: readonly number[],
    capacity: number,
    now: number,
    costs: readonly number[] = keys.map(() => 1),
  ): Promise<SharedTake> {
    if (rates.length !== keys.length || costs.length !== keys.length) throw new Error('one rate and cost per key');
    const fresh = keys.filter((k) => !this.known.has(k));
    if (fresh.length) {
      await this.db.query(
        `INSERT INTO channel_rate_bucket (bucket_key, tokens, counted_at_ms)
         SELECT unnest($1::text[]), $2, $3 ON CONFLICT (bucket_key) DO NOTHING`,
        [fresh, capacity, now],
      );
      for (const k of fresh) this.known.add(k);
    }
    const rows = (await this.db.query(
      `WITH bucket AS MATERIALIZED (
         SELECT bucket_key,
                ($2::float8[])[array_position($1::text[], bucket_key)] AS rate,
                ($6::float8[])[array_position($1::text[], bucket_key)] AS cost,
                least($3::float8, tokens + greatest(0, $4::float8 - counted_at_ms)
                      * ($2::float8[])[array_position($1::text[], bucket_key)] / 1000) AS tokens,
                greatest(counted_at_ms, $4::float8) AS counted_at_ms
           FROM channel_rate_bucket
          WHERE bucket_key = ANY($1::text[])
          ORDER BY bucket_key
            FOR UPDATE
       ), chosen AS (
         SELECT bucket_key FROM bucket WHERE tokens >= 1 - $5::float8
          ORDER BY array_position($1::text[], bucket_key) LIMIT 1
       ), taken AS (
         UPDATE channel_rate_bucket r
            SET tokens = greatest(0, b.tokens - b.cost),
                counted_at_ms = b.counted_at_ms + CASE WHEN b.cost - b.tokens > $5::float8
                                                       THEN (b.cost - b.tokens) * 1000 / b.rate ELSE 0 END
           FROM bucket b JOIN chosen c USING (bucket_key)
          WHERE r.bucket_key = b.bucket_key
         RETURNING r.bucket_key
       )
       SELECT b.bucket_key, b.tokens, b.rate, b.counted_at_ms - $4::float8 AS ahead_ms, t.bucket_key IS NOT NULL AS taken
         FROM bucket b LEFT JOIN taken t USING (bucket_key)`,
      [keys, rates, capacity, now, BUCKET_EPSILON, costs],
    )) as { bucket_key: string; tokens: number; rate: number; ahead_ms: number; taken: boolean }[];
    const taken = rows.find((r) => r.taken);
    if (taken) return { ok: true, key: taken.bucket_key };
    if (rows.length < new Set(keys).size) {
      // A row gone since this process created it (a table emptied by hand): create it again.
      for (const k of keys) this.known.delete(k);
      return this.take(keys, rates, capacity, now, costs);
    }
    // A row counted ahead (a borrowed cost) refills from that instant on.
    return { ok: false, waitMs: Math.min(...rows.map((r) => waitMs(r.ahead_ms + ((1 - r.tokens) * 1000) / r.rate))) };
  }
}
