import { AppError } from './errors';

/** Time as a dependency, so business rules about due dates are testable without sleeping. */
export interface Clock {
  now(): Date;
}

/** Nest injection token for the Clock. */
export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }
}

/** A clock that only moves when told to; for tests and replays. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  now(): Date {
    // A fresh Date each time: callers mutating it must not move the clock.
    return new Date(this.current);
  }

  set(instant: Date): void {
    this.current = instant.getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function dateFormatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch {
      throw AppError.invalid(`not an IANA time zone: ${JSON.stringify(timeZone)}`, { timeZone });
    }
    dateFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The calendar date (YYYY-MM-DD) on the wall in `timeZone` at `instant`. Due dates and
 * contact-hour rules are local to the debtor, not to UTC or the server.
 */
export function localDate(instant: Date, timeZone: string): string {
  const parts = dateFormatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}

/** Work that looks at the clock (a daily run): a simulated clock runs it each time it moves. */
export interface ClockDrivenJob {
  readonly jobName: string;
  /** Runs the job if it is due at the clock's instant; resolves with whether it ran. */
  runIfDue(): Promise<boolean>;
}

/**
 * The platform's clock in a simulation (PLATFORM_CLOCK=simulated): it stands still until told
 * to move, only forwards, and each move returns once every clock-driven job attached to it has
 * run for the new instant (one after the other, each settled before the next), so a simulator
 * knows the daily runs for "today" are done.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private readonly jobs = new Set<ClockDrivenJob>();
  private moving: Promise<unknown> = Promise.resolve();
  private settle: () => Promise<void> = async () => undefined;

  constructor(start: Date) {
    this.current = start.getTime();
  }

  /**
   * What to wait for after each job (the events it published being consumed), so the next job
   * sees its effects, as a day of real time would allow; the move returns after the last wait.
   */
  settleAfterEachJob(settle: () => Promise<void>): void {
    this.settle = settle;
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Runs `job` on every move from now on; returns the detach function. */
  attach(job: ClockDrivenJob): () => void {
    this.jobs.add(job);
    return () => this.jobs.delete(job);
  }

  /** The attached jobs' names, in the order a move runs them. */
  jobNames(): string[] {
    return this.ordered().map((j) => j.jobName);
  }

  /**
   * Moves to `instant` and runs the attached jobs there, one after the other; moves are serialised.
   * With `deferJobs` only the clock moves (the jobs are listed, not run): a coordinator of several
   * processes then runs every process's jobs itself, in one order, with `runJob`.
   */
  advanceTo(
    instant: Date,
    options: { deferJobs?: boolean } = {},
  ): Promise<{ now: Date; jobs: { job: string; ran: boolean }[] }> {
    return this.serialised(async () => {
      const to = instant.getTime();
      if (Number.isNaN(to)) throw AppError.invalid('the clock can only move to a valid instant');
      if (to < this.current)
        throw AppError.failedPrecondition(
          `the clock only moves forward: it is ${new Date(this.current).toISOString()}, asked for ${instant.toISOString()}`,
        );
      this.current = to;
      const jobs: { job: string; ran: boolean }[] = [];
      for (const job of this.ordered()) {
        if (options.deferJobs) {
          jobs.push({ job: job.jobName, ran: false });
          continue;
        }
        jobs.push({ job: job.jobName, ran: await job.runIfDue() });
        await this.settle();
      }
      return { now: this.now(), jobs };
    });
  }

  /** Runs one attached job for the current instant (if due), without settling afterwards; NOT_FOUND if none has that name. */
  runJob(name: string): Promise<{ job: string; ran: boolean }> {
    return this.serialised(async () => {
      const job = this.ordered().find((j) => j.jobName === name);
      if (!job) throw AppError.notFound(`no clock-driven job named ${JSON.stringify(name)}`);
      return { job: job.jobName, ran: await job.runIfDue() };
    });
  }

  private ordered(): ClockDrivenJob[] {
    return [...this.jobs].sort((a, b) => a.jobName.localeCompare(b.jobName));
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const next = this.moving.then(work);
    this.moving = next.catch(() => undefined);
    return next;
  }
}

/** Whether the clock runs clock-driven jobs itself (a simulated clock) rather than leaving them to timers. */
export function isSimulatedClock(clock: Clock): clock is SimulatedClock {
  return clock instanceof SimulatedClock;
}
