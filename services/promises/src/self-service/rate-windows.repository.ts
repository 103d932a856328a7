import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { RateLimit, RateWindow } from './domain/rate-limiter';

/**
 * Fixed rate windows in PostgreSQL (`payment_link_rate_window`), so every replica of the service
 * counts a client's requests together: one statement counts a request and returns the key's
 * window, the row lock serialising concurrent requests for one key. Keys are stored as their
 * SHA-256 (never a token or an address). Windows that ended are swept now and then.
 */
export class RateWindowsRepository {
  /**
   * Counts one request against `key` at `now` and returns the window as it stands: the key's first
   * request, or one `rate.windowMs` or more after its window started, opens a new window at `now`
   * with one hit; any other adds a hit to the current window.
   */
  async hit(db: EntityManager, key: string, tenantId: string | null, rate: RateLimit, now: Date): Promise<RateWindow> {
    const [row] = (await db.query(
      `INSERT INTO payment_link_rate_window AS w (rate_key, tenant_id, window_start, hits)
       VALUES ($1, $2, $3, 1)
       ON CONFLICT (rate_key) DO UPDATE SET
         window_start = CASE WHEN $3 >= w.window_start + $4 * interval '1 millisecond' THEN $3 ELSE w.window_start END,
         hits = CASE WHEN $3 >= w.window_start + $4 * interval '1 millisecond' THEN 1 ELSE w.hits + 1 END
       RETURNING window_start, hits`,
      [digest(key), tenantId, now, rate.windowMs],
    )) as { window_start: Date; hits: number }[];
    return { startMs: new Date(row.window_start).getTime(), hits: Number(row.hits) };
  }

  /** Forgets the windows that started before `before` (ended, for every rate whose window is shorter). */
  async sweep(db: EntityManager, before: Date): Promise<number> {
    const [{ n }] = (await db.query(
      `WITH gone AS (DELETE FROM payment_link_rate_window WHERE window_start < $1 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [before],
    )) as { n: number }[];
    return n;
  }
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}
