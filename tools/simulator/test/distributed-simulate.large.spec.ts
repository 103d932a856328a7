import {
  ContactSource,
  FreshPlatform,
  PlatformClient,
  SIMULATION_START,
  SimulationResult,
  runSimulation,
  startContactCatchers,
  startFreshDistributedPlatform,
  startFreshPlatform,
} from '../src';

// Two fresh platforms boot here (the embedded one runs its migrations on PGlite, the distributed
// one five processes over Kafka), then the same portfolio plays on both.
jest.setTimeout(900_000);

const ACCOUNTS = 200;
const DAYS = 10;
const SEED = '42';

describe('the portfolio simulator on the distributed platform', () => {
  const platforms: FreshPlatform[] = [];
  const clients: PlatformClient[] = [];
  const sources: ContactSource[] = [];
  let embedded: SimulationResult;
  let distributed: SimulationResult;

  const simulate = async (mode: 'embedded' | 'distributed'): Promise<SimulationResult> => {
    const catchers = await startContactCatchers(SEED, ACCOUNTS);
    sources.push(...catchers.sources);
    const env = { ...process.env, ...catchers.platformEnv, LOG_LEVEL: 'error' };
    const platform =
      mode === 'embedded'
        ? await startFreshPlatform({ start: SIMULATION_START, env })
        : await startFreshDistributedPlatform({ start: SIMULATION_START, env });
    platforms.push(platform);
    const client = new PlatformClient(platform);
    clients.push(client);
    return runSimulation(client, { accounts: ACCOUNTS, days: DAYS, seed: SEED, contactSources: catchers.sources });
  };

  beforeAll(async () => {
    // One after the other: the machine is small, and each run is then as it is alone.
    embedded = await simulate('embedded');
    distributed = await simulate('distributed');
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all(platforms.map((p) => p.stop()));
    for (const source of sources) await source.close();
  });

  it('gives the same activity, first-due default rate and money collected as the embedded platform', () => {
    expect(distributed.activity).toEqual(embedded.activity);
    expect(distributed.firstDueMissedRate).toEqual(embedded.firstDueMissedRate);
    const collected = (r: SimulationResult) =>
      r.kpis.map((t) => [t.currency, t.kpis.find((k) => k.name === 'collected_minor')?.value]);
    expect(collected(distributed)).toEqual(collected(embedded));
  });

  // Issue 8: "embedded and distributed runs with the same seed give identical KPIs". Over Kafka (four
  // partitions a topic) the orchestrator gets ledger, scoring and promises facts in another order
  // than in-process (one partition); on the simulated clock an event only marks its account and the
  // clock's next move plans it on settled facts (planning README), so the order cannot show.
  it('gives the same KPIs as the embedded platform for the same seed (whole result)', () => {
    expect(distributed).toEqual(embedded);
  });

  it('played a portfolio in which debtors paid and were contacted', () => {
    const collected = distributed.kpis.reduce(
      (n, t) => n + (t.kpis.find((k) => k.name === 'collected_minor')?.value ?? 0),
      0,
    );
    expect(collected).toBeGreaterThan(0);
    expect(distributed.activity.contactsObserved.email ?? 0).toBeGreaterThan(0);
  });
});
