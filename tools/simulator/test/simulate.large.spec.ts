import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const REPO = join(__dirname, '..', '..', '..');
const run = promisify(execFile);

/** `npm run simulate -- ... --json` against a fresh embedded platform of its own. */
async function simulate(seed: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [join(REPO, 'tools/simulator/dist/cli/simulate.js'), '--accounts', '8', '--days', '3', '--seed', seed, '--json'],
    { cwd: REPO, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'error' } },
  );
  return stdout;
}

describe('npm run simulate', () => {
  let first: string;
  let again: string;
  let other: string;

  beforeAll(async () => {
    // Three fresh platforms side by side: two with the same seed, one with another.
    [first, again, other] = await Promise.all([simulate('11'), simulate('11'), simulate('12')]);
  });

  it('gives byte-identical results for the same seed on fresh platforms', () => {
    expect(again).toBe(first);
  });

  it('gives a different result for another seed', () => {
    expect(other).not.toBe(first);
  });

  it('ends with the reporting KPIs of the money the debtors paid, per currency', () => {
    const result = JSON.parse(first) as {
      businessDays: number;
      activity: { paymentsViaGateway: number; paymentsViaBankFile: number };
      kpis: { currency: string; kpis: { name: string; value: number | null }[] }[];
    };
    expect(result.businessDays).toBe(3);
    const collected = result.kpis.reduce(
      (n, t) => n + (t.kpis.find((k) => k.name === 'collected_minor')?.value ?? 0),
      0,
    );
    const payments = result.activity.paymentsViaGateway + result.activity.paymentsViaBankFile;
    expect(payments > 0).toBe(collected > 0);
    expect(result.kpis.length).toBeGreaterThan(0);
  });
});
