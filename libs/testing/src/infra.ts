import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';

/** Where the tests find PostgreSQL and Kafka, and what this run started itself. */
export interface Infrastructure {
  databaseUrl: string;
  kafkaBrokers: string[];
  source: {
    postgres: 'environment' | 'testcontainers' | 'local';
    kafka: 'environment' | 'testcontainers' | 'local' | 'none';
  };
  /** Stops what this process started (nothing when the endpoints came from the environment). */
  stop(): Promise<void>;
}

const REPO_ROOT = join(__dirname, '..', '..', '..');
const KAFKA_SCRIPT = join(REPO_ROOT, 'deploy', 'local', 'kafka', 'kafka.sh');

export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host);
  });
}

async function dockerAnswers(): Promise<boolean> {
  if (process.env.TESTCONTAINERS_DISABLED === '1') return false;
  if (!existsSync('/var/run/docker.sock') && !process.env.DOCKER_HOST) return false;
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { timeout: 5_000, encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().length > 0;
}

/** Starts the Debian PostgreSQL cluster with pg_ctlcluster when it is installed but down. */
function startLocalPostgres(): boolean {
  if (!existsSync('/etc/postgresql')) return false;
  for (const version of readdirSync('/etc/postgresql')) {
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'ignore' });
  }
  return true;
}

async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(host, port)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

/**
 * Picks test infrastructure in this order: endpoints given in the environment (DATABASE_URL,
 * KAFKA_BROKERS); testcontainers when a Docker engine answers; the local processes (the
 * PostgreSQL server on 127.0.0.1:5432, the project's Kafka script); otherwise a clear error.
 */
export async function provideInfrastructure(options: {
  kafka: boolean;
  log?: (msg: string) => void;
}): Promise<Infrastructure> {
  const log = options.log ?? ((msg: string) => process.stderr.write(`[infra] ${msg}\n`));
  const stops: (() => Promise<void>)[] = [];
  let databaseUrl = process.env.DATABASE_URL;
  let kafkaBrokers = process.env.KAFKA_BROKERS?.split(',').filter(Boolean) ?? [];
  const source: Infrastructure['source'] = {
    postgres: databaseUrl ? 'environment' : 'local',
    kafka: kafkaBrokers.length ? 'environment' : options.kafka ? 'local' : 'none',
  };
  const docker = (!databaseUrl || (options.kafka && !kafkaBrokers.length)) && (await dockerAnswers());

  if (!databaseUrl && docker) {
    const { PostgreSqlContainer } = await importTestcontainersModule('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    databaseUrl = container.getConnectionUri();
    source.postgres = 'testcontainers';
    stops.push(async () => void (await container.stop()));
  }
  if (!databaseUrl) {
    if (!(await canConnect('127.0.0.1', 5432))) {
      log('PostgreSQL is not answering on 127.0.0.1:5432; starting it with pg_ctlcluster');
      if (!startLocalPostgres() || !(await waitForPort('127.0.0.1', 5432, 30_000))) {
        throw new Error(
          'No PostgreSQL: set DATABASE_URL, or start a Docker engine, or install PostgreSQL (apt-get install postgresql) so it listens on 127.0.0.1:5432 with trust auth.',
        );
      }
    }
    databaseUrl = 'postgres://postgres@127.0.0.1:5432/postgres';
  }

  if (options.kafka && kafkaBrokers.length === 0) {
    if (docker) {
      const { KafkaContainer } = await importTestcontainersModule('@testcontainers/kafka');
      const image = new KafkaContainer('confluentinc/cp-kafka:7.9.0');
      const container = await (typeof image.withKraft === 'function' ? image.withKraft() : image).start();
      kafkaBrokers = [`${container.getHost()}:${container.getMappedPort(9093)}`];
      source.kafka = 'testcontainers';
      stops.push(async () => void (await container.stop()));
    } else {
      const port = Number(process.env.KAFKA_PORT ?? 9092);
      if (!(await canConnect('127.0.0.1', port))) {
        if (!existsSync(KAFKA_SCRIPT)) throw new Error(`No Kafka: set KAFKA_BROKERS or provide ${KAFKA_SCRIPT}`);
        log(`starting the local Kafka broker (${KAFKA_SCRIPT} start)`);
        try {
          execFileSync('bash', [KAFKA_SCRIPT, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
        } catch {
          throw new Error(
            'No Kafka: the local broker did not start. It needs Java 17+ and Maven with access to Maven Central (apt-get install openjdk-17-jre-headless maven), or set KAFKA_BROKERS, or run a Docker engine.',
          );
        }
        stops.push(async () => void execFileSync('bash', [KAFKA_SCRIPT, 'stop'], { stdio: 'ignore' }));
      }
      kafkaBrokers = [`127.0.0.1:${port}`];
    }
  }

  return {
    databaseUrl,
    kafkaBrokers,
    source,
    stop: async () => {
      for (const stop of stops.reverse()) await stop();
    },
  };
}

// Optional modules: only needed when a Docker engine answers, and not installed by default.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- typed by the optional module itself
async function importTestcontainersModule(name: string): Promise<any> {
  try {
    return (await import(name)) as unknown;
  } catch {
    throw new Error(`A Docker engine answers but ${name} is not installed; set DATABASE_URL / KAFKA_BROKERS instead.`);
  }
}
