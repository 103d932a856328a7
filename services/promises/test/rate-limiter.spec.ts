import { rateDecision } from '@collections/runtime';

describe('self-service rate decision', () => {
  it('allows the limit per window, then says how long until the window ends', () => {
    const rate = { limit: 3, windowMs: 60_000 };
    const t0 = 1_000_000;
    expect([1, 2, 3].map((hits) => rateDecision(rate, { startMs: t0, hits }, t0 + hits * 1000).allowed)).toEqual([
      true,
      true,
      true,
    ]);
    expect(rateDecision(rate, { startMs: t0, hits: 4 }, t0 + 20_500)).toEqual({
      allowed: false,
      retryAfterSeconds: 40,
    });
    // Never less than a second, even in the window's last milliseconds.
    expect(rateDecision(rate, { startMs: t0, hits: 9 }, t0 + 59_999)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
