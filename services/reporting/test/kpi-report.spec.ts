import { AppError } from '@collections/platform';
import { KpiFacts, daysInPeriod, kpiReport, kpiReportCsv } from '../src/kpis/domain/kpi-report';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';

const facts: KpiFacts = {
  fromDate: '2026-02-01',
  toDate: '2026-03-31',
  currency: 'USD',
  placed: [{ accountId: 'C', placedOn: '2026-02-01', placedBalanceMinor: 100_000 }],
  cohortCollections: [{ accountId: 'C', date: '2026-03-01', amountMinor: 25_000 }],
  collectedInPeriodMinor: 90_000,
  recoveredAfterChargeOffMinor: 12_000,
  recoveredAfterChargeOffBalanceKeptMinor: 10_000,
  balanceKeptMinor: 40_000,
  balanceKeptAccounts: 2,
  beginningReceivableMinor: 380_000,
  endingReceivableMinor: 390_000,
  billedMinor: 180_000,
  bucketsAtStart: new Map([
    ['A', '1-30'],
    ['B', '1-30'],
  ]),
  bucketsAtEnd: new Map([
    ['A', 'current'],
    ['B', '31-60'],
    ['C', '1-30'],
  ]),
  buckets: ['current', '1-30', '31-60'],
  contactsAllowed: 3,
  contactsRefused: 1,
  promisesKept: 1,
  promisesBroken: 3,
  offersExpired: 2,
  offersHeld: 7,
  offersApproved: 3,
  offersRejected: 1,
  debtorsContacted: 3,
  debtorsOptedOut: 1,
  deniedByRule: { 'quiet-hours': 1, 'frequency-cap': 1 }, // one refusal citing both rules
  callOutcomes: {
    CALL_OUTCOME_NO_ANSWER: 2,
    CALL_OUTCOME_RIGHT_PARTY_CONTACT: 1,
    CALL_OUTCOME_PROMISE: 2,
    CALL_OUTCOME_WRONG_PARTY: 1,
    CALL_OUTCOME_DISPUTE: 1,
  },
  sentByChannel: { CHANNEL_CALL: 4, CHANNEL_SMS: 10 },
  channelCosts: { CHANNEL_CALL: 120, CHANNEL_SMS: 5 },
};

