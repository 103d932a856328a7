#!/usr/bin/env node
// Runs the pnpm version pinned in package.json ("packageManager"), installing it into
// .tools/ from the npm registry on first use, so a fresh machine needs only Node and npm.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function pinnedPnpmVersion() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const match = /^pnpm@(.+)$/.exec(pkg.packageManager ?? '');
  if (!match) throw new Error('package.json has no "packageManager": "pnpm@<version>" entry');
  return match[1];
}

export function pnpmBin() {
  const version = pinnedPnpmVersion();
  const prefix = join(root, '.tools', `pnpm-${version}`);
  const bin = join(prefix, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  if (!existsSync(bin)) {
    console.error(`[setup] installing pnpm ${version} into .tools/`);
    const r = spawnSync(
      'npm',
      [
        'install',
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        '--prefix',
        prefix,
        `pnpm@${version}`,
      ],
      { stdio: 'inherit', cwd: root },
    );
    if (r.status !== 0) throw new Error(`could not install pnpm ${version} (npm exit ${r.status})`);
  }
  return bin;
}

export function pnpm(args, opts = {}) {
  const r = spawnSync(process.execPath, [pnpmBin(), ...args], { stdio: 'inherit', cwd: root, ...opts });
  return r.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exit(pnpm(process.argv.slice(2)));
}
