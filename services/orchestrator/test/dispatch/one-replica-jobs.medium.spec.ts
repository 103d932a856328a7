import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SimulatedClock, createLogger } from '@collections/platform';
import { ClockTimedJob, ServiceContext, openServiceDatabase } from '@collections/runtime';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { LetterExportScheduler, LetterExportUseCase } from '../../src/dispatch/usecases/letter-export.usecase';
import { DailyPlanningScheduler, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A job that says when it started and finishes when let go. */
function gatedJob() {
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const runs: string[] = [];
  const run = async () => {
    runs.push('ran');
    started();
    await finished;
    return { ran: true };
  };
  return { run, running, finish, runs };
}

type Job = ReturnType<typeof gatedJob>;

/**
 * The orchestrator's jobs that must not run in two replicas at once, each with two instances on
 * one database (as two replicas would be, each with its own lock connection): while one instance
 * runs, the other's tick does not run the job.
 */
describe('the orchestrator jobs kept to one replica at a time (real PostgreSQL)', () => {
  const schema = `onerep_${randomBytes(4).toString('hex')}`;
  let ds: DataSource;
  let ctx: ServiceContext;

  beforeAll(async () => {
    ds = await openServiceDatabase({ url: SERVER, schema, poolSize: 2, migrations: [] });
    ctx = {
      name: 'orchestrator',
      schema,
      dataSource: ds,
      clock: new SimulatedClock(new Date('2026-03-16T22:00:00Z')),
      logger: createLogger({ service: 'orchestrator', level: 'silent' }),
    } as unknown as ServiceContext;
  });

  afterAll(async () => {
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
  });

  const jobs: [string, (job: Job) => ClockTimedJob<unknown>][] = [
    [
      'dispatch run',
      (job) =>
        new DispatchScheduler(
          ctx,
          { reconcile: async () => ({}), run: job.run } as unknown as DispatchDueContactsUseCase,
          0,
        ),
    ],
    ['letter export run', (job) => new LetterExportScheduler(ctx, job as unknown as LetterExportUseCase, 0)],
    ['daily planning run', (job) => new DailyPlanningScheduler(ctx, job as unknown as DailyPlanningUseCase, 0)],
  ];

  it.each(jobs)('%s: the other replica does not run it meanwhile', async (_, make) => {
    const [a, b] = [gatedJob(), gatedJob()];
    const [replicaA, replicaB] = [make(a), make(b)];
    b.finish(); // were B to run it, its run would end at once (and the test fail, not hang)
    try {
      const runA = replicaA.tick();
      await a.running;
      expect(await replicaB.tick()).toBeUndefined();
      a.finish();
      expect(await runA).toBeDefined();
      expect([a.runs, b.runs]).toEqual([['ran'], []]);
    } finally {
      a.finish();
      await Promise.all([replicaA.onApplicationShutdown(), replicaB.onApplicationShutdown()]);
    }
  });
});
