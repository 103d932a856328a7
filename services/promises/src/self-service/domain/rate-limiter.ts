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
