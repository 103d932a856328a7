/**
 * A poll loop's sleep that a wake-up ends early: the relay's (woken by a commit that added events)
 * and each in-process consumer's (woken by an append to one of its topics). A wake-up that comes
 * while the loop is awake is kept for its next sleep, which then returns at once, so work announced
 * during a drain or a read is not slept through until the next poll; `clear()`, called as the loop
 * starts its work, drops wake-ups that work will answer anyway.
 */
export class Wakeable {
  private woken = false;
  private wakeUp?: () => void;

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  clear(): void {
    this.woken = false;
  }

  /** Waits `ms`, or less if woken (before or during the wait); true when woken. */
  sleep(ms: number): Promise<boolean> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), ms);
      const done = (woken: boolean) => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        this.woken = false;
        resolve(woken);
      };
      this.wakeUp = () => done(true);
    });
  }
}

/**
 * How long a woken poll loop sleeps when it looks for unannounced work only (see `Wakeable`): from
 * `floorMs`, doubled after each poll that timed out and found nothing, up to `ceilingMs`; back to
 * the floor as soon as there was work or a wake-up. An idle loop then asks about once per ceiling
 * instead of once per floor, while announced work still starts at once.
 */
export class IdleBackoff {
  private current: number;
  private readonly ceilingMs: number;

  constructor(
    private readonly floorMs: number,
    ceilingMs: number,
  ) {
    this.current = floorMs;
    this.ceilingMs = Math.max(floorMs, ceilingMs);
  }

  /** The next sleep. */
  get ms(): number {
    return this.current;
  }

  /** After a round: `idle` when its sleep timed out with nothing to do, otherwise back to the floor. */
  next(idle: boolean): void {
    this.current = idle ? Math.min(this.ceilingMs, this.current * 2) : this.floorMs;
  }
}
