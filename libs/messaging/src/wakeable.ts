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
