import { DataSource } from 'typeorm';
import { migrationTestDatabase } from '@collections/testing';
import { KINDS_BEFORE_CHARGE_OFF, PAID_ON, rebuildRollupSql } from '../src/kpis/kpi-rollup';
import { reportingService } from '../src/reporting.service';

/**
 * Migration 1763900014700 keeps the account's time zone and whether a payment's day is its effective
 * date: payments projected so far keep their day (no account has a zone yet), one whose day is not
 * its UTC posting day is taken as effective-dated, and going back dates the others by their UTC
 * posting day again, the KPI rollup included.
 */
describe("reporting: payments dated in their account's time zone (migration 1763900014700, real PostgreSQL)", () => {
  const all = reportingService.migrations;
  const at = all.findIndex((m) => m.name === 'ReportingAccountTimeZone1763900014700');
  const { open } = migrationTestDatabase('reporting');

  const payments = async (d: DataSource) =>
    (await d.query(
      `SELECT payment_id, paid_on::text AS paid_on, effective_on::text AS effective_on FROM payment_fact ORDER BY 1`,
    )) as { payment_id: string; paid_on: string; effective_on: string | null }[];
  /** The rollup's net collections by day. */
  const collectedByDay = async (d: DataSource) =>
    (await d.query(
      `SELECT d1::text AS day, v::int AS v FROM kpi_rollup WHERE kind = 'collected' AND v <> 0 ORDER BY 1`,
    )) as { day: string; v: number }[];

  it('keeps every day, marks the effective-dated payments, and goes back to UTC days for the others', async () => {
    expect(at).toBeGreaterThan(0);
    const before = await open(all.slice(0, at));
    await before.query(
      `INSERT INTO account_fact (tenant_id, account_id, opened_on, currency) VALUES ('t1', 'acct-a', '2026-02-01', 'USD')`,
    );
    // pay-1: no effective date, its UTC posting day; pay-2: a bank file's payment posted 03-02, made 02-27
    await before.query(
      `INSERT INTO payment_fact (tenant_id, payment_id, account_id, amount_minor, currency, posted_at, paid_on) VALUES
         ('t1', 'pay-1', 'acct-a', 20000, 'USD', '2026-03-01T02:00:00Z', '2026-03-01'),
         ('t1', 'pay-2', 'acct-a', 1000, 'USD', '2026-03-02T09:00:00Z', '2026-02-27')`,
    );
    for (const sql of rebuildRollupSql(PAID_ON, KINDS_BEFORE_CHARGE_OFF)) await before.query(sql);
    const rollupBefore = await collectedByDay(before);
    expect(rollupBefore).toEqual([
      { day: '2026-02-27', v: 1000 },
      { day: '2026-03-01', v: 20000 },
    ]);

    const after = await open(all.slice(0, at + 1));
    expect(await payments(after)).toEqual([
      { payment_id: 'pay-1', paid_on: '2026-03-01', effective_on: null },
      { payment_id: 'pay-2', paid_on: '2026-02-27', effective_on: '2026-02-27' },
    ]);
    expect(await after.query(`SELECT time_zone FROM account_fact`)).toEqual([{ time_zone: null }]);
    expect(await collectedByDay(after)).toEqual(rollupBefore);

    // the account's opening then names Bogotá: pay-1 moves to 28 February, as the projection leaves it
    await after.query(`UPDATE account_fact SET time_zone = 'America/Bogota'`);
    await after.query(`UPDATE payment_fact SET paid_on = '2026-02-28' WHERE payment_id = 'pay-1'`);
    for (const sql of rebuildRollupSql(PAID_ON, KINDS_BEFORE_CHARGE_OFF)) await after.query(sql);

    await after.undoLastMigration({ transaction: 'each' });
    expect(
      await after.query(
        `SELECT column_name FROM information_schema.columns
          WHERE table_schema = 'reporting' AND column_name IN ('time_zone', 'effective_on')`,
      ),
    ).toEqual([]);
    expect(await after.query(`SELECT payment_id, paid_on::text AS paid_on FROM payment_fact ORDER BY 1`)).toEqual([
      { payment_id: 'pay-1', paid_on: '2026-03-01' },
      { payment_id: 'pay-2', paid_on: '2026-02-27' },
    ]);
    expect(await collectedByDay(after)).toEqual(rollupBefore);

    // and forward again
    const again = await open(all);
    expect(await payments(again)).toEqual([
      { payment_id: 'pay-1', paid_on: '2026-03-01', effective_on: null },
      { payment_id: 'pay-2', paid_on: '2026-02-27', effective_on: '2026-02-27' },
    ]);
  });
});
