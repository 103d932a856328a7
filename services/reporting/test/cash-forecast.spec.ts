import fc from 'fast-check';
import {
  ForecastInput,
  cashForecast,
  closedWeeks,
  expectedFromScoreOnDay,
  firstForecastMonday,
  forecastAccuracy,
} from '../src/forecast/domain/cash-forecast';
import { cashForecastCsv } from '../src/forecast/domain/cash-forecast-csv';

/**
 * A portfolio computed by hand, as of Wednesday 2026-03-04 (weeks start Monday 2026-03-09):
 *   A: probability 0.5, owes 600.00, no plan → 1,000/day for 30 days, 500/day for the next 30,
 *      250/day after (the unpaid half each 30 days, ÷ 30 days);
 *   B: probability 0.2, owes 300.00 under an active plan → only its instalments count: 100.00 due
 *      03-10 (week 1), 100.00 due 03-24 (week 3), 100.00 due 04-07 (week 5);
 *   C: never scored, owes 500.00 → nothing; D: probability 0.9, owes nothing → nothing.
 *   An open instalment of B due 03-05 (before the first week) and one due 06-01 (after the 12th) count nowhere.
 */
const portfolio = (instalmentKeptRate: number | null): ForecastInput => ({
  asOfDate: '2026-03-04',
  accounts: [
    { accountId: 'A', probabilityToPay: 0.5, balanceMinor: 60_000, underActivePlan: false, settlement: null },
    { accountId: 'B', probabilityToPay: 0.2, balanceMinor: 30_000, underActivePlan: true, settlement: null },
    { accountId: 'C', probabilityToPay: null, balanceMinor: 50_000, underActivePlan: false, settlement: null },
    { accountId: 'D', probabilityToPay: 0.9, balanceMinor: 0, underActivePlan: false, settlement: null },
  ],
  instalments: ['2026-03-05', '2026-03-10', '2026-03-24', '2026-04-07', '2026-06-01'].map((dueDate) => ({
    accountId: 'B',
    dueDate,
    openMinor: 10_000,
    probabilityToPay: 0.2,
  })),
  instalmentKeptRate,
  settlements: [],
  settlementKeptRate: null,
});

// A's weeks: 4 × 7 days at 1,000; week 5 = 2 × 1,000 + 5 × 500; weeks 6–8 at 500; week 9 = 4 × 500 + 3 × 250.
const FROM_SCORES = [7_000, 7_000, 7_000, 7_000, 4_500, 3_500, 3_500, 3_500, 2_750, 1_750, 1_750, 1_750];

