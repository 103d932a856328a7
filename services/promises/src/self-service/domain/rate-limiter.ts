export interface RateLimit {
  /** Requests allowed per window. */
  limit: number;
  windowMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * Fixed-window request counting per key (a payment-link token, a client address), on the
 * caller's clock. Kept in memory: each instance counts its own requests.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly rate: RateLimit,
    private readonly maxKeys = 100_000,
  ) {}

  take(key: string, nowMs: number): RateDecision {
    let w = this.windows.get(key);
    if (!w || nowMs >= w.start + this.rate.windowMs) {
      if (!w && this.windows.size >= this.maxKeys) this.prune(nowMs);
      w = { start: nowMs, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.rate.limit) {
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((w.start + this.rate.windowMs - nowMs) / 1000)),
      };
    }
    w.count++;
    return { allowed: true };
  }

  /** Forgets windows that ended; if none did, the oldest, so memory stays bounded. */
  private prune(nowMs: number): void {
    for (const [key, w] of this.windows) if (nowMs >= w.start + this.rate.windowMs) this.windows.delete(key);
    if (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.windows.delete(oldest);
    }
  }
}