describe(kpiReport.name, () => {
  const sut = kpiReport(facts);
  const value = (name: string) => sut.kpis.find((k) => k.name === name)?.value;

  it('applies the documented formulas to the facts', () => {
    expect(value('recovery_rate')).toBe(0.25);
    expect(value('recovery_rate_30d')).toBe(0.25); // day 28
    expect(value('cure_rate')).toBe(0.5);
    expect(value('collection_effectiveness_index')).toBeCloseTo(90 / 170, 12);
    expect(value('days_sales_outstanding')).toBeCloseTo((390 / 180) * 59, 9);
    expect(value('opt_out_rate')).toBeCloseTo(1 / 3, 12);
    expect(value('promise_kept_rate')).toBe(0.25); // 1 kept, 3 broken
    expect(value('offers_expired')).toBe(2);
    expect(value('offers_held')).toBe(7);
    expect([value('offers_approved'), value('offers_rejected')]).toEqual([3, 1]);
    expect(value('offer_approval_rate')).toBe(0.5); // 3 approved of 6 ended: 3 approved, 1 rejected, 2 expired
    expect(sut.rollRates).toContainEqual({ fromBucket: '1-30', toBucket: '31-60', rate: 0.5 });
  });

  it('computes the contact KPIs: right-party contacts, promises, denials by rule, cost per unit collected', () => {
    // 7 call outcomes; reached: right party 1 + promise 2 + dispute 1 = 4; of those 2 promised.
    expect(value('right_party_contact_rate')).toBeCloseTo(4 / 7, 12);
    expect(value('promise_to_pay_rate')).toBe(0.5);
    // 4 calls × 1.20 + 10 SMS × 0.05 = 5.30 spent for 900.00 collected.
    expect(value('cost_per_unit_collected')).toBeCloseTo(530 / 90_000, 12);
    expect(sut.kpis.find((k) => k.name === 'cost_per_unit_collected')?.inputs).toBe(
      'cost=530 collected=90000 sent=CHANNEL_CALL=4x120 CHANNEL_SMS=10x5',
    );
    expect(value('contacts_denied')).toBe(1);
    expect(sut.kpis.slice(-3)).toEqual([
      { name: 'contacts_denied', value: 1, inputs: 'refused=1 decided=4 frequency-cap=1 quiet-hours=1' },
      { name: 'contacts_denied:frequency-cap', value: 1, inputs: 'refused decisions citing the rule' },
      { name: 'contacts_denied:quiet-hours', value: 1, inputs: 'refused decisions citing the rule' },
    ]);
  });

  it('leaves the contact KPIs undefined without call outcomes or collections', () => {
    const none = kpiReport({ ...facts, callOutcomes: {}, collectedInPeriodMinor: 0, deniedByRule: {} });
    const v = (name: string) => none.kpis.find((k) => k.name === name)?.value;
    expect(v('right_party_contact_rate')).toBeNull();
    expect(v('promise_to_pay_rate')).toBeNull();
    expect(v('cost_per_unit_collected')).toBeNull();
    expect(none.kpis.filter((k) => k.name.startsWith('contacts_denied:'))).toEqual([]);
  });

  it('rates what was recovered after charge-off on the accounts that kept their balance against that balance', () => {
    expect(value('post_charge_off_recovered_minor')).toBe(12_000);
    expect(value('post_charge_off_recovery_rate')).toBe(0.25);
    expect(sut.kpis.find((k) => k.name === 'post_charge_off_recovery_rate')?.inputs).toBe(
      'recovered=10000 balance_kept=40000 accounts=2',
    );
    const none = kpiReport({ ...facts, balanceKeptMinor: 0, balanceKeptAccounts: 0 });
    expect(none.kpis.find((k) => k.name === 'post_charge_off_recovery_rate')?.value).toBeNull();
  });

  it('counts both ends of a period', () => {
    expect(daysInPeriod('2026-02-01', '2026-03-31')).toBe(59);
    expect(daysInPeriod('2026-02-01', '2026-02-01')).toBe(1);
  });
});

describe(kpiReportCsv.name, () => {
  it('writes one row per KPI and roll rate, quoting fields that need it', () => {
    const sut = kpiReportCsv({
      fromDate: '2026-01-01',
      toDate: '2026-01-31',
      currency: 'USD',
      accounts: 0,
      kpis: [
        { name: 'recovery_rate', value: null, inputs: 'collected=0 placed=0' },
        { name: 'odd', value: 1.5, inputs: 'a,"b"' },
      ],
      rollRates: [{ fromBucket: 'current', toBucket: '1-30', rate: 0.25 }],
    });
    expect(sut.split('\r\n')).toEqual([
      'kpi,value,from_date,to_date,currency,inputs',
      'recovery_rate,,2026-01-01,2026-01-31,USD,collected=0 placed=0',
      'odd,1.5,2026-01-01,2026-01-31,USD,"a,""b"""',
      'roll_rate:current->1-30,0.25,2026-01-01,2026-01-31,USD,',
      '',
    ]);
  });
});

describe(GetKpisCommand.name, () => {
  const invalid = (q: Parameters<typeof GetKpisCommand.of>[1]) => {
    try {
      GetKpisCommand.of('t', q);
    } catch (err) {
      return err instanceof AppError ? err.message : 'other error';
    }
    return 'accepted';
  };

  it('accepts a period and turns empty filters into none', () => {
    const sut = GetKpisCommand.of('t', { fromDate: '2026-01-01', toDate: '2026-01-31', segment: '', currency: 'usd' });
    expect(sut).toMatchObject({ segment: null, channel: null, currency: 'USD' });
  });

  it('refuses missing or inverted dates and bad currencies, naming every problem', () => {
    expect(invalid({})).toBe('from_date must be a date YYYY-MM-DD; to_date must be a date YYYY-MM-DD');
    expect(invalid({ fromDate: '2026-02-01', toDate: '2026-01-31' })).toBe('to_date must not be before from_date');
    expect(invalid({ fromDate: '2026-02-01', toDate: '2026-02-02', currency: 'dollars' })).toBe(
      'currency must be an ISO 4217 code',
    );
  });
});
