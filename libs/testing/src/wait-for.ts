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
