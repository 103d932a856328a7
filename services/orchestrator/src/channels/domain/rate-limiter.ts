/**
 * A bucket below a token by less than this (float rounding of refills) still counts as holding
 * one: here and in the shared buckets (`PgRateBuckets`).
 */
export const BUCKET_EPSILON = 1e-9;

/**
 * Token bucket on an injected clock (milliseconds). With capacity 1 it spaces sends evenly, so
 * no window of one second ever holds more than ratePerSecond of them.
 *
 * A take may cost more than one token (an SMS of n segments costs n: Twilio's rates are segments
 * per second). It goes as soon as the bucket holds one token, whatever its cost, and borrows the
 * rest: the bucket goes below zero, and the next take waits until it is back at one. So a message
 * costing more than the capacity never starves (it waits no longer than a one-token message, and a
 * stream of cheap ones cannot keep it out), and over any stretch the tokens taken before a take
 * never exceed the capacity plus the rate's refill: the cost of the last message sent is paid
 * after it, by the wait of the one behind it.
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

  /** Takes `cost` tokens at `now` (once it holds one: the rest borrowed), or says how long until one is there. */
  take(now: number, cost = 1): { ok: true } | { ok: false; waitMs: number } {
    const t = Math.max(now, this.last);
    this.tokens = Math.min(this.capacity, this.tokens + ((t - this.last) * this.ratePerSecond) / 1000);
    this.last = t;
    if (this.tokens >= 1 - BUCKET_EPSILON) {
      const left = this.tokens - cost;
      this.tokens = left > -BUCKET_EPSILON ? Math.max(0, left) : left;
      return { ok: true };
    }
    return { ok: false, waitMs: waitMs(((1 - this.tokens) * 1000) / this.ratePerSecond) };
  }
}

/**
 * A wait in whole milliseconds: `ms` rounded up, float noise (a bucket at 0.999 of a token computed
 * as 0.99899…) not counted as a millisecond more.
 */
export function waitMs(ms: number): number {
  return Math.ceil(ms - 1e-6);
}

/**
 * A sender's rate (tokens per second: messages, or an SMS sender's message segments): one for
 * every sender, or each sender's own (an SMS short code's throughput is not a long code's:
 * `smsSenderRate`).
 */
export type SenderRate = number | ((sender: string) => number);

/**
 * What a message costs from each sender, in tokens: an SMS's segments of the body that sender
 * sends (`smsSegments`); 1 where not given.
 */
export type SendCost = (sender: string) => number;

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

  take(sender: string, now: number, cost = 1): { ok: true } | { ok: false; waitMs: number } {
    let bucket = this.buckets.get(sender);
    if (!bucket) {
      bucket = new TokenBucket(rateOf(this.ratePerSecond, sender), this.capacity, now);
      this.buckets.set(sender, bucket);
    }
    return bucket.take(now, cost);
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

  /**
   * `usable`: the senders this message may go out from (all by default); the others keep their
   * tokens. `cost`: what it takes from the sender it goes from (1 by default).
   */
  take(
    now: number,
    usable: (sender: string) => boolean = () => true,
    cost: SendCost = () => 1,
  ): { ok: true; sender: string } | { ok: false; waitMs: number } {
    let wait = Infinity;
    for (const sender of this.senders) {
      if (!usable(sender)) continue;
      const got = this.limiter.take(sender, now, cost(sender));
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
 * the pool's rule in one atomic step: from the first of `keys` that has a token at `now`, its key's
 * cost (the rest borrowed, as `TokenBucket` does), else the shortest wait. `ratesPerSecond` and
 * `costs` (1 each when absent): each key's, in `keys`' order. A bucket never seen starts full.
 */
export interface SharedRateBuckets {
  take(
    keys: readonly string[],
    ratesPerSecond: readonly number[],
    capacity: number,
    now: number,
    costs?: readonly number[],
  ): Promise<SharedTake>;
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
   * The message's `cost` (1 by default; an SMS's segments from that sender) from the first of the
   * pool's senders that has a token (of those `usable` for the message: all by default), else the
   * shortest wait among them. Callers make sure one is usable.
   */
  async take(
    now: number,
    usable: (sender: string) => boolean = () => true,
    cost: SendCost = () => 1,
  ): Promise<{ ok: true; sender: string } | { ok: false; waitMs: number }> {
    if (!this.shared) return this.local.take(now, usable, cost);
    const picked = this.senders.flatMap((s, i) => (usable(s) ? [i] : []));
    const got = await this.shared.take(
      picked.map((i) => this.keys[i]),
      picked.map((i) => this.rates[i]),
      1,
      now,
      picked.map((i) => cost(this.senders[i])),
    );
    return got.ok ? { ok: true, sender: this.senders[this.keys.indexOf(got.key)] } : got;
  }
}
