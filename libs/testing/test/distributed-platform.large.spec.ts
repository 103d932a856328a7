import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  EXPECTED_SKELETON_FACTS,
  RunningProcess,
  TestDatabase,
  createTestDatabase,
  expectedSkeletonFacts,
  newTenant,
  runWalkingSkeleton,
  startProcess,
  waitForHttp,
} from '../src';
import { freePort } from '@collections/platform';

const REPO = join(__dirname, '..', '..', '..');
const SERVICES = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'] as const;

describe('distributed platform (five processes over Kafka and PostgreSQL)', () => {
  const tenant = newTenant();
  const processes: RunningProcess[] = [];
  let db: TestDatabase;
  const ports: { http: number; grpc: number }[] = [];

  beforeAll(async () => {
    for (const _ of SERVICES) ports.push({ http: await freePort(), grpc: await freePort() });
    db = await createTestDatabase(undefined, 'distributed');
    const topicPrefix = `d${randomBytes(4).toString('hex')}.`;
    SERVICES.forEach((name, i) => {
      processes.push(
        startProcess(name, process.execPath, [join(REPO, `services/${name}/dist/main.js`)], {
          DATABASE_URL: db.url,
          KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
          KAFKA_TOPIC_PREFIX: topicPrefix,
          HTTP_PORT: String(ports[i].http),
          GRPC_PORT: String(ports[i].grpc),
          HTTP_HOST: '127.0.0.1',
          GRPC_HOST: '127.0.0.1',
          API_KEYS: tenant.apiKeys,
          LOG_LEVEL: 'warn',
          // Each service's outbox relay on a thread of its own (the main thread's is the default).
          OUTBOX_RELAY_THREAD: 'worker',
        }),
      );
    });
    await Promise.all(processes.map((p, i) => waitForHttp(p, `http://127.0.0.1:${ports[i].http}/ready`, 90_000)));
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await db?.drop();
  });

  it('carries a payment from the ledger to scoring, orchestrator, promises and reporting over Kafka', async () => {
    const outcome = await runWalkingSkeleton({
      ledgerHttp: `http://127.0.0.1:${ports[0].http}`,
      apiKey: tenant.apiKey,
      grpc: Object.fromEntries(SERVICES.map((name, i) => [name, `127.0.0.1:${ports[i].grpc}`])) as Record<
        (typeof SERVICES)[number],
        string
      >,
    });
    expect(expectedSkeletonFacts(outcome)).toEqual(EXPECTED_SKELETON_FACTS);
  });

  it('serves health and Prometheus metrics from every service', async () => {
    for (const [i, name] of SERVICES.entries()) {
      expect(await (await fetch(`http://127.0.0.1:${ports[i].http}/health`)).json()).toEqual({
        status: 'ok',
        service: name,
      });
      const metrics = await (await fetch(`http://127.0.0.1:${ports[i].http}/metrics`)).text();
      expect(metrics).toContain(`collections_outbox_backlog{owner="${name}",service="${name}"}`);
      // The ledger published the payment's events from its relay thread, which reports them to the
      // service's own registry (OUTBOX_RELAY_THREAD=worker, set above).
      if (name === 'ledger')
        expect(metrics).toMatch(/^collections_events_published_total\{topic="[^"]+",service="ledger"\} [1-9]/m);
    }
  });
});
