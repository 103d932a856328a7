import { WaitAborted, waitWhileProgressing } from '../src';

describe('waiting while the work keeps moving', () => {
  it('waits past the stall window as long as progress grows, and returns what the check gave', async () => {
    let matched = 0;
    const value = await waitWhileProgressing(
      async () => {
        matched += 1;
        return { done: matched === 40 ? `all ${matched}` : undefined, progress: matched };
      },
      { stallMs: 5, capMs: 10_000, intervalMs: 1, message: 'all matched' },
    );
    expect(value).toBe('all 40');
  });

  it('fails when progress stops, saying how far it got', async () => {
    let calls = 0;
    await expect(
      waitWhileProgressing(async () => ({ done: undefined, progress: Math.min(3, ++calls) }), {
        stallMs: 30,
        capMs: 10_000,
        intervalMs: 1,
        message: 'all matched',
      }),
    ).rejects.toThrow(/all matched did not hold: no progress for 30 ms \(progress 3, last: 3\)/);
  });

  it('fails at the cap even while progress grows, and at once when the check aborts', async () => {
    let n = 0;
    await expect(
      waitWhileProgressing(async () => ({ progress: ++n }), {
        stallMs: 10_000,
        capMs: 30,
        intervalMs: 1,
        message: 'done',
      }),
    ).rejects.toThrow(/done did not hold within 30 ms/);
    await expect(
      waitWhileProgressing(
        async () => {
          throw new WaitAborted('the platform exited');
        },
        { stallMs: 10_000, capMs: 10_000, message: 'done' },
      ),
    ).rejects.toThrow('the platform exited');
  });
});
