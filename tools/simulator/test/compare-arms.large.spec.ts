import {
  ContactSource,
  FreshPlatform,
  PlatformClient,
  SIMULATION_START,
  SimulationResult,
  armsText,
  runSimulation,
  startContactCatchers,
  startFreshPlatform,
} from '../src';

// On a busy shared machine the embedded platform plays a business day of 120 accounts in about a minute.
jest.setTimeout(7_200_000);

// Enough accounts and days for both arms to use up their budget on most days (60 accounts an arm,
// about 3 contacts each in the first cycle, against 3 a day): the first
// statements fall due 10-20 days in, so contacts start about a week in and the second cycle's
// begin a month in.
const ACCOUNTS = Number(process.env.COMPARE_ARMS_ACCOUNTS ?? 120);
const DAYS = Number(process.env.COMPARE_ARMS_DAYS ?? 25);
const BUDGET = Math.max(1, Math.ceil(ACCOUNTS * 0.02));
const SEED = '21';

describe('the simulator comparing the scoring-driven strategy with a days-past-due-only one', () => {
  let platform: FreshPlatform;
  let client: PlatformClient;
  let sources: ContactSource[] = [];
  let result: SimulationResult;

  beforeAll(async () => {
    const catchers = await startContactCatchers(SEED, ACCOUNTS);
    sources = catchers.sources;
    platform = await startFreshPlatform({
      start: SIMULATION_START,
      env: { ...process.env, ...catchers.platformEnv, LOG_LEVEL: 'error' },
    });
    client = new PlatformClient(platform);
    result = await runSimulation(client, {
      accounts: ACCOUNTS,
      days: DAYS,
      seed: SEED,
      contactSources: sources,
      compareArms: { contactsPerDayPerArm: BUDGET },
    });
    process.stdout.write(`${armsText(result.arms!).join('\n')}\n`);
  });

  afterAll(async () => {
    client?.close();
    await platform?.stop();
    for (const source of sources) await source.close();
  });

  it('reports both arms, with the accounts split between them by the orchestrator', () => {
    const { ai, dpd } = result.arms!;
    expect(ai.arm).toBe('ai');
    expect(dpd.arm).toBe('dpd');
    // A 50/50 hash split: each arm within 5 standard deviations of half (sd = √n / 2).
    for (const arm of [ai, dpd]) expect(Math.abs(arm.accounts - ACCOUNTS / 2)).toBeLessThan(2.5 * Math.sqrt(ACCOUNTS));
    expect(ai.accounts + dpd.accounts).toBeLessThanOrEqual(ACCOUNTS);
    for (const arm of [ai, dpd]) {
      expect(arm.recoveredUsd).toBeGreaterThan(0);
      expect(arm.costUsd).toBeGreaterThan(0);
    }
  });

  it('gives both arms the same number of contacts, within the days their budgets were not used up', () => {
    const { ai, dpd } = result.arms!;
    expect(ai.contacts).toBeGreaterThan(0);
    // Each arm sends at most its budget a day, so neither exceeds budget × days (weekends included).
    const calendarDays = Math.ceil((DAYS * 7) / 5) + 2;
    for (const arm of [ai, dpd]) expect(arm.contacts).toBeLessThanOrEqual(BUDGET * calendarDays);
    // On days when both arms have more accounts due than budget, both send exactly the budget; the
    // difference comes from days when an arm had fewer due: the first days of a cycle. 10% allows it.
    expect(result.arms!.contactsDifferencePercent).toBeLessThanOrEqual(10);
    // What the catchers saw is what the orchestrator says it sent, but for the last move of the
    // clock's sends, which arrive after the debtors' last day (at most a day's budget).
    for (const arm of [ai, dpd]) {
      const observed = Object.values(arm.contactsObserved).reduce((a, b) => a + b, 0);
      expect(observed).toBeLessThanOrEqual(arm.contacts);
      expect(observed).toBeGreaterThanOrEqual(arm.contacts - BUDGET);
    }
  });
});
