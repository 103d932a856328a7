import { parseArgs } from 'node:util';
import { startContactCatchers } from '../contacts/catchers';
import { ContactSource } from '../contacts/contact-source';
import { ServiceName } from '@collections/contracts';
import { PlatformAddress, PlatformClient, ServiceAddress } from '../platform/platform-client';
import { FreshPlatform, startFreshPlatform } from '../platform/embedded-platform';
import { startFreshDistributedPlatform } from '../platform/distributed-platform';
import { ProgressBar } from '../progress';
import { kpiTableText } from '../report';
import { SIMULATION_START, runSimulation } from '../simulation';

const USAGE = `npm run simulate -- --accounts N --days D --seed S [--json]
  Runs a seeded portfolio for D business days on the platform's simulated clock and prints the KPIs.
  --accounts N   debtors, one account each (default 50)
  --days D       business days (default 20)
  --seed S       same seed, same run (default 1)
  --json         the result as JSON on stdout instead of the table
  --platform URL a running platform started with PLATFORM_CLOCK=simulated (REST base URL);
                 default: a fresh embedded platform in a temporary folder
  --grpc H:P     its gRPC address (with --platform; default the URL's host and port 50050)
  --api-key K    its API key (with --platform; default demo-key)
  --distributed  the five services as processes over Kafka and PostgreSQL (KAFKA_BROKERS,
                 DATABASE_URL): a fresh set (new database, own topic prefix, free ports), or with
                 --platform http://HOST the ones \`PLATFORM_CLOCK=simulated npm run start:distributed\`
                 runs on HOST's default ports (SIMULATE_SERVICES='{"ledger":{"http":..,"grpc":..},..}'
                 names other addresses)
  --progress     draw the progress bar even when stderr is not a terminal
  --compare-arms the scoring-driven strategy against a days-past-due-only one, half the accounts
                 each, at an equal daily contact budget; reports both arms (recovered, cost, uplift)
  --arm-budget N contacts a day per arm with --compare-arms (default: 2% of the accounts, at least 1)`;

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number, got ${value}`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string' },
      days: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean', default: false },
      platform: { type: 'string' },
      grpc: { type: 'string' },
      'api-key': { type: 'string' },
      distributed: { type: 'boolean', default: false },
      progress: { type: 'boolean', default: false },
      'compare-arms': { type: 'boolean', default: false },
      'arm-budget': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const accounts = positive('accounts', values.accounts, 50);
  const days = positive('days', values.days, 20);
  const seed = values.seed ?? '1';
  const armBudget = positive('arm-budget', values['arm-budget'], Math.max(1, Math.ceil(accounts * 0.02)));

  let fresh: FreshPlatform | undefined;
  let address: PlatformAddress;
  const contactSources: ContactSource[] = [];
  if (values.platform && values.distributed) {
    const services = runningServices(new URL(values.platform).hostname);
    address = { ...services.ledger, services, apiKey: values['api-key'] ?? 'demo-key' };
  } else if (values.platform) {
    const url = new URL(values.platform);
    address = {
      http: values.platform.replace(/\/$/, ''),
      grpc: values.grpc ?? `${url.hostname}:50050`,
      apiKey: values['api-key'] ?? 'demo-key',
    };
  } else if (values.distributed) {
    const catchers = await startContactCatchers(seed, accounts);
    contactSources.push(...catchers.sources);
    process.stderr.write('starting a fresh distributed platform (five processes over Kafka) on a simulated clock...\n');
    fresh = await startFreshDistributedPlatform({
      start: SIMULATION_START,
      env: { ...process.env, ...catchers.platformEnv },
    });
    address = fresh;
  } else {
    // The platform's email, SMS and WhatsApp go to catchers hosted here, where debtors "read" them.
    const catchers = await startContactCatchers(seed, accounts);
    contactSources.push(...catchers.sources);
    process.stderr.write('starting a fresh embedded platform on a simulated clock...\n');
    fresh = await startFreshPlatform({
      start: SIMULATION_START,
      env: { ...process.env, ...catchers.platformEnv },
      // Migrations on PGlite take minutes on a busy machine: SIMULATE_READY_MS waits longer.
      readyWithinMs: Number(process.env.SIMULATE_READY_MS ?? 300_000),
    });
    address = fresh;
  }
  // Ctrl-C stops a fresh platform too (a distributed one drops its database).
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      void (fresh?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
    });
  const client = new PlatformClient(address);
  try {
    const result = await runSimulation(client, {
      accounts,
      days,
      seed,
      contactSources,
      progress: new ProgressBar(days, values.progress || process.stderr.isTTY === true),
      ...(values['compare-arms'] ? { compareArms: { contactsPerDayPerArm: armBudget } } : {}),
    });
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : `${kpiTableText(result)}\n`);
  } finally {
    client.close();
    await fresh?.stop();
    for (const source of contactSources) await source.close();
  }
}

/** Where `npm run start:distributed` serves on `host` (its default ports), or SIMULATE_SERVICES. */
function runningServices(host: string): Record<ServiceName, ServiceAddress> {
  if (process.env.SIMULATE_SERVICES)
    return JSON.parse(process.env.SIMULATE_SERVICES) as Record<ServiceName, ServiceAddress>;
  const ports: [ServiceName, number, number][] = [
    ['ledger', 3001, 50051],
    ['scoring', 3002, 50052],
    ['orchestrator', 3003, 50053],
    ['promises', 3004, 50054],
    ['reporting', 3005, 50055],
  ];
  return Object.fromEntries(
    ports.map(([name, http, grpc]) => [name, { http: `http://${host}:${http}`, grpc: `${host}:${grpc}` }]),
  ) as Record<ServiceName, ServiceAddress>;
}

main().catch((err: unknown) => {
  process.stderr.write(`simulate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
