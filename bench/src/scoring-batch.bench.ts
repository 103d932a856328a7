import { ChildProcess, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { scoring } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { provideInfrastructure } from '@collections/testing';
import { percentile, progress, report } from './report';

/**
 * Batch scoring throughput of the scoring service's production model, then online scoring latency.
 *
 * 1. The batch part runs in the scoring service's own compiled CLI, whose JSON lines are forwarded as
 *    they come: rows/s from account histories to calibrated probabilities, and rows/s of the
 *    compiled forest alone, each beside a plain loop over the same trees on a pre-built feature
 *    matrix. Arguments after the bench name are passed on (e.g. --rows 500000, --model artifact.json).
 * 2. ScoreAccount over gRPC at 50 concurrent callers (a closed loop: each caller sends its next
 *    call when the last is answered, all 50 in this process on one channel) against the scoring
 *    service in its own process (API-key auth, tenant scoping, tracing, metrics, the stored score from
 *    its in-memory cache, PostgreSQL on a miss), beside a plain grpc-js server in its own process answering from a Map of the same
 *    stored scores with the service's own row-to-response mapping (the same lookup, none of the
 *    framework). The two are measured in alternating slices (plain, service, service, plain, ...) so
 *    that both see the same moments of a shared machine. Target: p99 < 10 ms. In a closed loop the
 *    latency is about 50 / calls per second, so the target asks for > 5,000 calls/s end to end, and
 *    the callers' own CPU per call (encoding, HTTP/2, promises) counts as much as the server's: the
 *    line gives both per call, and the load average, since on a shared machine the tail mostly
 *    measures the other tenants.
 *    SCORING_BENCH_SKIP_BATCH=1 runs only this part.
 *
 * Measured on the shared 2-core box (load average 16-30), before and after ScoreAccount left Nest's
 * pipeline for a direct grpc-js route, alternated over 4 runs each: the service's CPU per call was
 * 2.1-3.1× the plain server's, and is 1.1-1.4×; p50 1.4-1.7× → 1.0-1.1×. In the quietest slice the
 * plain server spent 0.18 ms and its callers 0.35 ms of CPU per call: about 0.5 ms per call on 2
 * cores is at most ~3,500 calls/s, so p50 >= ~14 ms at 50 in flight. p99 < 10 ms with the callers on
 * the same 2 cores is out of reach for the plain server too; it needs the callers elsewhere.
 */
const ENTRY = join(__dirname, '..', '..', 'services', 'scoring', 'dist', 'model', 'cli', 'bench-batch.js');
const CONCURRENCY = 50;
const ACCOUNTS = 200;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TARGET_P99_MS = 10;

async function batch(): Promise<void> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: build the scoring service first (npm run setup)`);
  progress('scoring-batch: training the production model, then timing batch scoring');
  const child = spawn(process.execPath, [ENTRY, ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pipe(process.stdout);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`bench-batch exited with ${code}`);
}

interface Server {
  process: ChildProcess;
  grpcAddress: string;
  apiKey: string;
  /** The service's database, schema and tenant (the plain server loads the same stored scores). */
  databaseUrl?: string;
  schema?: string;
  tenant?: string;
}

async function startServer(args: string[]): Promise<Server> {
  const child = fork(join(__dirname, 'scoring-server.js'), args, {
    execArgv: process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<Omit<Server, 'process'>>((resolve, reject) => {
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (code) => reject(new Error(`scoring server (${args.join(' ')}) exited with ${code}`)));
  });
  return { process: child, ...ready };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
}

/** CPU time (user + system, ms) the server process has used so far. */
async function serverCpuMs(server: Server): Promise<number> {
  const answer = new Promise<number>((resolve) =>
    server.process.once('message', (m) => resolve((m as { cpuMicros: number }).cpuMicros / 1000)),
  );
  server.process.send('cpu');
  return answer;
}

/** Slices each side's SECONDS is cut into, alternating plain and service (ABBA), so both see the same machine. */
const SLICES = Number(process.env.SCORING_BENCH_SLICES ?? 4);

interface Slice {
  latencies: number[];
  calls: number;
  seconds: number;
  serverCpuMs: number;
  clientCpuMs: number;
}

interface Load {
  rate: number;
  p50: number;
  p99: number;
  calls: number;
  serverCpuMsPerCall: number;
  clientCpuMsPerCall: number;
}

/** A warmed-up client of one server, measuring ScoreAccount with `CONCURRENCY` calls in flight. */
async function loader(server: Server) {
  const client = grpcClient(scoring.ScoringServiceService, server.grpcAddress);
  const md = (): Metadata => metadataFromPrincipalHeaders({ apiKey: server.apiKey });
  const request = (i: number) => ({ accountId: `acct-${i % ACCOUNTS}`, modelVersion: '' });
  for (let i = 0; i < 500; i++) await client.scoreAccount(request(i), md());
  const measure = async (seconds: number): Promise<Slice> => {
    const latencies: number[] = [];
    let calls = 0;
    const cpuBefore = await serverCpuMs(server);
    const clientCpuBefore = process.cpuUsage();
    const end = Date.now() + seconds * 1000;
    const start = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        while (Date.now() < end) {
          const t = process.hrtime.bigint();
          await client.scoreAccount(request(w * 7 + calls++), md());
          latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
      }),
    );
    const clientCpu = process.cpuUsage(clientCpuBefore);
    return {
      latencies,
      calls,
      seconds: (Date.now() - start) / 1000,
      serverCpuMs: (await serverCpuMs(server)) - cpuBefore,
      clientCpuMs: (clientCpu.user + clientCpu.system) / 1000,
    };
  };
  return { measure, close: () => client.close() };
}

function summary(slices: Slice[]): Load {
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const sum = (f: (s: Slice) => number) => slices.reduce((t, s) => t + f(s), 0);
  const calls = sum((s) => s.calls);
  return {
    rate: calls / sum((s) => s.seconds),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    calls,
    serverCpuMsPerCall: sum((s) => s.serverCpuMs) / calls,
    clientCpuMsPerCall: sum((s) => s.clientCpuMs) / calls,
  };
}

async function online(): Promise<void> {
  const infra = await provideInfrastructure({ kafka: false });
  process.env.DATABASE_URL = infra.databaseUrl;
  try {
    progress(`scoring service: feeding ${ACCOUNTS} accounts through its ledger-event handlers`);
    const service = await startServer(['service', String(ACCOUNTS)]);
    let plain: Load;
    let ours: Load;
    try {
      const { databaseUrl = '', schema = '', tenant = '' } = service;
      const plainServer = await startServer(['plain', '50891', databaseUrl, schema, tenant]);
      try {
        progress(
          `ScoreAccount over gRPC, ${CONCURRENCY} concurrent, ${SECONDS}s each against the service and a plain ` +
            `grpc-js server answering from the same stored scores, alternating in ${SLICES} slices`,
        );
        const sides = [await loader(plainServer), await loader(service)];
        const slices: Slice[][] = [[], []];
        try {
          for (let i = 0; i < SLICES; i++) {
            for (const side of i % 2 === 0 ? [0, 1] : [1, 0]) {
              slices[side].push(await sides[side].measure(SECONDS / SLICES));
            }
          }
        } finally {
          sides.forEach((s) => s.close());
        }
        plain = summary(slices[0]);
        ours = summary(slices[1]);
      } finally {
        await stopServer(plainServer);
      }
    } finally {
      await stopServer(service);
    }
    const [load1, load5, load15] = loadavg().map((l) => Number(l.toFixed(2)));
    report({
      bench: 'scoring-batch',
      metric: 'score_account_p99',
      value: Number(ours.p99.toFixed(2)),
      unit: 'ms',
      baseline: 'plain grpc-js server answering from a Map of the same stored scores, same run and concurrency',
      baselineValue: Number(plain.p99.toFixed(2)),
      targetMs: TARGET_P99_MS,
      met: ours.p99 < TARGET_P99_MS,
      concurrency: CONCURRENCY,
      p50Ms: Number(ours.p50.toFixed(2)),
      baselineP50Ms: Number(plain.p50.toFixed(2)),
      callsPerS: Math.round(ours.rate),
      baselineCallsPerS: Math.round(plain.rate),
      calls: ours.calls,
      // CPU the server process spent per call: less at the mercy of the other tenants of the machine than latency
      serverCpuMsPerCall: Number(ours.serverCpuMsPerCall.toFixed(3)),
      baselineServerCpuMsPerCall: Number(plain.serverCpuMsPerCall.toFixed(3)),
      // the 50 callers share this one process and one channel: its CPU per call (encoding, promises,
      // timers) is latency too, and with the server's it bounds calls/s, hence p99 (about 50 / calls/s)
      clientCpuMsPerCall: Number(ours.clientCpuMsPerCall.toFixed(3)),
      baselineClientCpuMsPerCall: Number(plain.clientCpuMsPerCall.toFixed(3)),
      seconds: SECONDS,
      loadAverage: [load1, load5, load15],
    });
  } finally {
    await infra.stop();
  }
}

async function main(): Promise<void> {
  if (!process.env.SCORING_BENCH_SKIP_BATCH) await batch();
  await online();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
