import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canConnect } from './infra';
import { freePort } from './prometheus';

const KAFKA_SCRIPT = join(__dirname, '..', '..', '..', 'deploy', 'local', 'kafka', 'kafka.sh');

/** A broker of the test's own: its ports, its data folder, and the means to restart and remove it. */
export interface OwnKafkaBroker {
  /** host:port for KAFKA_BROKERS. */
  brokers: string;
  port: number;
  dataDir: string;
  /** Stops the broker (SIGTERM, SIGKILL after the script's grace) and starts it again on the same data and port. */
  restart(): Promise<void>;
  /** Stops the broker and deletes its data folder. */
  stop(): Promise<void>;
}

function kafkaScript(command: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [KAFKA_SCRIPT, command],
      { env: { ...process.env, ...env }, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kafka.sh ${command} failed: ${err.message}\n${stdout}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

/**
 * Starts a single-node Kafka broker (deploy/local/kafka/kafka.sh) on free ports in a data folder
 * of its own, for tests that must stop or restart the broker without touching a shared one.
 * The broker listens on `port` and its controller on `port + 1`.
 */
export async function startOwnKafkaBroker(options: { startTimeoutSec?: number } = {}): Promise<OwnKafkaBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'collections-kafka-'));
  let port = 0;
  for (let attempt = 0; attempt < 20 && port === 0; attempt++) {
    const candidate = await freePort();
    if (candidate < 65534 && !(await canConnect('127.0.0.1', candidate + 1))) port = candidate;
  }
  if (port === 0) throw new Error('no free pair of ports for a Kafka broker');
  const env = {
    KAFKA_PORT: String(port),
    KAFKA_DATA_DIR: dataDir,
    KAFKA_START_TIMEOUT: String(options.startTimeoutSec ?? 150),
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
  };
  const start = () => kafkaScript('start', env);
  const stopBroker = () => kafkaScript('stop', env);
  try {
    await start();
  } catch (err) {
    await stopBroker().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    brokers: `127.0.0.1:${port}`,
    port,
    dataDir,
    restart: async () => {
      await stopBroker();
      await start();
    },
    stop: async () => {
      await stopBroker().catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
