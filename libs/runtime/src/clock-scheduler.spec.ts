import { MetricsRegistry, SimulatedClock } from '@collections/platform';
import { ClockTimedJob, HourlyClockScheduler } from './clock-scheduler';
import { ServiceContext } from './service-definition';

class CountingScheduler extends HourlyClockScheduler<string> {
  readonly runsAt: string[] = [];

  constructor(
    private readonly context: ServiceContext,
    name: string,
  ) {
    super(context, 60_000, name);
  }

  protected async runJob(): Promise<string> {
    const now = this.context.clock.now().toISOString();
    this.runsAt.push(now);
    return now;
  }
}

describe('HourlyClockScheduler on a SimulatedClock', () => {
  const start = new Date('2026-01-05T12:00:00Z');
  const setup = () => {
    const clock = new SimulatedClock(start);
    const ctx = { clock, logger: { error: () => undefined } } as unknown as ServiceContext;
    return { clock, ctx };
  };

  it('runs the daily job when the clock is moved, and the move returns after it ran', async () => {
    const { clock, ctx } = setup();
    const sut = new CountingScheduler(ctx, 'daily run');
    sut.onApplicationBootstrap();

    const moved = await clock.advanceTo(new Date('2026-01-06T12:00:00Z'));

    expect(moved.jobs).toEqual([{ job: 'daily run', ran: true }]);
    expect(sut.runsAt).toEqual(['2026-01-06T12:00:00.000Z']);
    await sut.onApplicationShutdown();
  });

  it('runs a job once per clock hour, and never after it was shut down', async () => {
    const { clock, ctx } = setup();
    const sut = new CountingScheduler(ctx, 'daily run');
    sut.onApplicationBootstrap();
    await clock.advanceTo(new Date('2026-01-06T12:00:00Z'));
    expect((await clock.advanceTo(new Date('2026-01-06T12:30:00Z'))).jobs).toEqual([{ job: 'daily run', ran: false }]);

    await sut.onApplicationShutdown();
    expect((await clock.advanceTo(new Date('2026-01-07T12:00:00Z'))).jobs).toEqual([]);
    expect(sut.runsAt).toHaveLength(1);
  });

  it('refuses to move the clock backwards and keeps the time it had', async () => {
    const { clock } = setup();
    await expect(clock.advanceTo(new Date('2026-01-04T12:00:00Z'))).rejects.toThrow(/only moves forward/);
    expect(clock.now()).toEqual(start);
  });
});

/** Fails while `failures` is above zero; tells the clock it ran only when it found work. */
class FlakyJob extends ClockTimedJob<number> {
  readonly errors: string[];
  failures = 1;
  work = 0;

  constructor(clock: SimulatedClock) {
    const errors: string[] = [];
    super(
      { clock, logger: { error: (_: unknown, msg: string) => errors.push(msg) } } as unknown as ServiceContext,
      0,
      'flaky run',
    );
    this.errors = errors;
  }

  protected async runJob(): Promise<number> {
    if (this.failures-- > 0) throw new Error('database went away');
    return this.work;
  }

  protected override ran(found: number): boolean {
    return found > 0;
  }
}

describe('ClockTimedJob', () => {
  it('logs a failed run with its name and runs again on the next move; the clock hears whether it found work', async () => {
    const clock = new SimulatedClock(new Date('2026-01-05T12:00:00Z'));
    const sut = new FlakyJob(clock);
    sut.onApplicationBootstrap();

    const failed = await clock.advanceTo(new Date('2026-01-05T12:01:00Z'));
    sut.work = 3;
    const retried = await clock.advanceTo(new Date('2026-01-05T12:02:00Z'));
    sut.work = 0;
    const idle = await clock.advanceTo(new Date('2026-01-05T12:03:00Z'));

    expect(failed.jobs).toEqual([{ job: 'flaky run', ran: false }]);
    expect(sut.errors).toEqual(['flaky run failed; the next tick retries']);
    expect(retried.jobs).toEqual([{ job: 'flaky run', ran: true }]);
    expect(idle.jobs).toEqual([{ job: 'flaky run', ran: false }]);
    await sut.onApplicationShutdown();
  });

  it('an hourly job that failed runs again within the same hour', async () => {
    const clock = new SimulatedClock(new Date('2026-01-05T12:00:00Z'));
    const errors: string[] = [];
    const ctx = {
      clock,
      logger: { error: (_: unknown, msg: string) => errors.push(msg) },
    } as unknown as ServiceContext;
    let attempts = 0;
    const sut = new (class extends HourlyClockScheduler<string> {
      constructor() {
        super(ctx, 0, 'daily run');
      }
      protected async runJob(): Promise<string> {
        if (++attempts === 1) throw new Error('lock timeout');
        return 'done';
      }
    })();
    sut.onApplicationBootstrap();

    const moves = [];
    for (const at of ['2026-01-06T00:10:00Z', '2026-01-06T00:20:00Z', '2026-01-06T00:30:00Z'])
      moves.push((await clock.advanceTo(new Date(at))).jobs[0].ran);

    expect(moves).toEqual([false, true, false]);
    expect(errors).toEqual(['daily run failed; the next tick retries']);
    await sut.onApplicationShutdown();
  });
});

