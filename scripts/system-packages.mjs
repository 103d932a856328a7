#!/usr/bin/env node
// The programs outside npm that some tests start: headless Chromium (medium: the reporting
// management report), Prometheus with promtool and Alertmanager with amtool (large: dashboards,
// alert rules, alerting). `npm test` calls `ensureSystemPackages` for the tiers it runs, and
// `.ci/run` runs this file: what is missing is installed from Debian's apt when this process may
// (root, apt-get present), otherwise the command to run is printed and the tests that need it fail
// with the same words. A variable set to a binary's path (e.g. PROMETHEUS_BIN) counts as present.
//
//   node scripts/system-packages.mjs [medium,large]   (default: both)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** What each tier needs: a Debian package, the program's names on the PATH or its path, and the variable naming it. */
export const SYSTEM_PACKAGES = [
  {
    tier: 'medium',
    pkg: 'chromium',
    why: "the reporting service's management report test",
    commands: ['chromium'],
    paths: ['/usr/bin/chromium'],
    env: 'CHROMIUM_PATH',
  },
  {
    tier: 'large',
    pkg: 'prometheus',
    why: 'the Grafana panel and alert rule tests (prometheus, promtool)',
    commands: ['prometheus'],
    paths: ['/usr/bin/prometheus'],
    env: 'PROMETHEUS_BIN',
  },
  {
    tier: 'large',
    pkg: 'prometheus-alertmanager',
    why: 'the alerting test (alertmanager, amtool)',
    commands: ['prometheus-alertmanager', 'alertmanager'],
    paths: ['/usr/bin/prometheus-alertmanager'],
    env: 'ALERTMANAGER_BIN',
  },
];

const onPath = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

const present = (p, env) => Boolean(env[p.env]) || p.paths.some((path) => existsSync(path)) || p.commands.some(onPath);

/**
 * Installs, or names, the packages the tiers `tiers` need and this machine lacks. Returns the
 * packages still missing afterwards (empty when all are there).
 */
export function ensureSystemPackages(tiers, { env = process.env, log = console.error } = {}) {
  const missing = SYSTEM_PACKAGES.filter((p) => tiers.includes(p.tier) && !present(p, env));
  if (missing.length === 0) return [];
  const pkgs = missing.map((p) => p.pkg);
  const mayInstall = process.getuid?.() === 0 && onPath('apt-get');
  if (mayInstall) {
    log(`[test] installing ${pkgs.join(', ')} from apt (for ${missing.map((p) => p.why).join('; ')})`);
    const r = spawnSync(
      'sh',
      ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs.join(' ')}`],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (r.status !== 0) log(`[test] apt-get install ${pkgs.join(' ')} failed (exit ${r.status})`);
  }
  const still = missing.filter((p) => !present(p, env));
  for (const p of still)
    log(
      `[test] ${p.pkg} is missing, needed by ${p.why}: run \`sudo apt-get install -y ${p.pkg}\` (or set ${p.env} to its binary)`,
    );
  return still.map((p) => p.pkg);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const tiers = (process.argv[2] ?? 'medium,large').split(',');
  process.exit(ensureSystemPackages(tiers).length === 0 ? 0 : 1);
}
