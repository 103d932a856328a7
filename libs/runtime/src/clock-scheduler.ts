import { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClockDrivenJob, isSimulatedClock } from '@collections/platform';
import { JobRunOutcome, jobRunMetrics } from './metering';
import { ReplicaLock } from './replica-lock';
import { ServiceContext } from './service-definition';

export interface ClockTimedJobOptions {
  /**
   * Whether the job may run in only one of the service's replicas at a time (`ReplicaLock`, keyed
   * by the service's schema and the job's name): for a job whose runs must not overlap, such as
   * one that takes over work it finds half done, which would otherwise take over another
   * replica's work in progress. A tick while another replica runs it does not run it.
   */
  oneReplicaAtATime?: boolean;
}

/**
 * A job the injected clock drives. On a simulated clock it is attached to the clock, which runs
 * `tick()` each time it is moved (no timer); otherwise a timer calls `tick()` every
 * `checkEveryMs` (0 = no timer: the job runs only on demand). Never two runs at once; a failed
 * run is logged with the job's name and left for the next tick. Each run is counted by outcome
 * and each success stamped, for the operators' alerts (`jobRunMetrics`). `tick()` is the whole
 * step, so tests drive it with a ManualClock. A subclass says what a run does, and may say when
 * the clock's instant calls for one (`due`) and what counts as having run (`ran`).
 */
export abstract class ClockTimedJob<T> implements OnApplicationBootstrap, OnApplicationShutdown, ClockDrivenJob {
  private timer?: NodeJS.Timeout;
  private detach?: () => void;
  private running?: Promise<T | undefined>;
  private readonly lock?: ReplicaLock;
  /** Counts each run by outcome and stamps each success (`jobRunMetrics`). */
  private readonly report?: (outcome: JobRunOutcome) => void;

  protected constructor(
    protected readonly ctx: ServiceContext,
    private readonly checkEveryMs: number,
    /** In the log line of a failed run, e.g. `daily delinquency run`. */
    readonly jobName: string,
    options: ClockTimedJobOptions = {},
  ) {
    // A context without a database (a unit test's stand-in) has no replicas to keep apart.
    if (options.oneReplicaAtATime && ctx.dataSource)
      this.lock = new ReplicaLock(ctx.dataSource, `${ctx.schema}/${jobName}`, ctx.logger);
    // Nor, without a registry, metrics to export.
    if (ctx.metrics) this.report = jobRunMetrics(ctx.metrics, jobName);
  }

  protected abstract runJob(): Promise<T>;

  /** Whether the clock's instant calls for a run (asked only when none is running); every tick by default. */
  protected due(): boolean {
    return true;
  }

  /** Called after a run failed (the next tick retries). */
  protected failed(): void {}

  /** What the clock is told of a run's result: whether the job ran (any finished run, by default). */
  protected ran(result: T): boolean {
    void result;
    return true;
  }

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
    await this.lock?.close();
  }

  /** ClockDrivenJob: after a run already in progress, the tick for the clock's instant. */
  async runIfDue(): Promise<boolean> {
    await this.running;
    const result = await this.tick();
    return result !== undefined && this.ran(result);
  }

  /**
   * Runs the job if the clock's instant calls for it; its result, or undefined when it did not run
   * (or failed, or another replica was running it).
   */
  async tick(): Promise<T | undefined> {
    if (this.running || !this.due()) return undefined;
    this.running = this.runAlone().then(
      (run) => {
        this.report?.(run.held ? 'succeeded' : 'skipped');
        return run.held ? run.result : undefined;
      },
      (err: unknown) => {
        this.ctx.logger.error({ err }, `${this.jobName} failed; the next tick retries`);
        this.report?.('failed');
        this.failed();
        return undefined;
      },
    );
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** The run, or `held: false` when another replica was running the job. */
  private async runAlone(): Promise<{ held: true; result: T } | { held: false }> {
    if (!this.lock) return { held: true, result: await this.runJob() };
    const run = await this.lock.whileHeld(() => this.runJob());
    if (!run.held)
      this.ctx.logger.debug({ job: this.lock.key }, `${this.jobName} skipped: another replica is running it`);
    return run;
  }
}

/**
 * Runs a daily job at most once per clock hour (every local midnight falls on some hour, and the
 * jobs are idempotent); a failed run is tried again on the next tick, even in the same hour.
 */
export abstract class HourlyClockScheduler<T> extends ClockTimedJob<T> {
  private lastHour?: string;

  protected override due(): boolean {
    const hour = this.ctx.clock.now().toISOString().slice(0, 13);
    if (hour === this.lastHour) return false;
    this.lastHour = hour;
    return true;
  }

  protected override failed(): void {
    this.retryNextTick();
  }

  /** The next tick runs the job again, even in the same hour (a run that left work waiting). */
  protected retryNextTick(): void {
    this.lastHour = undefined;
  }
}
