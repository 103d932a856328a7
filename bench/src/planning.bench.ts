import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { progress } from './report';

/**
 * npm run bench -- planning: contact-policy decisions/s and a daily planning run over synthetic
 * accounts. The work lives in the orchestrator (services/orchestrator/src/policy/cli/bench-policy.ts)
 * so it measures the engine the dispatcher runs; this file starts it and forwards its JSON lines.
 *
 * Three figures: policy decisions/s, the simplified planning loop, and the service's planner
 * (planNextContact) with its schedule rows built (not written).
 *
 * BENCH_SECONDS (default 3) per measured loop; BENCH_ACCOUNTS (default 1,000,000) for the planning run.
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

main().then((code) => {
  process.exitCode = code;
});
