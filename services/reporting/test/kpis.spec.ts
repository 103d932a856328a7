import {
  ContactAttempt,
  callOutcomeCounts,
  collectionEffectivenessIndex,
  contactCostMinor,
  costPerUnitCollectedOf,
  costPerUnitCollected,
  cureRate,
  daysSalesOutstanding,
  offerApprovalRateOf,
  optOutRate,
  promiseKeptRate,
  promiseToPayRate,
  promiseToPayRateOf,
  recoveryRate,
  rightPartyContactRate,
  rightPartyContactRateOf,
  rollRateMatrix,
  ruleIdOf,
} from '../src/kpis/domain/kpis';

/*
 * A portfolio small enough to compute by hand:
 *   A placed 2026-01-01 owing 1,000.00; pays 200.00 on 01-20 and 300.00 on 03-15 (day 73)
 *   B placed 2026-01-01 owing 3,000.00; pays 600.00 on 02-10 (day 40)
 *   C placed 2026-02-01 owing 1,000.00; pays nothing
 * Placed 5,000.00; collected 1,100.00 in all; within 30 days only A's 200.00; within 60 days 800.00.
 */
const placed = [
  { accountId: 'A', placedOn: '2026-01-01', placedBalanceMinor: 100_000 },
  { accountId: 'B', placedOn: '2026-01-01', placedBalanceMinor: 300_000 },
  { accountId: 'C', placedOn: '2026-02-01', placedBalanceMinor: 100_000 },
];
const collections = [
  { accountId: 'A', date: '2026-01-20', amountMinor: 20_000 },
  { accountId: 'A', date: '2026-03-15', amountMinor: 30_000 },
  { accountId: 'B', date: '2026-02-10', amountMinor: 60_000 },
];
/* 5 attempts: 3 reached the debtor, 2 of those gave a promise; SMS costs 0.05, calls 1.20. */
const attempts: ContactAttempt[] = [
  { accountId: 'A', channel: 'call', rightPartyContact: true, promiseTaken: true, costMinor: 120 },
  { accountId: 'A', channel: 'sms', rightPartyContact: false, promiseTaken: false, costMinor: 5 },
  { accountId: 'B', channel: 'call', rightPartyContact: true, promiseTaken: true, costMinor: 120 },
  { accountId: 'C', channel: 'call', rightPartyContact: true, promiseTaken: false, costMinor: 120 },
  { accountId: 'C', channel: 'sms', rightPartyContact: false, promiseTaken: false, costMinor: 5 },
];

describe('collections KPIs on a portfolio computed by hand', () => {
  it('recovery rate, overall and within 30/60/90 days of placement', () => {
    expect(recoveryRate(placed, collections)).toBeCloseTo(110_000 / 500_000, 12); // 22%
    expect(recoveryRate(placed, collections, 30)).toBeCloseTo(20_000 / 500_000, 12); // 4%
    expect(recoveryRate(placed, collections, 60)).toBeCloseTo(80_000 / 500_000, 12); // 16%
    expect(recoveryRate(placed, collections, 90)).toBeCloseTo(110_000 / 500_000, 12);
    expect(recoveryRate([], collections)).toBeNull();
  });

  it('right-party contact, promise-to-pay and promise-kept rates', () => {
    expect(rightPartyContactRate(attempts)).toBeCloseTo(3 / 5, 12);
    expect(promiseToPayRate(attempts)).toBeCloseTo(2 / 3, 12);
    expect(
      promiseKeptRate([
        { promiseId: '1', kept: true },
        { promiseId: '2', kept: false },
        { promiseId: '3', kept: null },
      ]),
    ).toBe(0.5);
    expect(promiseKeptRate([{ promiseId: '3', kept: null }])).toBeNull();
    // Of the held offers that ended: approved over approved, rejected and expired; none ended, no rate.
    expect(offerApprovalRateOf(1, 2, 1)).toBe(0.25);
    expect(offerApprovalRateOf(0, 0, 0)).toBeNull();
  });

  it('roll rates between aging buckets and the cure rate', () => {
    const buckets = ['current', '1-30', '31-60'];
    const january = new Map([
      ['A', '1-30'],
      ['B', '1-30'],
      ['C', 'current'],
      ['D', '31-60'],
    ]);
    const february = new Map([
      ['A', 'current'],
      ['B', '31-60'],
      ['C', '1-30'],
      ['D', '31-60'],
    ]);
    expect(rollRateMatrix(january, february, buckets)).toEqual({
      current: { current: 0, '1-30': 1, '31-60': 0 },
      '1-30': { current: 0.5, '1-30': 0, '31-60': 0.5 },
      '31-60': { current: 0, '1-30': 0, '31-60': 1 },
    });
    expect(cureRate(january, february)).toBeCloseTo(1 / 3, 12); // A cured; B and D did not
  });

  it('collection effectiveness index and days sales outstanding', () => {
    // start 10,000.00 owed, 2,000.00 billed, 7,000.00 still owed at the end, 4,000.00 collected
    expect(
      collectionEffectivenessIndex({
        beginningReceivableMinor: 1_000_000,
        billedMinor: 200_000,
        endingReceivableMinor: 700_000,
        collectedMinor: 400_000,
      }),
    ).toBe(0.8);
    expect(daysSalesOutstanding(700_000, 200_000, 30)).toBe(105);
    expect(daysSalesOutstanding(700_000, 0, 30)).toBeNull();
  });

  it('cost per unit collected and opt-out rate', () => {
    expect(costPerUnitCollected(attempts, collections)).toBeCloseTo(370 / 110_000, 12);
    expect(costPerUnitCollected(attempts, [])).toBeNull();
    expect(optOutRate(40, 2)).toBe(0.05);
  });
});

