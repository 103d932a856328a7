import fc from 'fast-check';
import { PerSenderLimiter, PoolLimiter, TokenBucket, isShortCode } from '../../src/channels/domain';

/** Feeds attempts at the given (sorted) instants; returns the instants that got a token. */
function accepted(bucket: { take(now: number): { ok: boolean } }, instants: number[]): number[] {
  return instants.filter((t) => bucket.take(t).ok);
}

function maxInWindow(times: number[], windowMs: number): number {
  let best = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while (times[end] - times[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

const instants = fc
  .array(fc.integer({ min: 0, max: 20_000 }), { minLength: 1, maxLength: 400 })
  .map((xs) => [...xs].sort((a, b) => a - b));

describe('TokenBucket', () => {
  it('never lets more than the rate through in any one-second window (capacity 1)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), instants, (rate, times) => {
        const got = accepted(new TokenBucket(rate, 1, 0), times);
        expect(maxInWindow(got, 1000)).toBeLessThanOrEqual(rate);
      }),
    );
  });

  it('never exceeds capacity + rate·window with a burst allowance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 10 }), instants, (rate, cap, times) => {
        const got = accepted(new TokenBucket(rate, cap, 0), times);
        expect(maxInWindow(got, 1000)).toBeLessThanOrEqual(cap + rate);
      }),
    );
  });

  it('says how long to wait and then lets the next one through', () => {
    const bucket = new TokenBucket(1, 1, 0);
    expect(bucket.take(0)).toEqual({ ok: true });
    expect(bucket.take(400)).toEqual({ ok: false, waitMs: 600 });
    expect(bucket.take(1000)).toEqual({ ok: true });
  });
});

describe('PerSenderLimiter (WhatsApp, 80 msg/s per number)', () => {
  it('limits each number on its own', () => {
    fc.assert(
      fc.property(instants, (times) => {
        const limiter = new PerSenderLimiter(80);
        const a = times.filter((t) => limiter.take('A', t).ok);
        const b = times.filter((t) => limiter.take('B', t).ok);
        expect(maxInWindow(a, 1000)).toBeLessThanOrEqual(80);
        expect(maxInWindow(b, 1000)).toBeLessThanOrEqual(80);
        expect(a).toEqual(b);
      }),
    );
  });
});

describe('PoolLimiter (SMS, 1 msg/s per long code)', () => {
  it('never sends more than 1/s from any long code, and uses the pool', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), instants, (size, times) => {
        const pool = Array.from({ length: size }, (_, i) => `+1555000000${i}`);
        const limiter = new PoolLimiter(pool, 1);
        const bySender = new Map<string, number[]>();
        for (const t of times) {
          const got = limiter.take(t);
          if (got.ok) bySender.set(got.sender, [...(bySender.get(got.sender) ?? []), t]);
        }
        for (const sent of bySender.values()) expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(1);
      }),
    );
    const limiter = new PoolLimiter(['+15550000001', '+15550000002'], 1);
    expect(limiter.take(0)).toEqual({ ok: true, sender: '+15550000001' });
    expect(limiter.take(10)).toEqual({ ok: true, sender: '+15550000002' });
    expect(limiter.take(20)).toEqual({ ok: false, waitMs: 980 });
  });
});

describe('per-sender rates (SMS: a short code at 100 msg/s, a long code at 1)', () => {
  const SHORT_CODE = '55555';
  const LONG_CODE = '+15550000101';
  const rates = (s: string) => (isShortCode(s) ? 100 : 1);

  it('a short code sends 100 messages in a second where a long code sends 1', () => {
    const limiter = new PerSenderLimiter(rates);
    const sent: Record<string, number> = { [SHORT_CODE]: 0, [LONG_CODE]: 0 };
    // A message waiting for each sender every millisecond of one second.
    for (let t = 0; t < 1000; t++)
      for (const sender of [SHORT_CODE, LONG_CODE]) if (limiter.take(sender, t).ok) sent[sender]++;
    expect(sent).toEqual({ [SHORT_CODE]: 100, [LONG_CODE]: 1 });
  });

  it('holds each sender of a pool to its own rate, and says how long its slowest wait is', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 20 }), instants, (fast, slow, times) => {
        const pool = ['55555', '+15550000201', 'ACMEBANK'];
        const rate = (s: string) => (isShortCode(s) ? fast : slow);
        const limiter = new PoolLimiter(pool, rate);
        const bySender = new Map<string, number[]>();
        for (const t of times) {
          const got = limiter.take(t);
          if (got.ok) bySender.set(got.sender, [...(bySender.get(got.sender) ?? []), t]);
          else expect(got.waitMs).toBeLessThanOrEqual(Math.ceil(1000 / Math.max(fast, slow)));
        }
        for (const [sender, sent] of bySender) expect(maxInWindow(sent, 1000)).toBeLessThanOrEqual(rate(sender));
      }),
    );
  });
});

