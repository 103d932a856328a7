import { DataSource } from 'typeorm';
import { migrationTestDatabase } from '@collections/testing';
import { reportingService } from '../src/reporting.service';

/**
 * Migration 1763900018800 keeps each account's charge-off apart from its status: accounts whose
 * status is charged_off are backfilled with its day (and no balance kept), the rollup gains the
 * post-charge-off kinds from the facts, `kpi_contribution` computes them, and going back removes them.
 */
describe('reporting: post-charge-off recoveries (migration 1763900018800, real PostgreSQL)', () => {
  const all = reportingService.migrations;
  const at = all.findIndex((m) => m.name === 'ReportingPostChargeOffRecoveries1763900018800');
  const { open } = migrationTestDatabase('reporting');

  /** The rollup's post-charge-off rows, per tenant. */
  const chargeOffRows = async (d: DataSource) =>
    (await d.query(
      `SELECT tenant_id, kind, d1::text AS day, k1, n::int AS n, v::int AS v FROM kpi_rollup
        WHERE kind IN ('charged_off', 'post_charge_off') ORDER BY 1, 2, 3`,
    )) as { tenant_id: string; kind: string; day: string; k1: string; n: number; v: number }[];

  it('dates the charge-offs projected so far by their status, adds their recoveries to the rollup, and goes back', async () => {
    expect(at).toBeGreaterThan(0);
    const before = await open(all.slice(0, at));
    await before.query(
      `INSERT INTO account_fact (tenant_id, account_id, opened_on, currency, status, status_on, status_event_time) VALUES
         ('t1', 'acct-a', '2026-02-01', 'USD', 'charged_off', '2026-03-01', '2026-03-01T11:00:00Z'),
         ('t1', 'acct-b', '2026-02-01', 'USD', 'settled', '2026-03-01', '2026-03-01T11:00:00Z')`,
    );
    await before.query(
      `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at, paid_on) VALUES
         ('t1', 'pay-1', 'acct-a', 20000, 'USD', '2026-02-10T12:00:00Z', '2026-02-10'),
         ('t1', 'pay-2', 'acct-a', 3000, 'USD', '2026-03-05T12:00:00Z', '2026-03-05'),
         ('t1', 'pay-3', 'acct-b', 700, 'USD', '2026-03-05T12:00:00Z', '2026-03-05')`,
    );

    const after = await open(all.slice(0, at + 1));
    expect(
      await after.query(
        `SELECT account_id, charged_off_on::text AS charged_off_on, balance_kept_minor FROM account_fact ORDER BY 1`,
      ),
    ).toEqual([
      { account_id: 'acct-a', charged_off_on: '2026-03-01', balance_kept_minor: null },
      { account_id: 'acct-b', charged_off_on: null, balance_kept_minor: null },
    ]);
    const added = [
      { tenant_id: 't1', kind: 'charged_off', day: '2026-03-01', k1: 'f', n: 1, v: 0 },
      { tenant_id: 't1', kind: 'post_charge_off', day: '2026-03-05', k1: 'f', n: 0, v: 3000 },
    ];
    expect(await chargeOffRows(after)).toEqual(added);
    // the projections' function computes the same rows for the account
    expect(
      await after.query(
        `SELECT kind, d1::text AS day, k1, n::int AS n, v::int AS v
           FROM kpi_contribution(ARRAY['t1'], ARRAY['acct-a'], ARRAY['charged_off', 'post_charge_off']) ORDER BY 1, 2`,
      ),
    ).toEqual(added.map(({ tenant_id: _, ...r }) => r));

    await after.undoLastMigration({ transaction: 'each' });
    expect(await chargeOffRows(after)).toEqual([]);
    expect(
      await after.query(
        `SELECT count(*)::int AS n FROM information_schema.columns
          WHERE table_schema = 'reporting' AND table_name = 'account_fact' AND column_name LIKE '%charged_off%'`,
      ),
    ).toEqual([{ n: 0 }]);
  });
});
