import { SimulatedClock } from '@collections/platform';
import { HourlyClockScheduler } from './clock-scheduler';
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
