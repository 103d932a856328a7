import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ServiceName } from '@collections/contracts';
import { FreshPlatform } from './embedded-platform';
import { ServiceAddress } from './platform-client';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const SERVICES: ServiceName[] = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'];

/**
 * A fresh distributed platform: the five services as processes over Kafka (KAFKA_BROKERS, a
 * topic prefix of their own) and PostgreSQL (a new database on the DATABASE_URL server, dropped
 * afterwards), on free ports, each on a simulated clock from `start`. It is launched as
 * `npm run start:distributed` is (`scripts/distributed.mjs --fresh`) and talked to only over the
 * services' public ports.
 */
export async function startFreshDistributedPlatform(options: {
  start: string;
  /** The environment the processes inherit (KAFKA_BROKERS, DATABASE_URL, the catchers' addresses, ...). */
  env: NodeJS.ProcessEnv;
  readyWithinMs?: number;
  log?: (line: string) => void;
  tenant?: { id: string; apiKey: string };
}): Promise<FreshPlatform> {
  const tenant = options.tenant ?? { id: 'sim', apiKey: 'sim-key' };
  const child: ChildProcess = spawn(
    process.execPath,
    [join(REPO_ROOT, 'scripts', 'distributed.mjs'), '--fresh', '--ready-json'],
    {
      env: {
        ...options.env,
        API_KEYS: `${tenant.id}:${tenant.apiKey}`,
        PLATFORM_CLOCK: 'simulated',
        PLATFORM_CLOCK_START: options.start,
        // "drained" waits for consumers' offset commits: commit often
        KAFKA_COMMIT_INTERVAL_MS: options.env.KAFKA_COMMIT_INTERVAL_MS ?? '20',
        LOG_LEVEL: options.env.LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  createInterface({ input: child.stderr! }).on('line', (line) => {
    output += `${line}\n`;
    if (output.length > 200_000) output = output.slice(-100_000);
    options.log?.(`${line}\n`);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // the launcher stops the five services and drops the database
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const ready = new Promise<Record<ServiceName, ServiceAddress>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { ready?: boolean; services?: Record<ServiceName, ServiceAddress> };
        if (message.ready && message.services) resolve(message.services);
      } catch {
        // not the ready line
      }
    });
    void exited.then((code) => reject(new Error(`the distributed platform exited (${code}):\n${output.slice(-4000)}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the distributed platform did not become ready in time:\n${output.slice(-4000)}`)),
      options.readyWithinMs ?? 300_000,
    );
  });
  let services: Record<ServiceName, ServiceAddress>;
  try {
    services = await Promise.race([ready, timeout]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
  for (const name of SERVICES)
    if (!services[name]) throw new Error(`the distributed platform did not say where ${name} answers`);
  return { ...services.ledger, services, apiKey: tenant.apiKey, stop, exited };
}
