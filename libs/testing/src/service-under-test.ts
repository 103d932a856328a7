import { Metadata, ServiceDefinition as GrpcServiceDefinition } from '@grpc/grpc-js';
import { DataSource } from 'typeorm';
import { ServiceName } from '@collections/contracts';
import { Backbone, InProcessTransport } from '@collections/messaging';
import {
  Authenticator,
  HealthRegistry,
  ManualClock,
  MetricsRegistry,
  PromiseClient,
  createLogger,
  grpcClient,
  metadataFromPrincipalHeaders,
} from '@collections/platform';
import {
  RunningApp,
  ServiceContext,
  ServiceDefinition,
  TrustProxy,
  openServiceDatabase,
  startNestApp,
} from '@collections/runtime';
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
  /**
   * Stops the app and starts it again on the same database, clock and tenants, as a redeploy does:
   * its module reads the environment anew (e.g. a rotated secret). `app` is the new one (new ports).
   */
  restart(): Promise<void>;
  close(): Promise<void>;
}

// Below Linux's ephemeral range (32768-60999): a port there can be taken at any moment by an
// outgoing connection (PostgreSQL, Kafka) of this or another test process.
let nextPort = 20_000 + Math.floor(Math.random() * 3_000) * 4;

/**
 * One service's real Nest app (REST + gRPC) on a database of its own, with its events kept
 * in its outbox (the relay is not started): for medium tests through the public API.
 */
export async function startServiceUnderTest(
  definition: ServiceDefinition,
  now = new Date('2026-03-02T15:00:00Z'),
  /** HTTP settings of a deployment: the proxies trusted (HTTP_TRUST_PROXY's values). */
  http: { trustProxy?: TrustProxy } = {},
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
  const authenticator = new Authenticator({ apiKeys: `${a.apiKeys},${b.apiKeys}` });
  // Another test process may hold the port picked (parallel workers): take the next ones then.
  const start = () =>
    withFreshPorts((port) =>
      startNestApp({
        name: definition.name,
        services: [{ definition, context }],
        logger,
        clock,
        authenticator,
        metrics,
        health,
        http: { host: '127.0.0.1', port, trustProxy: http.trustProxy },
        grpc: { host: '127.0.0.1', port: port + 1 },
      }),
    );
  // A service that refuses to boot (e.g. a bad setting) leaves no database or pool behind.
  const app = await start().catch(async (err: unknown) => {
    await dataSource.destroy();
    await db.drop();
    throw err;
  });
  const sut: ServiceUnderTest = {
    name: definition.name,
    db,
    dataSource,
    context,
    app,
    clock,
    tenant: a.tenant,
    apiKey: a.apiKey,
    otherApiKey: b.apiKey,
    restart: async () => {
      await sut.app.close();
      sut.app = await start();
    },
    close: async () => {
      await sut.app.close();
      await dataSource.destroy();
      await db.drop();
    },
  };
  return sut;
}

/** Runs `start` on the next pair of ports, again on the following pair while the ports are taken. */
async function withFreshPorts<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start((nextPort += 4));
    } catch (err) {
      const taken = /EADDRINUSE|address already in use|No address added/i.test(String((err as Error)?.message ?? err));
      if (!taken || attempt >= 5) throw err;
    }
  }
}

/** A service under test with a gRPC client of one of its services, calling with the test tenant's credentials. */
export interface ServiceApi<S extends GrpcServiceDefinition> {
  sut: ServiceUnderTest;
  client: PromiseClient<S>;
  md: () => Metadata;
  /** Closes the client, then the service. */
  close(): Promise<void>;
}

/** `startServiceUnderTest`, and a gRPC client of its `grpc` service with the tenant's API key. */
export async function startServiceApi<S extends GrpcServiceDefinition>(
  definition: ServiceDefinition,
  grpc: S,
  now?: Date,
): Promise<ServiceApi<S>> {
  const sut = await startServiceUnderTest(definition, now);
  const client = grpcClient(grpc, sut.app.grpcAddress);
  return {
    sut,
    client,
    md: () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey }),
    close: async () => {
      client.close();
      await sut.close();
    },
  };
}
