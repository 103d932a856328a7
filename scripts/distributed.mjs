#!/usr/bin/env node
// npm run start:distributed: the five services as separate processes over Kafka and
// PostgreSQL (DATABASE_URL, KAFKA_BROKERS, API_KEYS from the environment). Ctrl-C stops all.
//
// PLATFORM_CLOCK=simulated (and PLATFORM_CLOCK_START) puts every process on a simulated clock that
// serves collections.platform.v1.SimulationService; the simulator coordinates them
// (`npm run simulate -- --distributed`).
//
// --fresh: a platform of its own beside others on the same machine — a new database on the
// DATABASE_URL server (dropped on exit), a unique Kafka topic prefix and free ports.
// --ready-json: once every service answers /ready, one line on stdout
// `{"ready":true,"services":{"ledger":{"http":...,"grpc":...},...}}` (for a launcher like the simulator).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { root } from './pnpm.mjs';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--fresh' && a !== '--ready-json');
if (unknown.length > 0) {
  process.stderr.write(`start:distributed: unknown option(s) ${unknown.join(' ')} (known: --fresh, --ready-json)\n`);
  process.exit(2);
}
const fresh = args.includes('--fresh');
const readyJson = args.includes('--ready-json');

const services = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'];
const DEFAULT_PORTS = {
  ledger: [3001, 50051],
  scoring: [3002, 50052],
  orchestrator: [3003, 50053],
  promises: [3004, 50054],
  reporting: [3005, 50055],
};

// Free ports below the ephemeral range, as tests pick them (libs/platform/src/ports.ts, built by setup
// with the services): a port the kernel hands out for `listen(0)` can be taken by an outgoing
// PostgreSQL or Kafka connection before the service binds it (EADDRINUSE, a failed CI run).
const freePort = () => createRequire(import.meta.url)(join(root, 'libs', 'platform', 'dist', 'ports.js')).freePort();

/** A database of its own on the DATABASE_URL server (pg comes with the runtime library). */
async function freshDatabase(serverUrl) {
  const { Client } = createRequire(join(root, 'libs', 'runtime', 'package.json'))('pg');
  const name = `distributed_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const c = new Client({ connectionString: serverUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

const env = { API_KEYS: 'demo:demo-key', ...process.env };
let database;
if (fresh) {
  database = await freshDatabase(env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  env.DATABASE_URL = database.url;
  env.KAFKA_TOPIC_PREFIX = `dist${randomBytes(4).toString('hex')}.`;
}
const addresses = {};
for (const name of services) {
  const [http, grpc] = fresh ? [await freePort(), await freePort()] : DEFAULT_PORTS[name];
  addresses[name] = { httpPort: http, grpcPort: grpc };
}
const grpcOf = (name) => `127.0.0.1:${addresses[name].grpcPort}`;
// promises settles through the ledger's gRPC API, as the same tenants
env.PROMISES_LEDGER_GRPC_ADDRESS ??= grpcOf('ledger');
env.PROMISES_LEDGER_API_KEYS ??= env.API_KEYS;
// and asks scoring for the relapse risk of a completed plan
env.PROMISES_SCORING_GRPC_ADDRESS ??= grpcOf('scoring');
env.PROMISES_SCORING_API_KEYS ??= env.API_KEYS;
// the orchestrator signs payment links and promises honours them, with one secret
env.PAYMENT_LINK_SECRET ??= randomBytes(32).toString('base64url');
// the orchestrator reads debtors' addresses from the ledger's gRPC API at send time
env.ORCHESTRATOR_LEDGER_GRPC_ADDRESS ??= grpcOf('ledger');
env.ORCHESTRATOR_LEDGER_API_KEYS ??= env.API_KEYS;
// the service logs go to stderr when stdout carries the ready line
const out = readyJson ? process.stderr : process.stdout;
const children = services.map((name) => {
  const child = spawn(process.execPath, [join(root, 'services', name, 'dist', 'main.js')], {
    env: {
      ...env,
      ...(fresh
        ? {
            HTTP_HOST: '127.0.0.1',
            GRPC_HOST: '127.0.0.1',
            HTTP_PORT: String(addresses[name].httpPort),
            GRPC_PORT: String(addresses[name].grpcPort),
          }
        : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => out.write(`${name.padEnd(12)} ${line}\n`));
  }
  child.on('exit', (code, signal) => {
    out.write(`${name.padEnd(12)} exited (${signal ?? code})\n`);
    if (!stopping) stop(1);
  });
  return child;
});
let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 15_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null)))
    .then(() => database?.drop())
    .catch((err) => process.stderr.write(`could not drop the fresh database: ${err.message}\n`))
    .finally(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// Every service answers /ready: say where they are.
const deadline = Date.now() + 300_000;
for (const name of services) {
  for (;;) {
    if (stopping) break;
    try {
      if ((await fetch(`http://127.0.0.1:${addresses[name].httpPort}/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      out.write(`${name.padEnd(12)} not ready after 5 minutes; stopping\n`);
      stop(1);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
if (!stopping) {
  const listed = Object.fromEntries(
    services.map((name) => [
      name,
      { http: `http://127.0.0.1:${addresses[name].httpPort}`, grpc: `127.0.0.1:${addresses[name].grpcPort}` },
    ]),
  );
  if (readyJson) process.stdout.write(`${JSON.stringify({ ready: true, services: listed })}\n`);
  else
    out.write(
      `\nall five services ready:\n${services.map((n) => `  ${n.padEnd(12)} REST ${listed[n].http}  gRPC ${listed[n].grpc}`).join('\n')}\n` +
        (env.PLATFORM_CLOCK === 'simulated'
          ? '  clock        simulated: each service serves collections.platform.v1.SimulationService\n'
          : '') +
        '\n',
    );
}
