import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@collections/platform';
import { PlatformAddress } from './platform-client';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');

export interface FreshPlatform extends PlatformAddress {
  stop(): Promise<void>;
  /** Settles with the exit code when the platform's process ends (for whatever reason). */
  exited: Promise<number | null>;
}

/**
 * A fresh embedded platform (`deploy/embedded`, what `npm start` runs) in its own process, on a
 * simulated clock, with an empty data folder and free ports: the same seed then gives the same
 * run. It is started as a user would, and talked to only over its public ports.
 */
export async function startFreshPlatform(options: {
  start: string;
  /** The environment the platform inherits (PATH, LOG_LEVEL, ...). */
  env: NodeJS.ProcessEnv;
  /** How long booting may take (migrations on PGlite are slow on a busy machine); default 5 min. */
  readyWithinMs?: number;
  log?: (line: string) => void;
  /** Fixed ports instead of free ones (`npm start`'s demo serves on the usual ports). */
  ports?: { pg: number; http: number; grpc: number };
  /** The tenant and its API key; default `sim` with `sim-key`. */
  tenant?: { id: string; apiKey: string };
}): Promise<FreshPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'simulate-'));
  const [pg, http, grpc] = options.ports
    ? [options.ports.pg, options.ports.http, options.ports.grpc]
    : [await freePort(), await freePort(), await freePort()];
  const tenant = options.tenant ?? { id: 'sim', apiKey: 'sim-key' };
  const apiKey = tenant.apiKey;
  const child: ChildProcess = spawn(process.execPath, [join(REPO_ROOT, 'deploy/embedded/dist/main.js')], {
    env: {
      ...options.env,
      // A folder of its own: the installation's secrets are kept beside it.
      EMBEDDED_DATA_DIR: join(dataDir, 'pglite'),
      EMBEDDED_PG_PORT: String(pg),
      HTTP_PORT: String(http),
      GRPC_PORT: String(grpc),
      API_KEYS: `${tenant.id}:${apiKey}`,
      PLATFORM_CLOCK: 'simulated',
      PLATFORM_CLOCK_START: options.start,
      LOG_LEVEL: options.env.LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 200_000) output = output.slice(-100_000);
    options.log?.(chunk.toString('utf8'));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${http}`;
  const deadline = Date.now() + (options.readyWithinMs ?? 300_000);
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the embedded platform exited (${child.exitCode}):\n${output.slice(-4000)}`);
    }
    try {
      if ((await fetch(`${url}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the embedded platform did not become ready in time:\n${output.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { http: url, grpc: `127.0.0.1:${grpc}`, apiKey, stop, exited };
}
