import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  ContactSource,
  FreshPlatform,
  PlatformClient,
  SIMULATION_START,
  SimulationResult,
  runSimulation,
  startContactCatchers,
  startFreshPlatform,
} from '../src';

const REPO = join(__dirname, '..', '..', '..');

// Booting a fresh embedded platform (migrations of five services on PGlite) takes most of this
// file's time: 10-60 s each, depending on how busy the machine is. The simulations take seconds.
jest.setTimeout(900_000);

describe('the portfolio simulator', () => {
  let platforms: FreshPlatform[] = [];
  const clients: PlatformClient[] = [];
  const sources: ContactSource[][] = [];
  let first: SimulationResult;
  let again: SimulationResult;

  // Ten business days: the first statements fall due 10-20 days in, so their D-3 reminders and
  // due-day messages go out within the run.
  const simulate = (client: PlatformClient, seed: string, contactSources: ContactSource[]) =>
    runSimulation(client, { accounts: 8, days: 10, seed, contactSources });

  beforeAll(async () => {
    // Two fresh embedded platforms (what `npm start` runs) on simulated clocks, side by side,
    // each sending its contacts to its own SMTP catcher and SMS/WhatsApp stand-ins.
    const catchers = await Promise.all([startContactCatchers('11', 8), startContactCatchers('11', 8)]);
    sources.push(...catchers.map((c) => c.sources));
    platforms = await Promise.all(
      catchers.map((c) =>
        startFreshPlatform({ start: SIMULATION_START, env: { ...process.env, ...c.platformEnv, LOG_LEVEL: 'error' } }),
      ),
    );
    clients.push(...platforms.map((p) => new PlatformClient(p)));
    [first, again] = await Promise.all([
      simulate(clients[0], '11', sources[0]),
      simulate(clients[1], '11', sources[1]),
    ]);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(platforms.map((p) => p.stop()));
    for (const source of sources.flat()) await source.close();
  });

  it('gives byte-identical JSON for the same seed on two fresh platforms', () => {
    expect(JSON.stringify(again, null, 2)).toBe(JSON.stringify(first, null, 2));
  });

  it('ends with the reporting KPIs, which count the money the debtors paid', () => {
    expect(first.businessDays).toBe(10);
    expect(first.kpis.length).toBeGreaterThan(0);
    const collected = first.kpis.reduce(
      (n, t) => n + (t.kpis.find((k) => k.name === 'collected_minor')?.value ?? 0),
      0,
    );
    const payments = first.activity.paymentsViaGateway + first.activity.paymentsViaBankFile;
    expect(payments > 0).toBe(collected > 0);
  });

  it('sees the contacts the platform sent: the strategy’s e-mail reminders reach the SMTP catcher', () => {
    const observed = first.activity.contactsObserved;
    expect(observed.email ?? 0).toBeGreaterThan(0);
    const attempts = first.kpis.reduce(
      (n, t) => n + (t.kpis.find((k) => k.name === 'contact_attempts')?.value ?? 0),
      0,
    );
    expect(attempts).toBeGreaterThan(0);
  });

  it('gives a different result for another seed (npm run simulate against a running platform)', async () => {
    const p = platforms[0];
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(REPO, 'tools/simulator/dist/cli/simulate.js'),
        ...['--platform', p.http, '--grpc', p.grpc, '--api-key', p.apiKey],
        ...['--accounts', '8', '--days', '2', '--seed', '12', '--json'],
      ],
      { cwd: REPO, maxBuffer: 16 * 1024 * 1024 },
    );
    const other = JSON.parse(stdout) as SimulationResult;
    expect(other.seed).toBe('12');
    expect(other.kpis).not.toEqual(first.kpis);
  });
});