describe('SimulatedClock.settleAfterEachJob', () => {
  it('lets each job settle before the next one runs, and the move return after the last', async () => {
    const clock = new SimulatedClock(new Date('2026-01-05T12:00:00Z'));
    const ctx = { clock, logger: { error: () => undefined } } as unknown as ServiceContext;
    const seen: string[] = [];
    clock.settleAfterEachJob(async () => {
      seen.push('settled');
    });
    const a = new CountingScheduler(ctx, 'a daily run');
    const b = new CountingScheduler(ctx, 'b daily run');
    for (const s of [b, a]) s.onApplicationBootstrap();
    const record = (name: string, s: CountingScheduler) => {
      const original = s.runIfDue.bind(s);
      s.runIfDue = async () => {
        seen.push(name);
        return original();
      };
    };
    record('a', a);
    record('b', b);

    await clock.advanceTo(new Date('2026-01-06T12:00:00Z'));

    expect(seen).toEqual(['a', 'settled', 'b', 'settled']);
  });
});

/** The value of one series of a metric in `metrics`, or undefined when it has no such series. */
async function sampleOf(
  metrics: MetricsRegistry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return undefined;
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

describe('ClockTimedJob metrics', () => {
  /** A job on a clock years away from the wall clock, failing while `failing` is set. */
  const setup = () => {
    const metrics = new MetricsRegistry('test');
    const clock = new SimulatedClock(new Date('2020-01-05T12:00:00Z'));
    const ctx = { clock, logger: { error: () => undefined }, metrics } as unknown as ServiceContext;
    const job = { failing: true };
    const sut = new (class extends ClockTimedJob<string> {
      constructor() {
        super(ctx, 0, 'daily plan run');
      }
      protected async runJob(): Promise<string> {
        if (job.failing) throw new Error('database went away');
        return 'done';
      }
    })();
    const runs = (outcome: string) =>
      sampleOf(metrics, 'collections_job_runs_total', { job_name: 'daily plan run', outcome });
    const lastSuccess = () =>
      sampleOf(metrics, 'collections_job_last_success_timestamp_seconds', { job_name: 'daily plan run' });
    return { sut, job, runs, lastSuccess };
  };

  it('exports every outcome at 0 before the first run, and no last success until one succeeds', async () => {
    const { runs, lastSuccess } = setup();

    expect([await runs('succeeded'), await runs('failed'), await runs('skipped')]).toEqual([0, 0, 0]);
    expect(await lastSuccess()).toBeUndefined();
  });

  it('counts a failed run as failed and leaves the last success where it was', async () => {
    const { sut, job, runs, lastSuccess } = setup();

    await sut.tick();
    expect({ failed: await runs('failed'), succeeded: await runs('succeeded'), last: await lastSuccess() }).toEqual({
      failed: 1,
      succeeded: 0,
      last: undefined,
    });

    job.failing = false;
    await sut.tick();
    const succeededAt = await lastSuccess();
    job.failing = true;
    await sut.tick();

    expect({ failed: await runs('failed'), succeeded: await runs('succeeded'), last: await lastSuccess() }).toEqual({
      failed: 2,
      succeeded: 1,
      last: succeededAt,
    });
  });

  it('stamps a success with the wall time, not the injected clock: Prometheus compares it with its own time()', async () => {
    const { sut, job, lastSuccess } = setup();
    job.failing = false;

    const before = Date.now() / 1000;
    await sut.tick();
    const after = Date.now() / 1000;

    const stamped = await lastSuccess();
    expect(stamped).toBeGreaterThanOrEqual(Math.floor(before));
    expect(stamped).toBeLessThanOrEqual(after);
  });
});
