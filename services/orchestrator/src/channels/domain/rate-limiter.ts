/**
 * Token bucket on an injected clock (milliseconds). With capacity 1 it spaces sends evenly, so
 * no window of one second ever holds more than ratePerSecond of them.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Takes a token at `now`, or says how long until one is there. */
  take(now: number): { ok: true } | { ok: false; waitMs: number } {
    const t = Math.max(now, this.last);
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.ratePerSecond) / 1000);
    this.last = t;
    if (this.tokens >= 1 - 1e-9) {
      this.tokens = Math.max(0, this.tokens - 1);
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond) };
  }
}

/**
 * A sender's rate (messages per second): one for every sender, or each sender's own (an SMS short
 * code's throughput is not a long code's: `smsSenderRate`).
 */
export type SenderRate = number | ((sender: string) => number);

/** The rate `rate` gives `sender`. */
export function rateOf(rate: SenderRate, sender: string): number {
  return typeof rate === 'number' ? rate : rate(sender);
}

/** One bucket per sender (phone number, long code, short code), at its rate, created on first use. */
export class PerSenderLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly ratePerSecond: SenderRate,
    private readonly capacity = 1,
  ) {}

  take(sender: string, now: number): { ok: true } | { ok: false; waitMs: number } {
    let bucket = this.buckets.get(sender);
    if (!bucket) {
      bucket = new TokenBucket(rateOf(this.ratePerSecond, sender), this.capacity, now);
      this.buckets.set(sender, bucket);
    }
    return bucket.take(now);
  }
}

/**
 * A pool of senders (long codes, short codes…), each limited on its own at its rate: picks the first
 * with a token, else the shortest wait.
 */
export class PoolLimiter {
  private readonly limiter: PerSenderLimiter;

  constructor(
    private readonly senders: string[],
    ratePerSecond: SenderRate,
  ) {
    if (senders.length === 0) throw new Error('a pool needs at least one sender');
    this.limiter = new PerSenderLimiter(ratePerSecond, 1);
  }

  /** `usable`: the senders this message may go out from (all by default); the others keep their tokens. */
  take(
    now: number,
    usable: (sender: string) => boolean = () => true,
  ): { ok: true; sender: string } | { ok: false; waitMs: number } {
    let wait = Infinity;
    for (const sender of this.senders) {
      if (!usable(sender)) continue;
      const got = this.limiter.take(sender, now);
      if (got.ok) return { ok: true, sender };
      wait = Math.min(wait, got.waitMs);
    }
    return { ok: false, waitMs: wait };
  }
}

/** A take from shared buckets: the key that gave a token, or how long until one of them has one. */
export type SharedTake = { ok: true; key: string } | { ok: false; waitMs: number };

/**
 * Token buckets every replica of the service sees (`PgRateBuckets`: rows in its database), so a
 * provider's rate holds across replicas, hand-overs of the dispatch turn and restarts. `take` is
 * the pool's rule in one atomic step: a token from the first of `keys` that has one at `now`, else
 * the shortest wait. `ratesPerSecond`: each key's rate, in `keys`' order.
 * A bucket never seen starts full.
 */
export interface SharedRateBuckets {
  take(keys: readonly string[], ratesPerSecond: readonly number[], capacity: number, now: number): Promise<SharedTake>;
}

/**
 * A provider's senders (long codes, short codes, caller ids, a WhatsApp business number) at
 * `ratePerSecond` each (one rate, or each sender's), capacity 1: buckets in this process
 * (`PoolLimiter`) until the service attaches shared ones (`useShared`); keyed `<channel>:<sender>`
 * there, as the provider's limit is per sender, each refilled at its sender's rate.
 */
export class SenderThrottle {
  private readonly local: PoolLimiter;
  private readonly keys: string[];
  private readonly rates: number[];
  private shared?: SharedRateBuckets;

  constructor(
    channel: string,
    private readonly senders: string[],
    ratePerSecond: SenderRate,
  ) {
    this.local = new PoolLimiter(senders, ratePerSecond);
    this.keys = senders.map((s) => `${channel}:${s}`);
    this.rates = senders.map((s) => rateOf(ratePerSecond, s));
  }

  /** Takes the shared buckets from now on (once: a provider keeps the first it is given). */
  useShared(buckets: SharedRateBuckets): void {
    this.shared ??= buckets;
  }

  /**
   * A token from the first of the pool's senders that has one (of those `usable` for the message:
   * all by default), else the shortest wait among them. Callers make sure one is usable.
   */
  async take(
    now: number,
    usable: (sender: string) => boolean = () => true,
  ): Promise<{ ok: true; sender: string } | { ok: false; waitMs: number }> {
    if (!this.shared) return this.local.take(now, usable);
    const picked = this.senders.flatMap((s, i) => (usable(s) ? [i] : []));
    const got = await this.shared.take(
      picked.map((i) => this.keys[i]),
      picked.map((i) => this.rates[i]),
      1,
      now,
    );
    return got.ok ? { ok: true, sender: this.senders[this.keys.indexOf(got.key)] } : got;
  }
}
