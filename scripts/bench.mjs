#!/usr/bin/env node
// npm run bench -- <name>: runs bench/dist/<name>.js, which prints JSON lines with a ratio
// against the raw engine doing the same work in the same run.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './pnpm.mjs';

const name = process.argv[2];
const available = readdirSync(join(root, 'bench', 'src'))
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.replace(/\.bench\.ts$/, ''));
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name>   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const entry = join(root, 'bench', 'dist', `${name}.bench.js`);
if (!existsSync(entry)) {
  console.error(`${entry} is missing: run npm run setup`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [entry, ...process.argv.slice(3)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