describe('contact KPIs from the orchestrator events', () => {
  /* 6 call outcomes: no answer ×2, wrong party, right party, promise, refusal: 3 reached the debtor, 1 promised. */
  const outcomes = {
    CALL_OUTCOME_NO_ANSWER: 2,
    CALL_OUTCOME_WRONG_PARTY: 1,
    CALL_OUTCOME_RIGHT_PARTY_CONTACT: 1,
    CALL_OUTCOME_PROMISE: 1,
    CALL_OUTCOME_REFUSAL: 1,
    CALL_OUTCOME_UNSPECIFIED: 4,
  };

  it('right-party contact rate = outcomes that reached the debtor ÷ call outcomes (unspecified ones left out)', () => {
    expect(callOutcomeCounts(outcomes)).toEqual({ outcomes: 6, rightParty: 3, promises: 1 });
    expect(rightPartyContactRateOf(outcomes)).toBe(0.5);
    expect(promiseToPayRateOf(outcomes)).toBeCloseTo(1 / 3, 12);
    expect(rightPartyContactRateOf({})).toBeNull();
    expect(promiseToPayRateOf({ CALL_OUTCOME_NO_ANSWER: 3 })).toBeNull();
  });

  it('reads the rule id of a refusal reason', () => {
    expect(ruleIdOf('quiet-hours: outside 08:00–21:00')).toBe('quiet-hours');
    expect(ruleIdOf('MX-FREQ-1')).toBe('MX-FREQ-1');
    expect(ruleIdOf(': nothing')).toBe('unspecified');
  });

  it("puts the planner's refusals for want of facts in one bucket, whichever fact it missed first", () => {
    expect(ruleIdOf('no-due-date: no statement with a due date is known for the account yet')).toBe('awaiting-facts');
    expect(ruleIdOf('no-strategy: no active strategy of the tenant admits the account')).toBe('awaiting-facts');
    expect(ruleIdOf('US-HOURS: outside 08:00–21:00')).toBe('US-HOURS');
  });

  it('cost per unit collected = Σ sent × channel cost ÷ collected', () => {
    // 3 calls at 1.50 and 20 SMS at 0.05 = 5.50 to collect 1,100.00.
    const cost = contactCostMinor({ CHANNEL_CALL: 3, CHANNEL_SMS: 20 }, (c) => (c === 'CHANNEL_CALL' ? 150 : 5));
    expect(cost).toBe(550);
    expect(costPerUnitCollectedOf(cost, 110_000)).toBe(0.005);
    expect(costPerUnitCollectedOf(cost, 0)).toBeNull();
  });
});
