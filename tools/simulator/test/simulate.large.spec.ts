import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FreshPlatform, PlatformClient, SimulationResult, runSimulation, startFreshPlatform } from '../src';

const REPO = join(__dirname, '..', '..', '..');
const START = '2026-01-05T12:00:00.000Z';

// Booting a fresh embedded platform (migrations of five services on PGlite) takes most of this
// file's time: 10-60 s each, depending on how busy the machine is. The simulations take seconds.
jest.setTimeout(900_000);

describe('the portfolio simulator', () => {
  let platforms: FreshPlatform[] = [];
  const clients: PlatformClient[] = [];
  let first: SimulationResult;
  let again: SimulationResult;

  const simulate = (client: PlatformClient, seed: string) => runSimulation(client, { accounts: 8, days: 3, seed });

  beforeAll(async () => {
    // Two fresh embedded platforms (what `npm start` runs) on simulated clocks, side by side.
    platforms = await Promise.all([
      startFreshPlatform({ start: START, env: { ...process.env, LOG_LEVEL: 'error' } }),
      startFreshPlatform({ start: START, env: { ...process.env, LOG_LEVEL: 'error' } }),
    ]);
    clients.push(...platforms.map((p) => new PlatformClient(p)));
    [first, again] = await Promise.all([simulate(clients[0], '11'), simulate(clients[1], '11')]);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(platforms.map((p) => p.stop()));
  });

  it('gives byte-identical JSON for the same seed on two fresh platforms', () => {
    expect(JSON.stringify(again, null, 2)).toBe(JSON.stringify(first, null, 2));
  });

  it('ends with the reporting KPIs, which count the money the debtors paid', () => {
    expect(first.businessDays).toBe(3);
    expect(first.kpis.length).toBeGreaterThan(0);
    const collected = first.kpis.reduce(
      (n, t) => n + (t.kpis.find((k) => k.name === 'collected_minor')?.value ?? 0),
      0,
    );
    const payments = first.activity.paymentsViaGateway + first.activity.paymentsViaBankFile;
    expect(payments > 0).toBe(collected > 0);
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
