import { parseArgs } from 'node:util';
import { startContactCatchers } from '../contacts/catchers';
import { ContactSource } from '../contacts/contact-source';
import { PlatformClient } from '../platform/platform-client';
import { FreshPlatform, startFreshPlatform } from '../platform/embedded-platform';
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
  let address;
  const contactSources: ContactSource[] = [];
  if (values.platform) {
    const url = new URL(values.platform);
    address = {
      http: values.platform.replace(/\/$/, ''),
      grpc: values.grpc ?? `${url.hostname}:50050`,
      apiKey: values['api-key'] ?? 'demo-key',
    };
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

main().catch((err: unknown) => {
  process.stderr.write(`simulate: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
