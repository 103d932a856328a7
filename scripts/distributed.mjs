#!/usr/bin/env node
// npm run start:distributed: the five services as separate processes over Kafka and
// PostgreSQL (DATABASE_URL, KAFKA_BROKERS, API_KEYS from the environment). Ctrl-C stops all.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { root } from './pnpm.mjs';

const services = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'];
const env = { API_KEYS: 'demo:demo-key', ...process.env };
// promises settles through the ledger's gRPC API (ledger on 50051), as the same tenants
env.PROMISES_LEDGER_API_KEYS ??= env.API_KEYS;
// and asks scoring (on 50052) for the relapse risk of a completed plan
env.PROMISES_SCORING_API_KEYS ??= env.API_KEYS;
// the orchestrator signs payment links and promises honours them, with one secret
env.PAYMENT_LINK_SECRET ??= randomBytes(32).toString('base64url');
// the orchestrator reads debtors' addresses from the ledger's gRPC API at send time
env.ORCHESTRATOR_LEDGER_API_KEYS ??= env.API_KEYS;
const children = services.map((name) => {
  const child = spawn(process.execPath, [join(root, 'services', name, 'dist', 'main.js')], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${name.padEnd(12)} ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    process.stdout.write(`${name.padEnd(12)} exited (${signal ?? code})\n`);
    if (!stopping) stop(1);
  });
  return child;
});
let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 10_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() =>
    process.exit(code),
  );
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
