import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { persistedPlanningRun } from './planning-persisted';
import { progress } from './report';

/**
 * npm run bench -- planning: contact-policy decisions/s and a daily planning run over synthetic
 * accounts. The work lives in the orchestrator (services/orchestrator/src/policy/cli/bench-policy.ts)
 * so it measures the engine the dispatcher runs; this file starts it and forwards its JSON lines.
 *
 * Four figures: policy decisions/s, the simplified planning loop, the service's planner
 * (planNextContact) with its schedule rows built in memory, and then the persisted daily run —
 * the service's DailyPlanningUseCase over the accounts seeded into PostgreSQL, writing schedule
 * rows, decision audit rows, outbox events and progress — beside a raw COPY of the same rows
 * (planning-persisted.ts).
 *
 * BENCH_SECONDS (default 3) per measured loop; BENCH_ACCOUNTS (default 1,000,000) for the planning
 * runs; BENCH_PLANNING_RUNS (default 1) persisted runs, each on a fresh database; BENCH_PERSISTED=0
 * skips them, BENCH_IN_MEMORY=0 skips the in-memory figures; BENCH_CPU_PROFILE=<file> writes a CPU
 * profile of the persisted daily run alone.
 */
const SCRIPT = join(__dirname, '..', '..', 'services', 'orchestrator', 'dist', 'policy', 'cli', 'bench-policy.js');

function main(): Promise<number> {
  const args = [
    SCRIPT,
    '--seconds',
    process.env.BENCH_SECONDS ?? '3',
    '--accounts',
    process.env.BENCH_ACCOUNTS ?? '1000000',
  ];
  progress(`node ${args.join(' ')}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.pipe(process.stdout);
  return new Promise((resolve) => {
    child.once('error', (err) => {
      progress(`cannot start ${SCRIPT}: ${err.message}`);
      resolve(1);
    });
    child.once('close', (code) => resolve(code ?? 1));
  });
}

async function all(): Promise<number> {
  const code = process.env.BENCH_IN_MEMORY === '0' ? 0 : await main();
  if (code !== 0 || process.env.BENCH_PERSISTED === '0') return code;
  await persistedPlanningRun(
    Number(process.env.BENCH_ACCOUNTS ?? 1_000_000),
    Number(process.env.BENCH_PLANNING_RUNS ?? 1),
  );
  return 0;
}

all().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    progress(`persisted planning run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  },
);
