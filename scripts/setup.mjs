#!/usr/bin/env node
// npm run setup: pinned pnpm -> frozen-lockfile install -> contracts generation -> build.
// Each step is skipped when its inputs have not changed since the last successful run, so a
// second run takes about a second.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pnpm, root } from './pnpm.mjs';

const quiet = process.argv.includes('--quiet');
const log = (msg) => {
  if (!quiet) console.error(`[setup] ${msg}`);
};
const stampFile = join(root, '.setup-stamp');
const stamp = existsSync(stampFile) ? JSON.parse(readFileSync(stampFile, 'utf8')) : {};

function hashFiles(paths) {
  const h = createHash('sha256');
  for (const p of paths.sort()) {
    h.update(relative(root, p));
    h.update(readFileSync(p));
  }
  return h.digest('hex');
}

function walk(dir, accept, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'generated' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, accept, out);
    else if (accept(p)) out.push(p);
  }
  return out;
}

function step(name, inputs, run) {
  const key = hashFiles(inputs);
  if (stamp[name] === key) return log(`${name}: up to date`);
  log(`${name}: running`);
  const status = run();
  if (status !== 0) {
    console.error(`[setup] ${name} failed (exit ${status})`);
    process.exit(status);
  }
  stamp[name] = key;
  writeFileSync(stampFile, JSON.stringify(stamp, null, 2));
}

const manifests = [
  join(root, 'package.json'),
  join(root, 'pnpm-workspace.yaml'),
  ...walk(join(root, 'libs'), (p) => p.endsWith('package.json')),
  ...walk(join(root, 'services'), (p) => p.endsWith('package.json')),
  ...walk(join(root, 'deploy', 'embedded'), (p) => p.endsWith('package.json')),
  ...walk(join(root, 'bench'), (p) => p.endsWith('package.json')),
  ...walk(join(root, 'tools'), (p) => p.endsWith('package.json')),
];
const lockfile = join(root, 'pnpm-lock.yaml');
const frozen = existsSync(lockfile) && process.env.SETUP_UPDATE_LOCKFILE !== '1';
step('install', existsSync(lockfile) ? [...manifests, lockfile] : manifests, () =>
  pnpm(['install', frozen ? '--frozen-lockfile' : '--no-frozen-lockfile', '--reporter=append-only']),
);

const protoInputs = [...walk(join(root, 'proto'), (p) => p.endsWith('.proto')), join(root, 'buf.gen.yaml')];
step('contracts', protoInputs, () => pnpm(['exec', 'buf', 'generate'], { stdio: quiet ? 'pipe' : 'inherit' }));

// tsc -b is incremental by itself; always run it (about a second when nothing changed).
log('build: tsc -b');
const status = pnpm(['exec', 'tsc', '-b', 'tsconfig.build.json']);
if (status !== 0) process.exit(status);
log('ready');
