import { ClockDrivenJob, ManualClock, SimulatedClock } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDueContactsUseCase, DispatchSummary } from '../../src/dispatch/usecases/dispatch-due.usecase';

const nothing: DispatchSummary = { sent: 0, failed: 0, deferred: 0, skipped: 0, queued: 0 };

/** A dispatcher that notes when it ran, in the log it shares with the other jobs. */
function recordingDispatcher(log: string[], clock: { now(): Date }) {
  return {
    reconcile: async () => {
      log.push(`reconcile ${clock.now().toISOString()}`);
      return nothing;
    },
    run: async () => {
      log.push(`dispatch ${clock.now().toISOString()}`);
      return { ...nothing, sent: 1 };
    },
  } as unknown as DispatchDueContactsUseCase;
}

describe('DispatchScheduler', () => {
  it('on a simulated clock, runs with every move of the clock, after the daily runs, and the move waits for it', async () => {
    const clock = new SimulatedClock(new Date('2026-01-05T18:00:00Z'));
    const log: string[] = [];
    const ctx = { clock, logger: { error: () => undefined } } as unknown as ServiceContext;
    const planning: ClockDrivenJob = {
      jobName: 'daily planning run',
      runIfDue: async () => {
        log.push(`planning ${clock.now().toISOString()}`);
        return true;
      },
    };
    // Attached first, yet runs last: the clock orders its jobs by name.
    const sut = new DispatchScheduler(ctx, recordingDispatcher(log, clock), 0);
    sut.onApplicationBootstrap();
    clock.attach(planning);

    const moved = await clock.advanceTo(new Date('2026-01-06T18:00:00Z'));
    await clock.advanceTo(new Date('2026-01-07T18:00:00Z'));

    expect(moved.jobs).toEqual([
      { job: 'daily planning run', ran: true },
      { job: 'dispatch run', ran: true },
    ]);
    expect(log).toEqual([
      'planning 2026-01-06T18:00:00.000Z',
      'reconcile 2026-01-06T18:00:00.000Z',
      'dispatch 2026-01-06T18:00:00.000Z',
      'planning 2026-01-07T18:00:00.000Z',
      'reconcile 2026-01-07T18:00:00.000Z',
      'dispatch 2026-01-07T18:00:00.000Z',
    ]);
    await sut.onApplicationShutdown();
    expect((await clock.advanceTo(new Date('2026-01-08T18:00:00Z'))).jobs).toEqual([
      { job: 'daily planning run', ran: true },
    ]);
  });

  it('on a real clock, is left to its timer (here off) and to tick()', async () => {
    const clock = new ManualClock(new Date('2026-01-05T18:00:00Z'));
    const log: string[] = [];
    const ctx = { clock, logger: { error: () => undefined } } as unknown as ServiceContext;
    const sut = new DispatchScheduler(ctx, recordingDispatcher(log, clock), 0);
    sut.onApplicationBootstrap();
    expect(log).toEqual([]);

    expect(await sut.tick()).toEqual({ ...nothing, sent: 1 });
    expect(log).toEqual(['reconcile 2026-01-05T18:00:00.000Z', 'dispatch 2026-01-05T18:00:00.000Z']);
    await sut.onApplicationShutdown();
  });

  it('reconciles rows left sending on every tick, and a failed reconciliation never keeps due rows from going out', async () => {
    const clock = new ManualClock(new Date('2026-01-05T18:00:00Z'));
    const log: string[] = [];
    const errors: string[] = [];
    const ctx = { clock, logger: { error: (_o: unknown, m: string) => errors.push(m) } } as unknown as ServiceContext;
    let failReconcile = true;
    const dispatcher = {
      reconcile: async () => {
        log.push('reconcile');
        if (failReconcile) throw new Error('connection lost');
        return { ...nothing, sent: 1 };
      },
      run: async () => {
        log.push('dispatch');
        return { ...nothing, sent: 2 };
      },
    } as unknown as DispatchDueContactsUseCase;
    const sut = new DispatchScheduler(ctx, dispatcher, 0);

    expect(await sut.tick()).toEqual({ ...nothing, sent: 2 });
    failReconcile = false;
    expect(await sut.tick()).toEqual({ ...nothing, sent: 3 });
    expect(log).toEqual(['reconcile', 'dispatch', 'reconcile', 'dispatch']);
    expect(errors).toHaveLength(1);
  });
});
