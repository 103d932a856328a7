import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { progress } from './report';

/**
 * Batch scoring throughput of the scoring service's production model. The work runs in the scoring
 * service's own compiled CLI (the bench package cannot import service sources), whose JSON lines are
 * forwarded as they come: rows/s from account histories to calibrated probabilities, and rows/s of the
 * compiled forest alone, each beside a plain loop over the same trees on a pre-built feature matrix.
 * Arguments after the bench name are passed on (e.g. --rows 500000, --model artifact.json).
 */
const ENTRY = join(__dirname, '..', '..', 'services', 'scoring', 'dist', 'model', 'cli', 'bench-batch.js');

async function main(): Promise<void> {
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
