import { ErrorCode } from './errors';
import { ManualClock, SimulatedClock, SystemClock, localDate } from './clock';

describe(ManualClock.name, () => {
  it('stands still until set or advanced', () => {
    const sut = new ManualClock(new Date('2026-03-01T00:00:00Z'));

    expect(sut.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
    sut.advance(90_000);
    expect(sut.now().toISOString()).toBe('2026-03-01T00:01:30.000Z');
    sut.set(new Date('2027-01-01T00:00:00Z'));
    expect(sut.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('cannot be moved by mutating a returned Date', () => {
    const sut = new ManualClock(new Date('2026-03-01T00:00:00Z'));

    sut.now().setUTCFullYear(1999);

    expect(sut.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
  });
});

describe(SystemClock.name, () => {
  it('reports the current time', () => {
    const before = Date.now();
    const sut = new SystemClock();

    const now = sut.now().getTime();

    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});

describe(localDate.name, () => {
  it('gives the debtor’s calendar date, which can be the previous UTC day', () => {
    expect(localDate(new Date('2026-03-01T03:30:00Z'), 'America/Bogota')).toBe('2026-02-28');
    expect(localDate(new Date('2026-03-01T03:30:00Z'), 'UTC')).toBe('2026-03-01');
  });

  it('follows daylight-saving shifts', () => {
    // Chile leaves DST on 2026-04-05 at 00:00 local (03:00Z): UTC-3 before, UTC-4 after.
    expect(localDate(new Date('2026-04-05T02:59:00Z'), 'America/Santiago')).toBe('2026-04-04');
    expect(localDate(new Date('2026-04-05T03:30:00Z'), 'America/Santiago')).toBe('2026-04-04');
    expect(localDate(new Date('2026-04-05T04:00:00Z'), 'America/Santiago')).toBe('2026-04-05');
  });

  it('rejects an unknown time zone', () => {
    expect(() => localDate(new Date(), 'Mars/Olympus_Mons')).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });
});

describe(SimulatedClock.name, () => {
  const job = (jobName: string, log: string[], clock: { now(): Date }) => ({
    jobName,
    runIfDue: async () => {
      log.push(`${jobName}@${clock.now().toISOString()}`);
      return true;
    },
  });

  it('runs its jobs on every move, in the order of their names, settling after each', async () => {
    const clock = new SimulatedClock(new Date('2026-01-05T12:00:00Z'));
    const log: string[] = [];
    clock.attach(job('dispatch run', log, clock));
    clock.attach(job('daily delinquency run', log, clock));
    clock.settleAfterEachJob(async () => {
      log.push('settled');
    });
    const moved = await clock.advanceTo(new Date('2026-01-06T12:00:00Z'));
    expect(moved.jobs).toEqual([
      { job: 'daily delinquency run', ran: true },
      { job: 'dispatch run', ran: true },
    ]);
    expect(log).toEqual([
      'daily delinquency run@2026-01-06T12:00:00.000Z',
      'settled',
      'dispatch run@2026-01-06T12:00:00.000Z',
      'settled',
    ]);
  });

  it('can move without its jobs, leaving them to be run one by one (a coordinator of several processes)', async () => {
    const clock = new SimulatedClock(new Date('2026-01-05T12:00:00Z'));
    const log: string[] = [];
    clock.attach(job('forecast snapshot', log, clock));
    clock.attach(job('daily plan run', log, clock));
    const moved = await clock.advanceTo(new Date('2026-01-06T12:00:00Z'), { deferJobs: true });
    expect(moved.jobs).toEqual([
      { job: 'daily plan run', ran: false },
      { job: 'forecast snapshot', ran: false },
    ]);
    expect(log).toEqual([]);
    expect(clock.jobNames()).toEqual(['daily plan run', 'forecast snapshot']);
    expect(await clock.runJob('forecast snapshot')).toEqual({ job: 'forecast snapshot', ran: true });
    expect(log).toEqual(['forecast snapshot@2026-01-06T12:00:00.000Z']);
    await expect(clock.runJob('no such job')).rejects.toThrow(/no clock-driven job/);
  });

  it('only moves forward', async () => {
    const clock = new SimulatedClock(new Date('2026-01-05T12:00:00Z'));
    await expect(clock.advanceTo(new Date('2026-01-04T12:00:00Z'), { deferJobs: true })).rejects.toThrow(
      /only moves forward/,
    );
    expect(clock.now().toISOString()).toBe('2026-01-05T12:00:00.000Z');
  });
});
