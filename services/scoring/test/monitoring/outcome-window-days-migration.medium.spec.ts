import { DataSource } from 'typeorm';
import { migrationTestDatabase } from '@collections/testing';
import { defaultedWithinWindow } from '../../src/monitoring/domain/matured-outcome';
import { ScoreMonitoringRepository } from '../../src/monitoring/score-monitoring.repository';
import { scoringService } from '../../src/scoring.service';

/**
 * Migration 1763900015000 dates the observations and payments monitoring kept before by day: the
 * statement's day and the day each payment was made (the effective date the feature store kept for
 * it, else its posting day in the account's time zone, UTC when that is unknown to PostgreSQL or
 * not known at all), so the outcomes of old statements are judged as those of new ones.
 */
describe('scoring: outcome window in days for the rows kept before (migration 1763900015000, real PostgreSQL)', () => {
  const all = scoringService.migrations;
  const at = all.findIndex((m) => m.name === 'ScoringOutcomeWindowDays1763900015000');
  const { open } = migrationTestDatabase('scoring');

  const columns = async (d: DataSource, table: string) =>
    (
      (await d.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'scoring' AND table_name = $1 ORDER BY 1`,
        [table],
      )) as { column_name: string }[]
    ).map((r) => r.column_name);

  const days = async (d: DataSource) => ({
    observations: (await d.query(
      `SELECT account_id, to_char(observed_on, 'YYYY-MM-DD') AS observed_on FROM score_observation ORDER BY 1`,
    )) as { account_id: string; observed_on: string }[],
    payments: (await d.query(
      `SELECT payment_id, to_char(effective_date, 'YYYY-MM-DD') AS effective_date, to_char(paid_on, 'YYYY-MM-DD') AS paid_on
       FROM observed_payment ORDER BY 1`,
    )) as { payment_id: string; effective_date: string | null; paid_on: string }[],
  });

  /** Paid (0) or defaulted (1) on each account's statement of March, with a 30-day window, on 1 May. */
  const outcomes = async (d: DataSource) =>
    Object.fromEntries(
      (await new ScoreMonitoringRepository(d).maturedObservations(new Date('2026-05-01T00:00:00Z'), 30, 90)).map(
        (o) => [o.accountId, defaultedWithinWindow(o)],
      ),
    );

  const expectedDays = {
    observations: [
      { account_id: 'acct-bank-file', observed_on: '2026-03-01' },
      { account_id: 'acct-bogota', observed_on: '2026-02-28' },
      { account_id: 'acct-unknown-zone', observed_on: '2026-03-01' },
    ],
    payments: [
      // the feature store's effective date for the same payment
      { payment_id: 'pay-bank-file', effective_date: '2026-03-25', paid_on: '2026-03-25' },
      // 03:00 UTC on 31 March: 30 March in Bogotá
      { payment_id: 'pay-bogota', effective_date: null, paid_on: '2026-03-30' },
      // a zone PostgreSQL does not know: UTC's day
      { payment_id: 'pay-unknown-zone', effective_date: null, paid_on: '2026-04-01' },
    ],
  };

  it('backfills the days from the effective dates and time zones known, goes down to posting instants and up again', async () => {
    expect(at).toBeGreaterThan(0);
    const before = await open(all.slice(0, at));
    await before.query(
      `INSERT INTO account_profile (tenant_id, account_id, currency, credit_limit_minor, time_zone) VALUES
         ('t1', 'acct-bank-file', 'USD', 2000000, NULL), ('t1', 'acct-bogota', 'USD', 2000000, 'America/Bogota'),
         ('t1', 'acct-unknown-zone', 'USD', 2000000, 'Mars/Olympus_Mons')`,
    );
    await before.query(
      `INSERT INTO score_observation (tenant_id, account_id, cycle, observed_at, probability_to_pay, model_version, minimum_due_minor) VALUES
         ('t1', 'acct-bank-file', 1, '2026-03-01T00:00:00Z', 0.8, 'v1', 10000),
         ('t1', 'acct-bogota', 1, '2026-03-01T00:00:00Z', 0.8, 'v1', 10000),
         ('t1', 'acct-unknown-zone', 1, '2026-03-01T00:00:00Z', 0.8, 'v1', 10000)`,
    );
    await before.query(
      `INSERT INTO account_payment (tenant_id, account_id, payment_id, posted_at, effective_date, paid_minor) VALUES
         ('t1', 'acct-bank-file', 'pay-bank-file', '2026-04-05T12:00:00Z', '2026-03-25', 10000)`,
    );
    await before.query(
      `INSERT INTO observed_payment (tenant_id, payment_id, account_id, posted_at, amount_minor) VALUES
         ('t1', 'pay-bank-file', 'acct-bank-file', '2026-04-05T12:00:00Z', 10000),
         ('t1', 'pay-bogota', 'acct-bogota', '2026-03-31T03:00:00Z', 10000),
         ('t1', 'pay-unknown-zone', 'acct-unknown-zone', '2026-04-01T03:00:00Z', 10000)`,
    );

    const after = await open(all.slice(0, at + 1));
    expect(await days(after)).toEqual(expectedDays);
    // the bank file's payment and the Bogotá payment are in their windows; 1 April is not (in UTC)
    expect(await outcomes(after)).toEqual({ 'acct-bank-file': 0, 'acct-bogota': 0, 'acct-unknown-zone': 1 });

    await after.undoLastMigration({ transaction: 'each' });
    expect(await columns(after, 'observed_payment')).toEqual([
      'account_id',
      'amount_minor',
      'payment_id',
      'posted_at',
      'tenant_id',
    ]);
    expect(await columns(after, 'score_observation')).not.toContain('observed_on');
    expect(await after.query(`SELECT count(*)::int AS n FROM observed_payment`)).toEqual([{ n: 3 }]);

    const again = await open(all.slice(0, at + 1));
    expect(await days(again)).toEqual(expectedDays);
    expect(await outcomes(again)).toEqual({ 'acct-bank-file': 0, 'acct-bogota': 0, 'acct-unknown-zone': 1 });
  });
});
