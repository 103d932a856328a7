import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClockDrivenJob, isSimulatedClock } from '@collections/platform';
import { ServiceContext } from './service-definition';

/**
 * Runs a daily job from a timer that looks at the injected clock: at most once per clock hour
 * (every local midnight falls on some hour, and the jobs are idempotent), never two at once.
 * `tick()` is the whole decision, so tests drive it with a ManualClock; `checkEveryMs` 0 turns
 * the timer off (the job then runs only on demand). A subclass says which job and its name.
 * On a simulated clock there is no timer: the clock runs `tick()` itself each time it is moved.
 */
export abstract class HourlyClockScheduler<T> implements OnApplicationBootstrap, OnApplicationShutdown, ClockDrivenJob {
  private timer?: NodeJS.Timeout;
  private detach?: () => void;
  private running?: Promise<T | undefined>;
  private lastHour?: string;

  protected constructor(
    private readonly ctx: ServiceContext,
    private readonly checkEveryMs: number,
    /** In the log line of a failed run, e.g. `daily delinquency run`. */
    readonly jobName: string,
  ) {}

  protected abstract runJob(): Promise<T>;

  onApplicationBootstrap(): void {
    if (isSimulatedClock(this.ctx.clock)) {
      this.detach = this.ctx.clock.attach(this);
      return;
    }
    if (this.checkEveryMs <= 0) return;
    this.timer = setInterval(() => {
      void this.tick();
    }, this.checkEveryMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.detach?.();
    clearInterval(this.timer);
    await this.running;
  }

  /** ClockDrivenJob: after a run already in progress, the tick for the clock's instant. */
  async runIfDue(): Promise<boolean> {
    await this.running;
    return (await this.tick()) !== undefined;
  }

  /** Runs the job if the clock entered an hour without a run; its result, or undefined when it did not run. */
  async tick(): Promise<T | undefined> {
    const hour = this.ctx.clock.now().toISOString().slice(0, 13);
    if (this.running || hour === this.lastHour) return undefined;
    this.lastHour = hour;
    this.running = this.runJob().catch((err: unknown) => {
      this.ctx.logger.error({ err }, `${this.jobName} failed; the next tick retries`);
      this.lastHour = undefined;
      return undefined;
    });
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }
}
