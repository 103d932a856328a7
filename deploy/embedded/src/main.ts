import { join } from 'node:path';
import {
  SimulatedClock,
  SystemClock,
  createLogger,
  int,
  loadConfig,
  num,
  oneOf,
  optional,
  startTracing,
  str,
} from '@collections/platform';
import { onShutdown, retentionSettings, trustProxyConfig } from '@collections/runtime';
import { ledgerService } from '@collections/ledger';
import { orchestratorService } from '@collections/orchestrator';
import { promisesService } from '@collections/promises';
import { reportingService } from '@collections/reporting';
import { scoringService } from '@collections/scoring';
import { dataDirSecret } from './data-dir-secret';
import { startEmbedded } from './embedded';

const REPO_ROOT = join(__dirname, '..', '..', '..');
/** Where a simulated clock starts unless told: a fixed Monday noon UTC, so runs repeat. */
const DEFAULT_SIMULATION_START = '2026-01-05T12:00:00.000Z';

/** `DEMO=off npm start` (and under `npm start`'s demo): the whole platform in one process, with nothing to install but Node. */
async function main(): Promise<void> {
  const config = loadConfig({
    dataDir: str('EMBEDDED_DATA_DIR', { default: join(REPO_ROOT, '.data', 'pglite') }),
    pgPort: int('EMBEDDED_PG_PORT', { default: 54329, min: 1, max: 65535 }),
    http: {
      host: str('HTTP_HOST', { default: '127.0.0.1' }),
      port: int('HTTP_PORT', { default: 3000, min: 0, max: 65535 }),
      trustProxy: trustProxyConfig(),
    },
    grpc: {
      host: str('GRPC_HOST', { default: '127.0.0.1' }),
      port: int('GRPC_PORT', { default: 50050, min: 0, max: 65535 }),
    },
    apiKeys: str('API_KEYS', { default: 'demo:demo-key' }),
    jwtSecret: optional(str('JWT_SECRET')),
    logLevel: str('LOG_LEVEL', { default: 'warn' }),
    clock: {
      // `simulated`: one clock for every service that stands still until moved through the
      // simulation API (POST /v1/platform/simulation/clock/advance), which runs the daily jobs.
      kind: oneOf('PLATFORM_CLOCK', ['system', 'simulated'] as const, { default: 'system' }),
      start: str('PLATFORM_CLOCK_START', { default: DEFAULT_SIMULATION_START }),
    },
    // As a service on its own reads them, and the in-process log's own; 0 keeps them.
    retention: { ...retentionSettings(), logHours: num('EVENT_LOG_RETENTION_HOURS', { default: 168, min: 0 }) },
  });
  const start = new Date(config.clock.start);
  if (config.clock.kind === 'simulated' && Number.isNaN(start.getTime()))
    throw new Error(`PLATFORM_CLOCK_START is not an instant: ${JSON.stringify(config.clock.start)}`);
  // Promises settles through the ledger's gRPC API: in one process, this process's own, as the
  // tenants it serves.
  process.env.PROMISES_LEDGER_GRPC_ADDRESS ??= `${config.grpc.host}:${config.grpc.port}`;
  process.env.PROMISES_LEDGER_API_KEYS ??= config.apiKeys;
  process.env.PROMISES_SCORING_GRPC_ADDRESS ??= `${config.grpc.host}:${config.grpc.port}`;
  process.env.PROMISES_SCORING_API_KEYS ??= config.apiKeys;
  // Payment links signed and honoured in this process, and e-mails' opt-out links: secrets of
  // this installation unless given, kept in the data folder so links sent stay valid after a
  // restart (an e-mail's opt-out link must work for months) and none is signed with the
  // repository's local-only default. A generated secret is one key (base64url has no ':', so it
  // reads as key id `legacy`); a rotation sets the variables themselves (`<id>:<secret>,...`).
  process.env.PAYMENT_LINK_SECRET ??= dataDirSecret(config.dataDir, 'payment-link');
  process.env.OPT_OUT_LINK_SECRET ??= dataDirSecret(config.dataDir, 'opt-out-link');
  // The orchestrator asks the ledger for debtors' addresses at send time, the same way.
  process.env.ORCHESTRATOR_LEDGER_GRPC_ADDRESS ??= `${config.grpc.host}:${config.grpc.port}`;
  process.env.ORCHESTRATOR_LEDGER_API_KEYS ??= config.apiKeys;
  const logger = createLogger({ service: 'platform', level: config.logLevel });
  const tracing = startTracing('platform', { logger });
  const started = Date.now();
  const platform = await startEmbedded({
    services: [ledgerService, scoringService, orchestratorService, promisesService, reportingService],
    dataDir: config.dataDir,
    pgPort: config.pgPort,
    http: config.http,
    grpc: config.grpc,
    apiKeys: config.apiKeys,
    jwtSecret: config.jwtSecret,
    logger,
    clock: config.clock.kind === 'simulated' ? new SimulatedClock(start) : new SystemClock(),
    retention: config.retention,
  });
  const http = `http://${config.http.host}:${config.http.port}`;
  const demoKey = config.apiKeys.split(',')[0]?.split(':')[1] ?? '';
  process.stdout.write(
    [
      '',
      `Collections platform (embedded) is up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  REST     ${http}   (try: curl -H 'x-api-key: ${demoKey}' ${http}/v1/reporting/recovery-summary)`,
      `  gRPC     ${config.grpc.host}:${config.grpc.port}   (server reflection on: grpcurl -plaintext -H 'x-api-key: ${demoKey}' ${config.grpc.host}:${config.grpc.port} list)`,
      `  OpenAPI  ${http}/v1/ledger/openapi.json   (the ledger's REST API; also /v1/{scoring,orchestrator,promises,reporting}/openapi.json)`,
      `  report   ${http}/v1/reporting/report.html   (send the x-api-key header)`,
      `  health   ${http}/health   ready ${http}/ready`,
      `  metrics  ${http}/metrics`,
      `  database PGlite in ${config.dataDir} (psql ${platform.databaseUrl})`,
      ...(platform.simulation
        ? [
            `  clock    simulated, now ${platform.simulation.clock.now().toISOString()} (move it: POST ${http}/v1/platform/simulation/clock/advance)`,
          ]
        : []),
      '',
    ].join('\n') + '\n',
  );
  onShutdown(logger, async () => {
    await platform.stop();
    await tracing.shutdown();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `the platform could not start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
