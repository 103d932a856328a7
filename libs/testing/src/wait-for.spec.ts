import { WaitAborted, waitFor } from './wait-for';

describe(waitFor.name, () => {
  it('keeps trying through ordinary errors until the condition holds', async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls++;
        if (calls < 3) throw new Error('not yet');
        return 'ready';
      },
      { intervalMs: 1 },
    );
    expect({ value, calls }).toEqual({ value: 'ready', calls: 3 });
  });

  it('gives up at once when the condition says it can never hold (the process it waits on exited)', async () => {
    let calls = 0;
    const waiting = waitFor(
      () => {
        calls++;
        throw new WaitAborted('platform exited with 1');
      },
      { timeoutMs: 600_000, intervalMs: 1 },
    );
    await expect(waiting).rejects.toThrow('platform exited with 1');
    expect(calls).toBe(1);
  });
});
