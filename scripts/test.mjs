#!/usr/bin/env node
// npm test: every tier (chaos last: services killed, its own broker restarted, ~8-20 minutes). small needs nothing; medium and large get PostgreSQL and Kafka from
// libs/testing (environment -> testcontainers -> local processes), which stops what it started.
// Extra arguments go to Jest, e.g. `npm test -- --selectProjects small` or a path pattern.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './pnpm.mjs';
import { ensureSystemPackages } from './system-packages.mjs';

const require = createRequire(import.meta.url);
const jestBin = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const args = process.argv.slice(2);
const onlyProjects = [];
for (let i = 0; i < args.length; i++) if (args[i] === '--selectProjects') onlyProjects.push(args[i + 1]);
const tiers = (onlyProjects.length ? onlyProjects : ['small', 'medium', 'large', 'chaos']).filter(
  (t) => t !== undefined,
);
const passThrough = args.filter((a, i) => a !== '--selectProjects' && args[i - 1] !== '--selectProjects');
const outDir = mkdtempSync(join(tmpdir(), 'collections-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };

function runTier(tier, env) {
  const out = join(outDir, `${tier}.json`);
  const r = spawnSync(
    process.execPath,
    [
      jestBin,
      '--selectProjects',
      tier,
      '--json',
      `--outputFile=${out}`,
      // Jest replaces a worker whose heap passes 1 GB after a file: each file loads Nest, TypeORM,
      // grpc-js and kafkajs afresh and Jest keeps part of every file's modules, so one process running
      // all ~180 medium files in band grew past Node's 4 GB heap and died, taking the tier's results
      // with it (CI of f7409f2). The infrastructure tiers still run one file at a time: their files
      // share one database and one broker.
      '--workerIdleMemoryLimit=1GB',
      ...(tier === 'small' ? [] : ['--maxWorkers=1']),
      // A suite that leaks a server or a pool must fail its tests, not hang the run until CI's timeout
      // (Jest still prints that it did not exit).
      '--forceExit',
      ...passThrough,
    ],
    { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } },
  );
  try {
    const result = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += result.numPassedTests;
    totals.failed += result.numFailedTests;
    totals.skipped += result.numPendingTests + result.numTodoTests;
    if (result.numTotalTestSuites > 0 && result.numRuntimeErrorTestSuites > 0)
      totals.failed += result.numRuntimeErrorTestSuites;
  } catch {
    totals.failed += 1; // Jest itself failed before writing results
  }
  return r.status ?? 1;
}

let status = 0;
if (tiers.includes('small')) status ||= runTier('small', {});
const infraTiers = tiers.filter((t) => t !== 'small');
if (infraTiers.length) {
  // Chromium, Prometheus and Alertmanager, installed from apt when missing (or named, when this user cannot).
  ensureSystemPackages(infraTiers);
  const { provideInfrastructure } = require(join(root, 'libs', 'testing', 'dist'));
  const infra = await provideInfrastructure({ kafka: true });
  console.error(
    `[test] PostgreSQL from ${infra.source.postgres}, Kafka from ${infra.source.kafka} (${infra.kafkaBrokers.join(',')})`,
  );
  const env = { DATABASE_URL: infra.databaseUrl, KAFKA_BROKERS: infra.kafkaBrokers.join(',') };
  try {
    for (const tier of infraTiers) status = runTier(tier, env) || status;
  } finally {
    await infra.stop();
  }
}
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(status || (totals.failed > 0 ? 1 : 0));
