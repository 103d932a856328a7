/** Polls until the condition holds (returns a truthy value) or fails with the last observation. */
/** Thrown by a condition that can never hold any more (a process it waits on exited): waitFor stops at once. */
export class WaitAborted extends Error {}

export async function waitFor<T>(
  condition: () => Promise<T> | T,
  options: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const timeout = options.timeoutMs ?? 30_000;
  const interval = options.intervalMs ?? 50;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`${options.message ?? 'condition'} did not hold within ${timeout} ms (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/**
 * Polls until `check` says the work is done, for as long as the work keeps moving: `progress`
 * (accounts scored, rows written…) must grow at least once every `stallMs`, and the whole wait
 * stops at `capMs`. A loaded machine gets the time it needs; a stuck pipeline still fails within
 * `stallMs`, with the last progress in the message.
 */
export async function waitWhileProgressing<T>(
  check: () => Promise<{ done?: T; progress: number }>,
  options: { stallMs: number; capMs: number; intervalMs?: number; message: string },
): Promise<NonNullable<T>> {
  const start = Date.now();
  let best = -Infinity;
  let movedAt = start;
  let last: unknown;
  for (;;) {
    try {
      const { done, progress } = await check();
      if (done) return done as NonNullable<T>;
      if (progress > best) [best, movedAt] = [progress, Date.now()];
      last = progress;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      last = err instanceof Error ? err.message : err;
    }
    const now = Date.now();
    if (now - movedAt > options.stallMs || now - start > options.capMs) {
      const why =
        now - start > options.capMs ? ` within ${options.capMs} ms` : `: no progress for ${options.stallMs} ms`;
      throw new Error(`${options.message} did not hold${why} (progress ${best}, last: ${JSON.stringify(last)})`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
