import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@collections/platform';
import { RunningProcess, startProcess, waitForHttp } from '@collections/testing';

const REPO = join(__dirname, '..', '..');

/** The benches' platform: services as processes (services/<name>/dist/main.js) on one database and broker. */
export interface ServiceProcessesOptions {
  services: readonly string[];
  databaseUrl: string;
  kafkaBrokers: string[];
  /** Topic prefix, so a run's topics and consumer groups are its own. */
  topicPrefix: string;
  tenant: string;
  apiKey: string;
  /** More environment for every process (e.g. the simulated clock). */
  env?: Record<string, string>;
  readyTimeoutMs: number;
}

/**
 * Starts `services` with free ports, each told its tenant's API key and where the ledger (and
 * scoring) answer, and waits until every one is ready. The processes go into `processes` as they
 * start, so the caller stops them even when one never gets ready. Answers each one's gRPC address.
 */
/**
 * BENCH_PROFILE=<dir>[:service,...]: the services (all, or those listed) write a V8 CPU profile
 * there when they stop (open it in Chrome DevTools or speedscope).
 */
function profiling(name: string): string[] {
  const [dir, only] = (process.env.BENCH_PROFILE ?? '').split(':');
  if (!dir || (only && !only.split(',').includes(name))) return [];
  return ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${name}.cpuprofile`];
}

export async function startServiceProcesses(
  o: ServiceProcessesOptions,
  processes: RunningProcess[],
): Promise<{ grpcOf(name: string): string }> {
  const ports = await Promise.all(o.services.map(async () => ({ http: await freePort(), grpc: await freePort() })));
  const grpcOf = (name: string) => `127.0.0.1:${ports[o.services.indexOf(name)].grpc}`;
  const keys = `${o.tenant}:${o.apiKey}`;
  const started = o.services.map((name, i) =>
    startProcess(name, process.execPath, [...profiling(name), join(REPO, `services/${name}/dist/main.js`)], {
      DATABASE_URL: o.databaseUrl,
      KAFKA_BROKERS: o.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: o.topicPrefix,
      HTTP_PORT: String(ports[i].http),
      GRPC_PORT: String(ports[i].grpc),
      HTTP_HOST: '127.0.0.1',
      GRPC_HOST: '127.0.0.1',
      API_KEYS: keys,
      PROMISES_LEDGER_API_KEYS: keys,
      PROMISES_LEDGER_GRPC_ADDRESS: grpcOf('ledger'),
      ...(o.services.includes('scoring')
        ? { PROMISES_SCORING_API_KEYS: keys, PROMISES_SCORING_GRPC_ADDRESS: grpcOf('scoring') }
        : {}),
      ORCHESTRATOR_LEDGER_API_KEYS: keys,
      ORCHESTRATOR_LEDGER_GRPC_ADDRESS: grpcOf('ledger'),
      LOG_LEVEL: 'warn',
      ...o.env,
    }),
  );
  processes.push(...started);
  await Promise.all(started.map((p, i) => waitForHttp(p, `http://127.0.0.1:${ports[i].http}/ready`, o.readyTimeoutMs)));
  return { grpcOf };
}

/** The ledger's import command (the operator's), generic CSV, on `file` for `tenant`. */
export async function importIntoLedger(databaseUrl: string, tenant: string, file: string): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [
      join(REPO, 'services/ledger/dist/imports/cli/import.js'),
      '--format',
      'generic-csv',
      '--file',
      file,
      '--tenant',
      tenant,
    ],
    { env: { ...process.env, DATABASE_URL: databaseUrl, DB_SCHEMA: 'ledger' }, maxBuffer: 256 << 20 },
  );
}
