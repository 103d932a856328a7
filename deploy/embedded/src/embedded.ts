import { mkdirSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { PLATFORM_GRPC_PACKAGES, ServiceName } from '@collections/contracts';
import { Backbone, IN_PROCESS_LOG_MIGRATIONS, IN_PROCESS_SCHEMA, InProcessTransport } from '@collections/messaging';
import {
  Authenticator,
  Clock,
  HealthRegistry,
  Logger,
  MetricsRegistry,
  SystemClock,
  currentTraceparent,
  isSimulatedClock,
} from '@collections/platform';
import {
  RetentionHours,
  RunningApp,
  ServiceContext,
  ServiceDefinition,
  TrustProxy,
  backboneMetrics,
  backboneRetention,
  hoursToMs,
  meteredTransport,
  openServiceDatabase,
  registerBackboneGauges,
  simulationModule,
  startNestApp,
} from '@collections/runtime';
import { startPgliteServer } from './pglite-server';
import { SimulationControl } from './simulation/simulation-control';

export interface EmbeddedOptions {
  services: ServiceDefinition[];
  dataDir: string;
  pgPort: number;
  http: { host: string; port: number; trustProxy?: TrustProxy };
  grpc: { host: string; port: number };
  apiKeys: string;
  jwtSecret?: string;
  logger: Logger;
  /** The real clock by default; a SimulatedClock also mounts the simulation API (clock, backlog). */
  clock?: Clock;
  /**
   * How long published events stay in each service's outbox, processed event ids in its
   * consumers' inboxes, and read records in the in-process log, in hours (0 keeps them); unset,
   * the libraries' defaults (7 days, 14 days, 7 days).
   */
  retention?: RetentionHours & { logHours: number };
}

export interface EmbeddedPlatform {
  app: RunningApp;
  databaseUrl: string;
  contexts: Map<ServiceName, ServiceContext>;
  /** Present when the platform runs on a simulated clock. */
  simulation?: SimulationControl;
  stop(): Promise<void>;
}

/**
 * All five services as modules of one process: PGlite (served to the `pg` driver through
 * pglite-socket, so the same TypeORM code runs) with one schema per service, and the
 * in-process transport delivering from the outbox tables with Kafka's ordering and
 * at-least-once rules.
 */
export async function startEmbedded(options: EmbeddedOptions): Promise<EmbeddedPlatform> {
  const { logger } = options;
  mkdirSync(options.dataDir, { recursive: true });
  const pglite = await startPgliteServer(options.dataDir, options.pgPort);
  const databaseUrl = pglite.url;

  const metrics = new MetricsRegistry('platform');
  const health = new HealthRegistry();
  const clock = options.clock ?? new SystemClock();

  const busSource = await new DataSource({
    type: 'postgres',
    url: databaseUrl,
    schema: IN_PROCESS_SCHEMA,
    poolSize: 4,
    migrations: IN_PROCESS_LOG_MIGRATIONS,
    migrationsTableName: 'migrations',
  }).initialize();
  await busSource.query(`CREATE SCHEMA IF NOT EXISTS ${IN_PROCESS_SCHEMA}`);
  await busSource.runMigrations();
  const retention = options.retention && backboneRetention(options.retention);
  const inProcess = new InProcessTransport({
    dataSource: busSource,
    logger,
    pollIntervalMs: 200,
    retentionMs: options.retention && hoursToMs(options.retention.logHours),
  });
  const transport = meteredTransport(inProcess, metrics);

  const contexts = new Map<ServiceName, ServiceContext>();
  const backbones: Backbone[] = [];
  const sources: DataSource[] = [busSource];
  for (const definition of options.services) {
    const dataSource = await openServiceDatabase({
      url: databaseUrl,
      schema: definition.name,
      poolSize: 4,
      migrations: definition.migrations,
      namedStatements: false, // the PGlite server has one session for every connection
    });
    sources.push(dataSource);
    const backbone = new Backbone({
      service: definition.name,
      schema: definition.name,
      dataSource,
      transport,
      logger: logger.child({ module: definition.name }),
      traceparent: currentTraceparent,
      relay: { pollIntervalMs: 200, ...retention?.relay },
      inbox: retention?.inbox,
      deadLetters: retention?.deadLetters,
      hooks: backboneMetrics(metrics, definition.name),
    });
    backbones.push(backbone);
    const context: ServiceContext = {
      name: definition.name,
      schema: definition.name,
      dataSource,
      backbone,
      clock,
      logger: logger.child({ module: definition.name }),
      metrics,
      health,
    };
    definition.consumers?.(context);
    contexts.set(definition.name, context);
  }
  health.register('database', async () => (await busSource.query('SELECT 1')).length === 1);
  const names = new Map(backbones.map((b, i) => [b, options.services[i].name]));
  registerBackboneGauges(metrics, backbones, (b) => names.get(b) ?? 'unknown');
  const simulation = isSimulatedClock(clock)
    ? new SimulationControl(
        clock,
        inProcess,
        backbones.map((backbone, i) => ({ service: options.services[i].name, backbone })),
        logger,
      )
    : undefined;

  const app = await startNestApp({
    name: 'platform',
    services: options.services.map((definition) => ({ definition, context: contexts.get(definition.name)! })),
    logger,
    clock,
    authenticator: new Authenticator({ apiKeys: options.apiKeys, jwtSecret: options.jwtSecret }),
    metrics,
    health,
    http: options.http,
    grpc: options.grpc,
    extras: simulation
      ? [{ module: simulationModule(simulation), grpc: PLATFORM_GRPC_PACKAGES.simulation }]
      : undefined,
  });
  for (const b of backbones) await b.start();

  return {
    app,
    databaseUrl,
    contexts,
    simulation,
    stop: async () => {
      for (const b of backbones) await b.stop();
      await app.close();
      await transport.close();
      for (const s of sources) await s.destroy();
      await pglite.stop();
    },
  };
}
