import { fork } from 'node:child_process';
import { join } from 'node:path';
import { scoring } from '@collections/contracts';
import { grpcClient } from '@collections/platform';
import { closedLoop, progress, report } from './report';

const CONCURRENCY = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

/** Calls ScoreAccount with 50 calls in flight for a fixed time against a server in its own process. */
async function load(mode: 'nest' | 'plain', port: number): Promise<{ rate: number; p50: number; p99: number }> {
  const server = fork(join(__dirname, 'grpc-server.js'), [mode, String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    server.once('message', () => resolve());
    server.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
  const client = grpcClient(scoring.ScoringServiceService, `127.0.0.1:${port}`);
  try {
    // warm-up
    for (let i = 0; i < 500; i++) await client.scoreAccount({ accountId: `acct-${i}` });
    const run = await closedLoop(CONCURRENCY, SECONDS, (w, i) => client.scoreAccount({ accountId: `acct-${w}-${i}` }));
    return { rate: run.rate, p50: run.p50, p99: run.p99 };
  } finally {
    client.close();
    server.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  progress(`plain grpc-js server, concurrency ${CONCURRENCY}, ${SECONDS}s`);
  const plain = await load('plain', 50881);
  progress(`Nest gRPC server, concurrency ${CONCURRENCY}, ${SECONDS}s`);
  const nest = await load('nest', 50882);
  report({
    bench: 'grpc',
    metric: 'throughput_ratio',
    value: Math.round(nest.rate),
    unit: 'calls/s',
    baseline: 'plain grpc-js server, same handler',
    baselineValue: Math.round(plain.rate),
    concurrency: CONCURRENCY,
    seconds: SECONDS,
  });
  report({
    bench: 'grpc',
    metric: 'latency_p99',
    value: Number(nest.p99.toFixed(2)),
    unit: 'ms',
    baseline: 'plain grpc-js server, same handler',
    baselineValue: Number(plain.p99.toFixed(2)),
    concurrency: CONCURRENCY,
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
