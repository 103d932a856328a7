import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';

export interface RateLimit {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A key's current fixed window: when it started and the requests counted in it, this one included. */
export interface RateWindow {
  startMs: number;
  hits: number;
}

/** Allowed while the window has counted at most `limit` requests; otherwise how long until it ends. */
export function rateDecision(rate: RateLimit, window: RateWindow, nowMs: number): RateDecision {
  if (window.hits <= rate.limit) return { allowed: true };
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil((window.startMs + rate.windowMs - nowMs) / 1000)),
  };
}

/** Requests (of this instance) between two sweeps of the windows that ended. */
const SWEEP_EVERY = 1_000;

/**
 * Fixed rate windows in a PostgreSQL table of the service's (`rate_key` primary key, `tenant_id`,
 * `window_start`, `hits`), so every replica counts a client's requests together: one statement
 * counts a request and returns the key's window, the row lock serialising concurrent requests for
 * one key. Keys are stored as their SHA-256 (never a token or an address). Windows that ended are
 * swept every 1,000 requests of the instance (`check`).
 */
export class RateWindows {
  private hitsSinceSweep = 0;

  constructor(
    /** The table, e.g. `payment_link_rate_window`. */
    private readonly table: string,
    /** The longest window of the rates counted in it: a window older than that has ended for all. */
    private readonly longestWindowMs: number,
  ) {
    if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`rate window table ${table} is not a plain identifier`);
  }

  /**
   * Counts one request against `key` at `now` and returns the window as it stands: the key's first
   * request, or one `rate.windowMs` or more after its window started, opens a new window at `now`
   * with one hit; any other adds a hit to the current window.
   */
  async hit(db: EntityManager, key: string, tenantId: string | null, rate: RateLimit, now: Date): Promise<RateWindow> {
    const [row] = (await db.query(
      `INSERT INTO ${this.table} AS w (rate_key, tenant_id, window_start, hits)
       VALUES ($1, $2, $3, 1)
       ON CONFLICT (rate_key) DO UPDATE SET
         window_start = CASE WHEN $3 >= w.window_start + $4 * interval '1 millisecond' THEN $3 ELSE w.window_start END,
         hits = CASE WHEN $3 >= w.window_start + $4 * interval '1 millisecond' THEN 1 ELSE w.hits + 1 END
       RETURNING window_start, hits`,
      [createHash('sha256').update(key).digest('base64url'), tenantId, now, rate.windowMs],
    )) as { window_start: Date; hits: number }[];
    return { startMs: new Date(row.window_start).getTime(), hits: Number(row.hits) };
  }

  /** Forgets the windows that started before `before` (ended, for every rate whose window is shorter). */
  async sweep(db: EntityManager, before: Date): Promise<number> {
    const [{ n }] = (await db.query(
      `WITH gone AS (DELETE FROM ${this.table} WHERE window_start < $1 RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [before],
    )) as { n: number }[];
    return n;
  }

  /**
   * Counts one request against `key` and decides on it; every 1,000 requests of this instance,
   * first sweeps the windows that ended (`swept`: how many, when it did).
   */
  async check(
    db: EntityManager,
    key: string,
    tenantId: string | null,
    rate: RateLimit,
    now: Date,
  ): Promise<{ decision: RateDecision; swept?: number }> {
    const window = await this.hit(db, key, tenantId, rate, now);
    let swept: number | undefined;
    if (++this.hitsSinceSweep >= SWEEP_EVERY) {
      this.hitsSinceSweep = 0;
      swept = await this.sweep(db, new Date(now.getTime() - this.longestWindowMs));
    }
    return { decision: rateDecision(rate, window, now.getTime()), swept };
  }
}
