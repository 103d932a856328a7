import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '@collections/platform';
import { RunningProcess, startProcess, waitForHttp } from './processes';
import { binaryOnPath } from './prometheus';

/**
 * The Alertmanager binary: $ALERTMANAGER_BIN, else `prometheus-alertmanager` (Debian's package
 * `prometheus-alertmanager`) or `alertmanager` (upstream's tarball) on the PATH.
 */
export function alertmanagerBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ALERTMANAGER_BIN) return env.ALERTMANAGER_BIN;
  const found = binaryOnPath(['prometheus-alertmanager', 'alertmanager'], env);
  if (found) return found;
  throw new Error('no alertmanager binary: apt-get install -y prometheus-alertmanager (or set ALERTMANAGER_BIN)');
}

/** amtool, Alertmanager's own checker: $AMTOOL_BIN, else beside the alertmanager binary, else on the PATH. */
export function amtoolBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.AMTOOL_BIN) return env.AMTOOL_BIN;
  const beside = join(dirname(alertmanagerBinary(env)), 'amtool');
  if (existsSync(beside)) return beside;
  const found = binaryOnPath(['amtool'], env);
  if (found) return found;
  throw new Error('no amtool: apt-get install -y prometheus-alertmanager (or set AMTOOL_BIN)');
}

/** An alert as Alertmanager's API v2 lists it (GET /api/v2/alerts). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  status: { state: 'unprocessed' | 'active' | 'suppressed'; inhibitedBy: string[]; silencedBy: string[] };
  receivers: { name: string }[];
}

export interface RunningAlertmanager {
  url: string;
  /** host:port, as a Prometheus `alerting.alertmanagers` target. */
  address: string;
  /** The alerts it holds, inhibited and silenced ones included, whose labels equal `labels`. */
  alerts(labels?: Record<string, string>): Promise<AlertmanagerAlert[]>;
  stop(): Promise<void>;
  process: RunningProcess;
}

/**
 * A real Alertmanager running the given configuration (YAML text), with its storage in a
 * temporary directory, listening on a free port, and without clustering (no gossip port).
 */
export async function startAlertmanager(options: { config: string }): Promise<RunningAlertmanager> {
  const dir = mkdtempSync(join(tmpdir(), 'alertmanager-'));
  writeFileSync(join(dir, 'alertmanager.yml'), options.config);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const proc = startProcess(
    'alertmanager',
    alertmanagerBinary(),
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    {},
  );
  try {
    await waitForHttp(proc, `${url}/-/ready`, 60_000);
  } catch (err) {
    await proc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url,
    address,
    process: proc,
    alerts: async (labels = {}) => {
      const query = new URLSearchParams();
      for (const [name, value] of Object.entries(labels)) query.append('filter', `${name}=${JSON.stringify(value)}`);
      const res = await fetch(`${url}/api/v2/alerts?${query}`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
      return (await res.json()) as AlertmanagerAlert[];
    },
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