describe('PoolLimiter throughput', () => {
  it('uses every long code of the pool: n codes at 1 msg/s carry n messages a second under steady demand', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 30 }), (size, seconds) => {
        const limiter = new PoolLimiter(
          Array.from({ length: size }, (_, i) => `+1555000100${i}`),
          1,
        );
        let sent = 0;
        // A message waiting every 10 ms (far above the pool's capacity).
        for (let t = 0; t < seconds * 1000; t += 10) if (limiter.take(t).ok) sent += 1;
        expect(sent).toBe(size * seconds);
      }),
    );
  });

  it('asks a held-back message to wait no longer than one token of the fastest code', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 80 }), instants, (size, rate, times) => {
        const limiter = new PoolLimiter(
          Array.from({ length: size }, (_, i) => `+1555000200${i}`),
          rate,
        );
        for (const t of times) {
          const got = limiter.take(t);
          if (!got.ok) {
            expect(got.waitMs).toBeGreaterThan(0);
            expect(got.waitMs).toBeLessThanOrEqual(Math.ceil(1000 / rate));
          }
        }
      }),
    );
  });
});

describe('a take that costs several tokens (an SMS of n segments)', () => {
  it('takes its cost: a 3-segment message from a 1-per-second long code keeps the next one 3 s back', () => {
    const bucket = new TokenBucket(1, 1, 0);
    expect(bucket.take(0, 3)).toEqual({ ok: true });
    expect(bucket.take(1000)).toEqual({ ok: false, waitMs: 2000 });
    expect(bucket.take(2999)).toEqual({ ok: false, waitMs: 1 });
    expect(bucket.take(3000)).toEqual({ ok: true });
  });

  it('sends a message costing more than the capacity as soon as a token is there, never starving it', () => {
    const bucket = new TokenBucket(1, 1, 0);
    expect(bucket.take(0)).toEqual({ ok: true });
    // Waits for one token as a one-segment message would, and borrows the other nine.
    expect(bucket.take(500, 10)).toEqual({ ok: false, waitMs: 500 });
    expect(bucket.take(1000, 10)).toEqual({ ok: true });
    expect(bucket.take(1000)).toEqual({ ok: false, waitMs: 10_000 });
  });

  it('never lets more cost through between two sends than the capacity and the rate gave meanwhile', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 8 })), {
          minLength: 1,
          maxLength: 300,
        }),
        (rate, capacity, attempts) => {
          const bucket = new TokenBucket(rate, capacity, 0);
          const sent = [...attempts].sort((a, b) => a[0] - b[0]).filter(([t, cost]) => bucket.take(t, cost).ok);
          // Between send i and send j, the cost of i..j-1 and j's token came from the bucket.
          for (let i = 0; i < sent.length; i++) {
            let cost = 0;
            for (let j = i + 1; j < sent.length; j++) {
              cost += sent[j - 1][1];
              expect(cost + 1).toBeLessThanOrEqual(capacity + (rate * (sent[j][0] - sent[i][0])) / 1000 + 1e-6);
            }
          }
        },
      ),
    );
  });

  it("takes each sender's own cost from a pool: the one it goes from", () => {
    const pool = new PoolLimiter(['ACME', '+15550000001'], (s) => (isShortCode(s) ? 100 : s === 'ACME' ? 10 : 1));
    const cost = (s: string) => (s === 'ACME' ? 4 : 2);
    expect(pool.take(0, () => true, cost)).toEqual({ ok: true, sender: 'ACME' });
    expect(pool.take(0, () => true, cost)).toEqual({ ok: true, sender: '+15550000001' });
    // ACME borrowed 3 segments at 10/s (300 ms) and needs one more token (100 ms); the long code 2 s.
    expect(pool.take(0, () => true, cost)).toEqual({ ok: false, waitMs: 400 });
  });
});
