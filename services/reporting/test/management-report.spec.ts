import { experimentResult } from '../src/experiments/domain/experiment-results';
import { cashForecast, forecastAccuracy } from '../src/forecast/domain/cash-forecast';
import { kpiReport } from '../src/kpis/domain/kpi-report';
import { renderManagementReport } from '../src/report/domain/management-report';
import { barChart, niceMax } from '../src/report/domain/svg-charts';

const HOSTILE = '<script>alert(1)</script>';

const report = () =>
  renderManagementReport({
    tenantId: 't-1',
    generatedAt: new Date('2026-04-01T08:00:00Z'),
    kpis: kpiReport({
      fromDate: '2026-02-01',
      toDate: '2026-03-31',
      currency: 'USD',
      placed: [{ accountId: 'C', placedOn: '2026-02-02', placedBalanceMinor: 50_000 }],
      cohortCollections: [{ accountId: 'C', date: '2026-02-25', amountMinor: 5_000 }],
      collectedInPeriodMinor: 5_000,
      recoveredAfterChargeOffMinor: 0,
      recoveredAfterChargeOffBalanceKeptMinor: 0,
      balanceKeptMinor: 0,
      balanceKeptAccounts: 0,
      beginningReceivableMinor: 100_000,
      endingReceivableMinor: 95_000,
      billedMinor: 0,
      bucketsAtStart: new Map([['A', HOSTILE]]),
      bucketsAtEnd: new Map([['A', 'current']]),
      buckets: ['current', HOSTILE],
      contactsAllowed: 0,
      contactsRefused: 0,
      promisesKept: 0,
      debtorsContacted: 0,
      debtorsOptedOut: 0,
      promisesBroken: 0,
      offersExpired: 0,
      offersHeld: 0,
      offersApproved: 0,
      offersRejected: 0,
      deniedByRule: { [HOSTILE]: 1, 'rate-limit': 2 }, // a rule id comes from events too
      callOutcomes: {},
      sentByChannel: { CHANNEL_SMS: 2 },
      channelCosts: { CHANNEL_SMS: 5 },
    }),
    collectionsByWeek: [{ weekStart: '2026-02-23', amountMinor: 5_000 }],
    aging: [
      { bucket: 'current', atStart: 0, atEnd: 1 },
      { bucket: HOSTILE, atStart: 1, atEnd: 0 },
    ],
    forecast: {
      asOfDate: '2026-03-31',
      weeks: cashForecast({
        asOfDate: '2026-03-31',
        accounts: [
          { accountId: 'A', probabilityToPay: 0.5, balanceMinor: 60_000, underActivePlan: false, settlement: null },
        ],
        instalments: [],
        instalmentKeptRate: null,
        settlements: [],
        settlementKeptRate: null,
      }),
      history: forecastAccuracy([
        { weekStart: '2026-02-23', forecast: { expectedMinor: 7_000, asOfDate: '2026-02-22' }, actualMinor: 5_000 },
      ]),
      instalmentKeptRate: null,
    },
    experiment: {
      experiment: 'scoring_model',
      ...experimentResult(HOSTILE, [{ placedMinor: 100, collectedMinor: 10 }], 'challenger', []),
    },
  });

describe(renderManagementReport.name, () => {
  it('is one page with every chart, a print style and no script or outside resource', () => {
    const html = report();
    for (const id of [
      'recovery',
      'collections',
      'aging',
      'roll-rates',
      'forecast',
      'forecast-vs-actual',
      'experiment',
    ]) {
      expect(html).toContain(`data-chart="${id}"`);
    }
    expect(html).toContain('@media print');
    expect(html).not.toMatch(/<script|src=|href=/i);
    expect(html).toContain('$70.00'); // forecast table: week 1 of A = 7 days × 600.00 × 0.5 ÷ 30
    // Denials per rule are counts even when a rule id reads like a rate; 2 SMS × 5 ÷ 5,000 collected.
    expect(html).toContain('<td>contacts_denied:rate-limit</td><td class="num">2</td>');
    expect(html).toContain('<td>cost_per_unit_collected</td><td class="num">0.0020</td>');
  });

  it('escapes every name that comes from events', () => {
    const html = report();
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe(barChart.name, () => {
  it('draws one mark per value, higher for a larger value, on a round axis', () => {
    const svg = barChart({
      id: 'x',
      title: 'x',
      labels: ['a', 'b'],
      series: [{ name: 's', values: [1, 3], color: '#000' }],
      format: String,
    });
    const heights = [...svg.matchAll(/<rect data-mark="s"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBeCloseTo(heights[0] * 3, 0);
    expect([niceMax(0), niceMax(3), niceMax(7), niceMax(12_345)]).toEqual([1, 5, 10, 20_000]);
  });
});
