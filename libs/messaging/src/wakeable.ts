import { DataSource } from 'typeorm';
import { assertIdentifier } from './schema';
import { MessagingLogger, silentLogger } from './transport';

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

/**
 * Background housekeeping run now and then (the inbox's retention sweep, the in-process log's
 * trim): `work` first `firstMs` after `start()`, then `everyMs` after each run ends. Never two runs
 * at once; `stop()` cancels the next and waits for the one under way, which can ask `stopping`.
 */
export class Periodic {
  private running = false;
  private timer?: NodeJS.Timeout;
  private current?: Promise<void>;

  constructor(
    private readonly work: () => Promise<void>,
    private readonly firstMs: number,
    private readonly everyMs: number,
  ) {}

  /** True while a run begun by the timer should end early: `stop()` was called. */
  get stopping(): boolean {
    return this.current !== undefined && !this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.firstMs);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.current;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => {
      this.current = this.work().finally(() => {
        this.current = undefined;
        if (this.running) this.schedule(this.everyMs);
      });
    }, ms);
    this.timer.unref();
  }
}

/** What every retention sweeper of a service's messaging tables is given. */
export interface RetentionSweepOptions {
  schema: string;
  dataSource: DataSource;
  logger?: MessagingLogger;
  /** How long a row stays at least; 0 keeps every row for ever. */
  retentionMs?: number;
  /** How often a sweep runs (default 1 hour). */
  sweepIntervalMs?: number;
  /** When the first sweep begins after start (default 1 minute: not in the middle of a boot). */
  firstSweepDelayMs?: number;
}

/**
 * A sweep of one of a service's messaging tables (`<schema>.<table>`), run hourly by a Periodic
 * from `start()` until `stop()`, which waits for a sweep under way (it ends between statements:
 * `stopping`). `sweepAndLog` never throws: a failed sweep is logged and the next one tries again.
 */
export abstract class RetentionSweeper {
  protected readonly table: string;
  protected readonly logger: MessagingLogger;
  protected readonly retentionMs: number;
  private readonly periodic: Periodic;

  constructor(options: RetentionSweepOptions, table: string, defaultRetentionMs: number) {
    this.table = `${assertIdentifier(options.schema)}.${table}`;
    this.logger = options.logger ?? silentLogger;
    this.retentionMs = options.retentionMs ?? defaultRetentionMs;
    this.periodic = new Periodic(
      () => this.sweepAndLog(),
      options.firstSweepDelayMs ?? 60_000,
      options.sweepIntervalMs ?? 3_600_000,
    );
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** True while a sweep begun by the timer should end early: `stop()` was called. */
  protected get stopping(): boolean {
    return this.periodic.stopping;
  }

  protected abstract sweepAndLog(): Promise<void>;
}
