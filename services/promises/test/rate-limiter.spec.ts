import fc from 'fast-check';
import { RateLimit, RateWindow, nextWindow, rateDecision } from '../src/self-service/domain/rate-limiter';

/** Requests at the given instants, one key: each answer, as the windows move. */
function answers(rate: RateLimit, times: number[]) {
  let window: RateWindow | undefined;
  return times.map((t) => {
    window = nextWindow(rate, window, t);
    return { t, start: window.startMs, ...rateDecision(rate, window, t) };
  });
}

describe('self-service fixed rate windows', () => {
  it('allows the limit per window, then says how long until the window ends', () => {
    const rate = { limit: 3, windowMs: 60_000 };
    const t0 = 1_000_000;
    const [a, b, c, d, e] = answers(rate, [t0, t0 + 1000, t0 + 2000, t0 + 20_500, t0 + 60_000]);
    expect([a, b, c].map((x) => x.allowed)).toEqual([true, true, true]);
    expect(d).toMatchObject({ allowed: false, retryAfterSeconds: 40 });
    // At the end of the window a new one starts.
    expect(e).toMatchObject({ allowed: true, start: t0 + 60_000 });
  });

  it('never serves more than the limit in a window, and refuses only once the limit was served', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1_000, max: 10_000 }),
        fc.array(fc.integer({ min: 0, max: 30_000 }), { maxLength: 60 }),
        (limit, windowMs, raw) => {
          const rate = { limit, windowMs };
          const result = answers(
            rate,
            [...raw].sort((x, y) => x - y),
          );
          const servedIn = new Map<number, number>();
          for (const r of result) {
            const served = servedIn.get(r.start) ?? 0;
            if (r.allowed) servedIn.set(r.start, served + 1);
            else {
              expect(served).toBe(limit);
              expect(r.retryAfterSeconds).toBeGreaterThanOrEqual(1);
              expect(r.retryAfterSeconds).toBeLessThanOrEqual(Math.ceil(windowMs / 1000));
            }
            expect(r.t - r.start).toBeLessThan(windowMs);
          }
          for (const served of servedIn.values()) expect(served).toBeLessThanOrEqual(limit);
        },
      ),
    );
  });
});
