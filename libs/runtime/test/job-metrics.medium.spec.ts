import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MetricsRegistry, SimulatedClock, createLogger } from '@collections/platform';
import { ClockTimedJob, ServiceContext, openServiceDatabase } from '../src';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A run kept to one replica at a time, which goes on until `finish()`. */
class GatedJob extends ClockTimedJob<string> {
  readonly started: Promise<void>;
  private start!: () => void;
  finish!: () => void;
  private readonly finished = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(ctx: ServiceContext) {
    super(ctx, 0, 'daily planning run', { oneReplicaAtATime: true });
    this.started = new Promise<void>((resolve) => (this.start = resolve));
  }

  protected async runJob(): Promise<string> {
    this.start();
    await this.finished;
    return 'planned';
  }
}

/**
 * Two replicas of a service, each with its own registry as each process has: the one whose tick
 * finds the other running the job counts a skipped run, not a failed one, and no success.
 */
describe('scheduled job metrics across replicas (real PostgreSQL)', () => {
  const schema = `jobmetrics_${randomBytes(4).toString('hex')}`;
  let ds: DataSource;

  beforeAll(async () => {
    ds = await openServiceDatabase({ url: SERVER, schema, poolSize: 2, migrations: [] });
  });

  afterAll(async () => {
    await ds?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await ds?.destroy();
  });

  const replica = () => {
    const metrics = new MetricsRegistry('orchestrator');
    const ctx = {
      name: 'orchestrator',
      schema,
      dataSource: ds,
      clock: new SimulatedClock(new Date('2026-03-16T22:00:00Z')),
      logger: createLogger({ service: 'orchestrator', level: 'silent' }),
      metrics,
    } as unknown as ServiceContext;
    return { job: new GatedJob(ctx), metrics };
  };

  const outcomes = async (metrics: MetricsRegistry) => {
    const runs = await metrics.registry.getSingleMetric('collections_job_runs_total')?.get();
    const last = await metrics.registry.getSingleMetric('collections_job_last_success_timestamp_seconds')?.get();
    return {
      runs: Object.fromEntries((runs?.values ?? []).map((v) => [v.labels.outcome, v.value])),
      lastSuccess: (last?.values ?? []).length,
    };
  };

  it('counts the run another replica was running as skipped', async () => {
    const [a, b] = [replica(), replica()];
    try {
      const runA = a.job.tick();
      await a.job.started;
      expect(await b.job.tick()).toBeUndefined();
      a.job.finish();
      expect(await runA).toBe('planned');

      expect(await outcomes(a.metrics)).toEqual({ runs: { succeeded: 1, failed: 0, skipped: 0 }, lastSuccess: 1 });
      expect(await outcomes(b.metrics)).toEqual({ runs: { succeeded: 0, failed: 0, skipped: 1 }, lastSuccess: 0 });
    } finally {
      a.job.finish();
      await Promise.all([a.job.onApplicationShutdown(), b.job.onApplicationShutdown()]);
    }
  });
});
