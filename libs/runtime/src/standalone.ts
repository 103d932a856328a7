import { PLATFORM_GRPC_PACKAGES, ServiceName } from '@collections/contracts';
import { Backbone, KafkaTransport } from '@collections/messaging';
import {
  Authenticator,
  HealthRegistry,
  MetricsRegistry,
  SimulatedClock,
  SystemClock,
  createLogger,
  currentTraceparent,
  serializeError,
  startTracing,
} from '@collections/platform';
import { startNestApp } from './app';
import { backboneRetention, loadServiceConfig } from './config';
import { openServiceDatabase } from './database';
import { backboneMetrics, countPublished, meteredTransport, registerBackboneGauges } from './metering';
import { ServiceContext, ServiceDefinition } from './service-definition';
import { onShutdown } from './shutdown';
import { ServiceSimulationControl } from './simulation/service-simulation';
import { simulationModule } from './simulation/simulation.module';

/**
 * Distributed mode: one service per process over Kafka and PostgreSQL. Every service's
 * main.ts is `import './tracing'` (first) and then `runService(definition)`.
 */
export async function runService(definition: ServiceDefinition, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const name: ServiceName = definition.name;
  const config = loadServiceConfig(name, env);
  const logger = createLogger({ service: name, level: config.log.level });
  const tracing = startTracing(name, { logger, env });
  const metrics = new MetricsRegistry(name);
  const health = new HealthRegistry();
  const simulatedStart = new Date(config.clock.start);
  if (config.clock.kind === 'simulated' && Number.isNaN(simulatedStart.getTime()))
    throw new Error(`PLATFORM_CLOCK_START is not an instant: ${JSON.stringify(config.clock.start)}`);
  const clock = config.clock.kind === 'simulated' ? new SimulatedClock(simulatedStart) : new SystemClock();

  const dataSource = await openServiceDatabase({
    url: config.database.url,
    schema: config.database.schema,
    poolSize: config.database.poolSize,
    randomPageCost: config.database.randomPageCost,
    migrations: definition.migrations,
  });
  const kafka = new KafkaTransport({
    brokers: config.kafka.brokers.split(','),
    clientId: name,
    topicPrefix: config.kafka.topicPrefix,
    partitions: config.kafka.partitions,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    autoCommitIntervalMs: config.kafka.commitIntervalMs,
    logger,
  });
  await kafka.ensureTopics([], [name]);
  const backbone = new Backbone({
    service: name,
    schema: config.database.schema,
    dataSource,
    transport: meteredTransport(kafka, metrics),
    logger,
    traceparent: currentTraceparent,
    hooks: backboneMetrics(metrics, name),
    ...backboneRetention(config.retention),
    relayThread:
      config.relayThread === 'worker'
        ? {
            database: { url: config.database.url, schema: config.database.schema },
            kafka: {
              brokers: config.kafka.brokers.split(','),
              clientId: `${name}-relay`,
              topicPrefix: config.kafka.topicPrefix,
              partitions: config.kafka.partitions,
            },
            onPublished: countPublished(metrics),
            stallMs: config.relayThreadStallMs,
          }
        : undefined,
  });
  const context: ServiceContext = {
    name,
    schema: config.database.schema,
    dataSource,
    backbone,
    clock,
    logger,
    metrics,
    health,
  };
  definition.consumers?.(context);
  health.register('database', async () => (await dataSource.query('SELECT 1')).length === 1);
  registerBackboneGauges(metrics, [backbone], () => name);
  // On a simulated clock the process serves the simulation API for itself (its clock, its jobs,
  // its backlog); a coordinator moves every process (see simulation.proto).
  const simulation =
    clock instanceof SimulatedClock ? new ServiceSimulationControl(clock, name, backbone, kafka, logger) : undefined;

  const app = await startNestApp({
    name,
    services: [{ definition, context }],
    logger,
    clock,
    authenticator: new Authenticator({ apiKeys: config.auth.apiKeys, jwtSecret: config.auth.jwtSecret }),
    metrics,
    health,
    http: config.http,
    grpc: config.grpc,
    extras: simulation
      ? [{ module: simulationModule(simulation), grpc: PLATFORM_GRPC_PACKAGES.simulation }]
      : undefined,
  });
  await backbone.start();
  logger.info(
    {
      http: app.httpUrl,
      grpc: app.grpcAddress,
      transport: 'kafka',
      schema: config.database.schema,
      clock: simulation ? `simulated, now ${clock.now().toISOString()}` : 'system',
    },
    `${name} ready`,
  );

  onShutdown(logger, async () => {
    await backbone.stop();
    await app.close();
    await kafka.close();
    await dataSource.destroy();
    await tracing.shutdown();
  });
}

/**
 * The line a service that could not start writes to stderr: the error's message as the log would
 * show it (`serializeError`), since a PostgreSQL error met while migrating may quote a row's value.
 */
export function couldNotStartLine(service: string, err: unknown): string {
  const message = err instanceof Error ? (serializeError(err) as { message: string }).message : String(err);
  return `${service} could not start: ${message}\n`;
}

/** A service's main(): boots it, or explains why not and exits non-zero. */
export function serviceMain(definition: ServiceDefinition): void {
  runService(definition).catch((err: unknown) => {
    process.stderr.write(couldNotStartLine(definition.name, err));
    process.exit(1);
  });
}
