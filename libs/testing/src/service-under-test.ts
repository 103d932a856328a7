import { DataSource } from 'typeorm';
import { ServiceName } from '@collections/contracts';
import { Backbone, InProcessTransport } from '@collections/messaging';
import { Authenticator, HealthRegistry, ManualClock, MetricsRegistry, createLogger } from '@collections/platform';
import { RunningApp, ServiceContext, ServiceDefinition, openServiceDatabase, startNestApp } from '@collections/runtime';
import { createTestDatabase, TestDatabase } from './database';
import { newTenant } from './walking-skeleton';

export interface ServiceUnderTest {
  name: ServiceName;
  db: TestDatabase;
  dataSource: DataSource;
  context: ServiceContext;
  app: RunningApp;
  clock: ManualClock;
  tenant: string;
  apiKey: string;
  /** A second tenant, to prove isolation. */
  otherApiKey: string;
  close(): Promise<void>;
}

let nextPort = 41_000 + Math.floor(Math.random() * 2_000) * 4;

/**
 * One service's real Nest app (REST + gRPC) on a database of its own, with its events kept
 * in its outbox (the relay is not started): for medium tests through the public API.
 */
export async function startServiceUnderTest(
  definition: ServiceDefinition,
  now = new Date('2026-03-02T15:00:00Z'),
): Promise<ServiceUnderTest> {
  const db = await createTestDatabase(undefined, definition.name);
  const dataSource = await openServiceDatabase({
    url: db.url,
    schema: definition.name,
    poolSize: 30,
    migrations: definition.migrations,
  });
  const logger = createLogger({ service: definition.name, level: 'warn' });
  const clock = new ManualClock(now);
  const transport = new InProcessTransport({ dataSource });
  const backbone = new Backbone({
    service: definition.name,
    schema: definition.name,
    dataSource,
    transport,
    runRelay: false,
  });
  const metrics = new MetricsRegistry(definition.name);
  const health = new HealthRegistry();
  const context: ServiceContext = {
    name: definition.name,
    schema: definition.name,
    dataSource,
    backbone,
    clock,
    logger,
    metrics,
    health,
  };
  const a = newTenant();
  const b = newTenant();
  const port = (nextPort += 4);
  const app = await startNestApp({
    name: definition.name,
    services: [{ definition, context }],
    logger,
    clock,
    authenticator: new Authenticator({ apiKeys: `${a.apiKeys},${b.apiKeys}` }),
    metrics,
    health,
    http: { host: '127.0.0.1', port },
    grpc: { host: '127.0.0.1', port: port + 1 },
  });
  return {
    name: definition.name,
    db,
    dataSource,
    context,
    app,
    clock,
    tenant: a.tenant,
    apiKey: a.apiKey,
    otherApiKey: b.apiKey,
    close: async () => {
      await app.close();
      await dataSource.destroy();
      await db.drop();
    },
  };
}
