import { IdleBackoff, Wakeable } from '../src/wakeable';

describe('Wakeable (a poll loop’s sleep)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sleeps the whole interval when nobody wakes it, and says so', async () => {
    const alarm = new Wakeable();
    let result: boolean | undefined;
    void alarm.sleep(1_000).then((r) => (result = r));
    await jest.advanceTimersByTimeAsync(999);
    expect(result).toBeUndefined();
    await jest.advanceTimersByTimeAsync(1);
    expect(result).toBe(false);
  });

  it('ends the sleep at a wake-up', async () => {
    const alarm = new Wakeable();
    const sleeping = alarm.sleep(60_000);
    alarm.wake();
    await expect(sleeping).resolves.toBe(true);
  });

  it('keeps a wake-up that came while awake for the next sleep, once; clear() drops it', async () => {
    const alarm = new Wakeable();
    alarm.wake();
    await expect(alarm.sleep(60_000)).resolves.toBe(true);
    let second: boolean | undefined;
    void alarm.sleep(10).then((r) => (second = r));
    await jest.advanceTimersByTimeAsync(10);
    expect(second).toBe(false);

    alarm.wake();
    alarm.clear();
    let third: boolean | undefined;
    void alarm.sleep(10).then((r) => (third = r));
    await jest.advanceTimersByTimeAsync(10);
    expect(third).toBe(false);
  });
});

describe('IdleBackoff (how long an idle poll loop sleeps)', () => {
  it('doubles after each idle round up to the ceiling, and drops to the floor after work or a wake-up', () => {
    const idle = new IdleBackoff(10, 1_000);
    const sleeps: number[] = [];
    for (let round = 0; round < 9; round++) {
      sleeps.push(idle.ms);
      idle.next(true);
    }
    expect(sleeps).toEqual([10, 20, 40, 80, 160, 320, 640, 1_000, 1_000]);
    idle.next(false);
    expect(idle.ms).toBe(10);
  });

  it('never sleeps less than its floor, even with a lower ceiling', () => {
    const idle = new IdleBackoff(200, 50);
    idle.next(true);
    expect(idle.ms).toBe(200);
  });
});