describe(cashForecast.name, () => {
  it('starts on the first Monday after the as-of day and covers 12 weeks', () => {
    const sut = cashForecast(portfolio(0.75));
    expect(sut).toHaveLength(12);
    expect(sut[0]).toMatchObject({ weekStart: '2026-03-09', weekEnd: '2026-03-15' });
    expect(sut[11]).toMatchObject({ weekStart: '2026-05-25', weekEnd: '2026-05-31' });
    expect(firstForecastMonday('2026-03-09')).toBe('2026-03-16'); // a Monday looks to the next one
    expect(firstForecastMonday('2026-03-08')).toBe('2026-03-09'); // a Sunday to the next day
  });

  it('expects probability × balance from scores and instalment × kept rate from plans, week by week', () => {
    const sut = cashForecast(portfolio(0.75));
    expect(sut.map((w) => w.fromScoresMinor)).toEqual(FROM_SCORES);
    expect(sut.map((w) => w.fromPlansMinor)).toEqual([7_500, 0, 7_500, 0, 7_500, 0, 0, 0, 0, 0, 0, 0]);
    expect(sut.map((w) => w.expectedMinor)).toEqual([
      14_500, 7_000, 14_500, 7_000, 12_000, 3_500, 3_500, 3_500, 2_750, 1_750, 1_750, 1_750,
    ]);
    expect(sut.reduce((s, w) => s + w.fromScoresMinor, 0)).toBe(51_000); // 30,000 + 15,000 + 24 × 250
  });

  it("weighs instalments by the account's probability to pay while no instalment was kept or missed", () => {
    const sut = cashForecast(portfolio(null));
    expect(sut.map((w) => w.fromPlansMinor).slice(0, 5)).toEqual([2_000, 0, 2_000, 0, 2_000]);
  });

  it("expects an open settlement's sum in its due week instead of the account's score, at the settlements' kept rate", () => {
    const base = portfolio(0.75);
    const withSettlement = (settlement: 'open' | 'paid', settlementKeptRate: number | null): ForecastInput => ({
      ...base,
      // A agreed to settle its 600.00 for 400.00 by Wednesday 03-18 (week 2).
      accounts: base.accounts.map((a) => (a.accountId === 'A' ? { ...a, settlement } : a)),
      settlements:
        settlement === 'open'
          ? [{ accountId: 'A', dueDate: '2026-03-18', openMinor: 40_000, probabilityToPay: 0.5 }]
          : [],
      settlementKeptRate,
    });
    const sut = cashForecast(withSettlement('open', 0.6));
    expect(sut.map((w) => w.fromScoresMinor)).toEqual(Array.from({ length: 12 }, () => 0));
    expect(sut.map((w) => w.fromPlansMinor).slice(0, 5)).toEqual([7_500, 24_000, 7_500, 0, 7_500]);
    // No settlement decided yet: the instalment kept rate, and without one the account's probability.
    expect(cashForecast(withSettlement('open', null))[1].fromPlansMinor).toBe(30_000);
    expect(cashForecast({ ...withSettlement('open', null), instalmentKeptRate: null })[1].fromPlansMinor).toBe(20_000);
    // Paid: the rest is forgiven, nothing more is expected from A.
    expect(cashForecast(withSettlement('paid', 0.6)).every((w) => w.fromScoresMinor === 0)).toBe(true);
  });

  it('rounds each part of a week to whole minor units', () => {
    const sut = cashForecast({
      asOfDate: '2026-03-04',
      accounts: [
        { accountId: 'X', probabilityToPay: 1 / 3, balanceMinor: 10_000, underActivePlan: false, settlement: null },
      ],
      instalments: [],
      instalmentKeptRate: null,
      settlements: [],
      settlementKeptRate: null,
    });
    expect(sut[0].fromScoresMinor).toBe(778); // 7 × 10,000 ÷ 3 ÷ 30 = 777.78
  });

  it('never expects more from an account than its balance, nor anything from a non-positive one', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: -1_000_000, max: 10_000_000 }),
        (p, balance) => {
          const weeks = cashForecast({
            asOfDate: '2026-03-04',
            accounts: [
              { accountId: 'X', probabilityToPay: p, balanceMinor: balance, underActivePlan: false, settlement: null },
            ],
            instalments: [],
            instalmentKeptRate: null,
            settlements: [],
            settlementKeptRate: null,
          });
          const total = weeks.reduce((s, w) => s + w.expectedMinor, 0);
          expect(total).toBeLessThanOrEqual(Math.max(0, balance) + 6); // 12 roundings of at most ½
          if (balance <= 0) expect(total).toBe(0);
          // the first 30 days bring p × balance
          const first30 = Array.from({ length: 30 }, (_, d) => expectedFromScoreOnDay(balance, p, d + 1)).reduce(
            (s, x) => s + x,
          );
          expect(first30).toBeCloseTo(p * balance, 3);
        },
      ),
    );
  });
});

describe(forecastAccuracy.name, () => {
  it('compares the kept forecast of each closed week with what was collected', () => {
    expect(closedWeeks('2026-03-04', 3)).toEqual(['2026-02-09', '2026-02-16', '2026-02-23']);
    expect(closedWeeks('2026-03-02', 1)).toEqual(['2026-02-23']); // on a Monday, last week is closed
    const sut = forecastAccuracy([
      { weekStart: '2026-02-16', forecast: { expectedMinor: 10_000, asOfDate: '2026-02-15' }, actualMinor: 12_500 },
      { weekStart: '2026-02-23', forecast: null, actualMinor: 3_000 },
    ]);
    expect(sut).toEqual([
      {
        weekStart: '2026-02-16',
        weekEnd: '2026-02-22',
        forecastMinor: 10_000,
        forecastAsOfDate: '2026-02-15',
        actualMinor: 12_500,
        errorRate: 0.25,
      },
      {
        weekStart: '2026-02-23',
        weekEnd: '2026-03-01',
        forecastMinor: null,
        forecastAsOfDate: '',
        actualMinor: 3_000,
        errorRate: null,
      },
    ]);
  });

  it('exports forecast and actual weeks as CSV', () => {
    const csv = cashForecastCsv({
      asOfDate: '2026-03-04',
      currency: 'USD',
      weeks: cashForecast(portfolio(0.75)).slice(0, 1),
      history: forecastAccuracy([{ weekStart: '2026-02-23', forecast: null, actualMinor: 3_000 }]),
    }).split('\r\n');
    expect(csv[0]).toBe(
      'kind,week_start,week_end,currency,as_of_date,expected_minor,from_plans_minor,from_scores_minor,forecast_minor,forecast_as_of_date,actual_minor,error_rate',
    );
    expect(csv[1]).toBe('forecast,2026-03-09,2026-03-15,USD,2026-03-04,14500,7500,7000,,,,');
    expect(csv[2]).toBe('actual,2026-02-23,2026-03-01,USD,2026-03-04,,,,,,3000,');
  });
});
