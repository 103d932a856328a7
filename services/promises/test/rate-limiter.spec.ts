import { RateLimiter } from '../src/self-service/domain/rate-limiter';

describe(RateLimiter.name, () => {
  it('allows the limit per window, then says how long until the window ends', () => {
    const sut = new RateLimiter({ limit: 3, windowMs: 60_000 });
    const t0 = 1_000_000;
    expect([0, 1, 2].map((i) => sut.take('a', t0 + i * 1000).allowed)).toEqual([true, true, true]);
    expect(sut.take('a', t0 + 20_500)).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(sut.take('b', t0 + 20_500)).toEqual({ allowed: true });
    expect(sut.take('a', t0 + 60_000)).toEqual({ allowed: true });
  });

  it('forgets old windows rather than growing without bound', () => {
    const sut = new RateLimiter({ limit: 1, windowMs: 1_000 }, 10);
    for (let i = 0; i < 100; i++) sut.take(`k${i}`, i * 10);
    expect((sut as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(10);
    // A client squeezed out of the map may start over, never a client still in it.
    expect(sut.take('k99', 995)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });
});
