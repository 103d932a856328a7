import {
  FALLBACK_TIME_ZONE,
  monthTimeZone,
  paidByMonth,
  toAccountHistory,
} from '../../src/scores/domain/account-history';

const pay = (postedAt: string, paidMinor: number) => ({ postedAt: new Date(postedAt), paidMinor });

describe('payments by month of the account time zone', () => {
  it('counts a payment in the month it was made on the account wall clock, not the UTC one', () => {
    const payments = [pay('2026-02-01T02:00:00Z', 500), pay('2026-01-31T17:00:00Z', 300)];
    // Bogotá (UTC-5): 31 January 21:00 and 12:00
    expect(paidByMonth(payments, 'America/Bogota')).toEqual(new Map([['2026-01', 800]]));
    // Taipei (UTC+8): 1 February 10:00 and 01:00
    expect(paidByMonth(payments, 'Asia/Taipei')).toEqual(new Map([['2026-02', 800]]));
    // UTC
    expect(paidByMonth(payments, 'UTC')).toEqual(
      new Map([
        ['2026-02', 500],
        ['2026-01', 300],
      ]),
    );
  });

  it('counts a payment the ledger dated in the month of its effective date, however late it was posted', () => {
    // A bank file's payment of 31 January, posted on 2 February (Bogotá): January's, in any zone.
    const fromFile = { postedAt: new Date('2026-02-02T15:00:00Z'), effectiveDate: '2026-01-31', paidMinor: 700 };
    for (const zone of ['America/Bogota', 'Asia/Taipei', 'UTC', null])
      expect(paidByMonth([fromFile, pay('2026-02-02T15:00:00Z', 1)], zone)).toEqual(
        new Map([
          ['2026-01', 700],
          ['2026-02', 1],
        ]),
      );
  });

  it('follows daylight saving time: New York is UTC-4 until 1 November 2026 02:00', () => {
    // 31 October 23:30 EDT, then 1 November 00:30 EDT
    expect(paidByMonth([pay('2026-11-01T03:30:00Z', 1), pay('2026-11-01T04:30:00Z', 2)], 'America/New_York')).toEqual(
      new Map([
        ['2026-10', 1],
        ['2026-11', 2],
      ]),
    );
    // in January New York is UTC-5: 1 February 04:30 UTC is still 31 January
    expect(paidByMonth([pay('2026-02-01T04:30:00Z', 1)], 'America/New_York')).toEqual(new Map([['2026-01', 1]]));
  });

  it('counts in UTC when the time zone is unknown or not one this runtime knows', () => {
    expect(FALLBACK_TIME_ZONE).toBe('UTC');
    for (const zone of [null, undefined, '', 'Mars/Olympus_Mons']) {
      expect(monthTimeZone(zone)).toBe('UTC');
      expect(paidByMonth([pay('2026-02-01T02:00:00Z', 500)], zone)).toEqual(new Map([['2026-02', 500]]));
    }
    expect(monthTimeZone('America/Bogota')).toBe('America/Bogota');
  });

  it('pays each statement with what was paid in its statement month', () => {
    const paid = paidByMonth(
      [pay('2026-02-01T02:00:00Z', 50_000), pay('2026-02-20T12:00:00Z', 50_000)],
      'America/Bogota',
    );
    const history = toAccountHistory(
      20_000,
      [
        { statementMonth: '2026-01', bill: 500, reportedStatus: null },
        { statementMonth: '2026-02', bill: 500, reportedStatus: null },
      ],
      new Map([...paid].map(([m, minor]) => [m, minor / 100])),
    );
    expect(history.statements).toEqual([
      { bill: 500, paid: 500, status: -1 },
      { bill: 500, paid: 500, status: -1 },
    ]);
  });
});
