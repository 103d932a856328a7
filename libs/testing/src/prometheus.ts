import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { freePort } from '@collections/platform';
import { RunningProcess, startProcess, waitForHttp } from './processes';

export { freePort };

/** The first of `names` found on the PATH (then /usr/bin, /usr/local/bin), or undefined. */
export function binaryOnPath(names: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of names) {
    for (const dir of (env.PATH ?? '').split(delimiter).concat(['/usr/bin', '/usr/local/bin'])) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The Prometheus server binary: $PROMETHEUS_BIN, else `prometheus` on the PATH (Debian's package). */
export function prometheusBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROMETHEUS_BIN) return env.PROMETHEUS_BIN;
  const found = binaryOnPath(['prometheus'], env);
  if (found) return found;
  throw new Error('no prometheus binary: apt-get install -y prometheus (or set PROMETHEUS_BIN)');
}

export interface PrometheusQueryResult {
  resultType: 'vector' | 'matrix' | 'scalar' | 'string';
  result: unknown;
}

export interface RunningPrometheus {
  url: string;
  /** Instant query at the current time; rejects with Prometheus' own message when the query is invalid. */
  query(expr: string): Promise<PrometheusQueryResult>;
  stop(): Promise<void>;
  process: RunningProcess;
}

export type PrometheusOptions =
  | { job: string; targets: string[]; scrapeIntervalSeconds?: number }
  | {
      /** The whole prometheus.yml (YAML or JSON text). */
      config: string;
      /** Files beside it by relative path (rule files, e.g. `rules/x.rules.yml`). */
      files?: Record<string, string>;
    };

function prometheusYml(options: PrometheusOptions): string {
  if ('config' in options) return options.config;
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    `  - job_name: ${JSON.stringify(options.job)}`,
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${options.targets.map((t) => JSON.stringify(t)).join(', ')}]`,
    '',
  ].join('\n');
}

/**
 * A real Prometheus server with its own config and storage in a temporary directory, listening on
 * a free port: scraping the given targets (host:port, path /metrics) under one job, or running a
 * whole config (with its rule files) the caller wrote.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  writeFileSync(join(dir, 'prometheus.yml'), prometheusYml(options));
  for (const [path, content] of Object.entries('files' in options ? (options.files ?? {}) : {})) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    'prometheus',
    prometheusBinary(),
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
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
    process: proc,
    query: async (expr) => {
      const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
      const body = (await res.json()) as { status: string; data?: PrometheusQueryResult; error?: string };
      if (body.status !== 'success' || !body.data)
        throw new Error(`PromQL ${expr} failed: ${body.error ?? res.status}`);
      return body.data;
    },
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
