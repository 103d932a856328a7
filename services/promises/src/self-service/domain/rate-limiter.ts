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

/**
 * The fixed window a request at `nowMs` falls in, given the key's window before it (none: its
 * first request): the same window one hit further, or a new one starting now once the old ended.
 */
export function nextWindow(rate: RateLimit, before: RateWindow | undefined, nowMs: number): RateWindow {
  if (!before || nowMs >= before.startMs + rate.windowMs) return { startMs: nowMs, hits: 1 };
  return { startMs: before.startMs, hits: before.hits + 1 };
}

/** Allowed while the window has counted at most `limit` requests; otherwise how long until it ends. */
export function rateDecision(rate: RateLimit, window: RateWindow, nowMs: number): RateDecision {
  if (window.hits <= rate.limit) return { allowed: true };
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil((window.startMs + rate.windowMs - nowMs) / 1000)),
  };
}
