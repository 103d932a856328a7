import { DataSource } from 'typeorm';
import { migrationTestDatabase } from '@collections/testing';
import { paidByMonth } from '../../src/scores/domain/account-history';
import { scoringService } from '../../src/scoring.service';

/**
 * Migration 1763900013000 keeps each payment with its posting time (months counted in the
 * account's time zone when it is scored) where the feature store summed payments by UTC month:
 * the months summed before stay what they were, whatever the account's time zone, and going back
 * sums the payments by UTC month again.
 */
describe('scoring: payments kept with their posting time (migration 1763900013000, real PostgreSQL)', () => {
  const all = scoringService.migrations;
  const at = all.findIndex((m) => m.name === 'ScoringPaymentTimeZone1763900013000');
  const { open } = migrationTestDatabase('scoring');

  const columns = async (d: DataSource, table: string) =>
    (
      (await d.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'scoring' AND table_name = $1 ORDER BY 1`,
        [table],
      )) as { column_name: string }[]
    ).map((r) => r.column_name);

  it('carries the UTC months over as payments that stay in their month in every time zone, and back', async () => {
    expect(at).toBeGreaterThan(0);
    const before = await open(all.slice(0, at));
    await before.query(
      `INSERT INTO account_profile (tenant_id, account_id, currency, credit_limit_minor) VALUES ('t1', 'acct-a', 'USD', 2000000)`,
    );
    await before.query(
      `INSERT INTO account_payment_month (tenant_id, account_id, month, paid_minor) VALUES
         ('t1', 'acct-a', '2026-01', 50000), ('t1', 'acct-a', '2026-02', 70000), ('t2', 'acct-a', '2025-12', 100),
         ('t1', 'acct-a', '+010000', 1)`,
    );

    const after = await open(all.slice(0, at + 1));
    expect(await columns(after, 'account_payment_month')).toEqual([]);
    expect(await columns(after, 'account_profile')).toContain('time_zone');
    const [profile] = (await after.query(`SELECT time_zone FROM account_profile`)) as { time_zone: string | null }[];
    expect(profile.time_zone).toBeNull(); // UTC until AccountOpened is seen again
    const payments = (await after.query(
      `SELECT tenant_id, payment_id, posted_at, paid_minor::int AS paid_minor FROM account_payment ORDER BY 1, 2`,
    )) as { tenant_id: string; payment_id: string; posted_at: Date; paid_minor: number }[];
    expect(payments).toEqual([
      {
        tenant_id: 't1',
        payment_id: 'utc-month:2026-01',
        posted_at: new Date('2026-01-15T12:00:00Z'),
        paid_minor: 50000,
      },
      {
        tenant_id: 't1',
        payment_id: 'utc-month:2026-02',
        posted_at: new Date('2026-02-15T12:00:00Z'),
        paid_minor: 70000,
      },
      {
        tenant_id: 't2',
        payment_id: 'utc-month:2025-12',
        posted_at: new Date('2025-12-15T12:00:00Z'),
        paid_minor: 100,
      },
    ]);
    const ofT1 = payments
      .filter((p) => p.tenant_id === 't1')
      .map((p) => ({ postedAt: p.posted_at, paidMinor: p.paid_minor }));
    // the zones furthest west and east (UTC-12, UTC+14), and Bogotá
    for (const zone of ['Etc/GMT+12', 'Pacific/Kiritimati', 'America/Bogota', null])
      expect(paidByMonth(ofT1, zone)).toEqual(
        new Map([
          ['2026-01', 50000],
          ['2026-02', 70000],
        ]),
      );

    // a payment taken in after the migration, at 21:00 on 31 January in Bogotá: February by UTC
    await after.query(
      `INSERT INTO account_payment (tenant_id, account_id, payment_id, posted_at, paid_minor)
       VALUES ('t1', 'acct-a', 'pay-1', '2026-02-01T02:00:00Z', 5000)`,
    );
    await after.undoLastMigration({ transaction: 'each' });
    expect(await columns(after, 'account_payment')).toEqual([]);
    expect(await columns(after, 'account_profile')).not.toContain('time_zone');
    expect(
      await after.query(
        `SELECT tenant_id, month, paid_minor::int AS paid_minor FROM account_payment_month ORDER BY 1, 2`,
      ),
    ).toEqual([
      { tenant_id: 't1', month: '2026-01', paid_minor: 50000 },
      { tenant_id: 't1', month: '2026-02', paid_minor: 75000 },
      { tenant_id: 't2', month: '2025-12', paid_minor: 100 },
    ]);
  });
});
