import { DataSource } from 'typeorm';
import { migrationTestDatabase } from '@collections/testing';
import { reportingService } from '../src/reporting.service';

/**
 * Migration 1763900014600 dates each payment by `payment_fact.paid_on` where reporting dated it by
 * its posting day in UTC: payments already projected keep the day they were counted on (so the KPI
 * rollup stays as it was), the rollup's function reads `paid_on` from then on, and going back dates
 * every payment by its posting day in UTC again, the rollup included.
 */
describe('reporting: payments dated by the day they were made (migration 1763900014600, real PostgreSQL)', () => {
  const all = reportingService.migrations;
  const at = all.findIndex((m) => m.name === 'ReportingPaymentPaidOn1763900014600');
  const rollupBuilt = all.findIndex((m) => m.name === 'ReportingKpiRollup1763900008100');
  const { open } = migrationTestDatabase('reporting');

  const columns = async (d: DataSource) =>
    (
      (await d.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'reporting' AND table_name = 'payment_fact'`,
      )) as { column_name: string }[]
    ).map((r) => r.column_name);
  /** The rollup's net collections by day, per tenant. */
  const collectedByDay = async (d: DataSource) =>
    (await d.query(
      `SELECT tenant_id, d1::text AS day, v::int AS v FROM kpi_rollup WHERE kind = 'collected' AND v <> 0 ORDER BY 1, 2`,
    )) as { tenant_id: string; day: string; v: number }[];
  /** What `kpi_contribution` (the function the projections move the rollup with) gives t1's account by day. */
  const contributionByDay = async (d: DataSource) =>
    (await d.query(
      `SELECT d1::text AS day, v::int AS v FROM kpi_contribution(ARRAY['t1'], ARRAY['acct-a'], ARRAY['collected'])
        ORDER BY 1`,
    )) as { day: string; v: number }[];

  it('keeps the UTC posting day of the payments counted so far, then dates new ones by paid_on, and back', async () => {
    expect(at).toBeGreaterThan(0);
    // payments projected before the rollup existed: its migration builds it from them
    const early = await open(all.slice(0, rollupBuilt));
    await early.query(
      `INSERT INTO account_fact (tenant_id, account_id, opened_on, currency) VALUES
         ('t1', 'acct-a', '2026-02-01', 'USD'), ('t2', 'acct-a', '2026-02-01', 'USD')`,
    );
    // 21:00 on 02-28 in Bogotá is 03-01 by UTC, the day it was counted on until now
    await early.query(
      `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at) VALUES
         ('t1', 'pay-1', 'acct-a', 20000, 'USD', '2026-03-01T02:00:00Z'),
         ('t1', 'pay-2', 'acct-a', 5000, 'USD', '2026-02-27T23:30:00Z'),
         ('t2', 'pay-1', 'acct-a', 700, 'USD', '2026-02-10T12:00:00Z')`,
    );
    const before = await open(all.slice(0, at));
    const rollupBefore = await collectedByDay(before);
    expect(rollupBefore).toEqual([
      { tenant_id: 't1', day: '2026-02-27', v: 5000 },
      { tenant_id: 't1', day: '2026-03-01', v: 20000 },
      { tenant_id: 't2', day: '2026-02-10', v: 700 },
    ]);

    const after = await open(all.slice(0, at + 1));
    expect(
      await after.query(`SELECT tenant_id, payment_id, paid_on::text AS paid_on FROM payment_fact ORDER BY 1, 2`),
    ).toEqual([
      { tenant_id: 't1', payment_id: 'pay-1', paid_on: '2026-03-01' },
      { tenant_id: 't1', payment_id: 'pay-2', paid_on: '2026-02-27' },
      { tenant_id: 't2', payment_id: 'pay-1', paid_on: '2026-02-10' },
    ]);
    expect(await collectedByDay(after)).toEqual(rollupBefore);
    // a payment of a bank file posted on 03-02, made on 02-27
    await after.query(
      `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at, paid_on)
       VALUES ('t1', 'pay-3', 'acct-a', 1000, 'USD', '2026-03-02T09:00:00Z', '2026-02-27')`,
    );
    expect(await contributionByDay(after)).toEqual([
      { day: '2026-02-27', v: 6000 },
      { day: '2026-03-01', v: 20000 },
    ]);
    await expect(
      after.query(
        `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at)
         VALUES ('t1', 'pay-4', 'acct-a', 1, 'USD', now())`,
      ),
    ).rejects.toThrow(/paid_on/);

    await after.undoLastMigration({ transaction: 'each' });
    expect(await columns(after)).not.toContain('paid_on');
    expect(await contributionByDay(after)).toEqual([
      { day: '2026-02-27', v: 5000 },
      { day: '2026-03-01', v: 20000 },
      { day: '2026-03-02', v: 1000 },
    ]);
    expect(await collectedByDay(after)).toEqual([
      { tenant_id: 't1', day: '2026-02-27', v: 5000 },
      { tenant_id: 't1', day: '2026-03-01', v: 20000 },
      { tenant_id: 't1', day: '2026-03-02', v: 1000 },
      { tenant_id: 't2', day: '2026-02-10', v: 700 },
    ]);

    // and forward again
    const again = await open(all);
    expect(
      await again.query(
        `SELECT payment_id, paid_on::text AS paid_on FROM payment_fact WHERE tenant_id = 't1' ORDER BY 1`,
      ),
    ).toEqual([
      { payment_id: 'pay-1', paid_on: '2026-03-01' },
      { payment_id: 'pay-2', paid_on: '2026-02-27' },
      { payment_id: 'pay-3', paid_on: '2026-03-02' },
    ]);
  });
});
