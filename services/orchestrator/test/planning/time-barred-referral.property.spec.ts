import fc from 'fast-check';
import { tenantRulesOf } from '../../src/policy/domain';
import { US_REGULATION_F_PACK } from '../../src/policy/packs';
import { PlannerAccountRow } from '../../src/planning/planner.repository';
import { TIME_BARRED_REFERRAL, decideAccount } from '../../src/planning/usecases/decide-account';
import { StrategyDocument } from '../../src/strategies/domain';

const DAY = 86_400_000;
const TIME_ZONE = 'America/Los_Angeles';

const lateStage: StrategyDocument = {
  name: 'US late stage',
  priority: 1,
  entry: { daysPastDue: { min: -5 }, jurisdictions: ['US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [{ id: 's1', channel: 'letter', template: 'overdue', offset: { from: 'due_date', days: 1 } }],
    },
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
  legalReferral: { atDaysPastDue: 30 },
};

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The debtor's local day at `at`, read by Intl (not by the planner's own clock helpers). */
const localDay = (at: Date) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );

/**
 * The first local day the debt is time-barred: the default date's month and day `years` later, or
 * the last day of that month where it has no such day (29 February in a common year: the 28th).
 */
function barredFrom(defaultDate: string, years: number): string {
  const [y, m, d] = defaultDate.split('-').map(Number);
  return iso(Math.min(Date.UTC(y + years, m - 1, d), Date.UTC(y + years, m, 0)));
}

const account = (oldestUnpaid: string, dueDate: string, product: string, stepsDone: string[]): PlannerAccountRow => ({
  tenant_id: 't1',
  account_id: 'acct-1',
  reference: 'REF-1',
  product,
  currency: 'USD',
  time_zone: TIME_ZONE,
  segment: 'legal_or_human',
  balance_minor: '120000',
  balance_known: true,
  balance_from_ledger: true,
  due_date: dueDate,
  days_past_due: 0,
  oldest_unpaid_due_date: oldestUnpaid,
  delinquency_as_of: null,
  score_priority: null,
  promise_active: false,
  strategy_id: 'us-late',
  strategy_version: 1,
  arm_id: 'champion',
  entered_on: oldestUnpaid,
  steps_done: ['s1', ...stepsDone],
  steps_failed: [],
  escalated: false,
  referred_to_legal: false,
  forbearance_on_record_at: null,
  returned_notice_waiting: false,
});

/** Default dates from 2000 to 2026, one run in four on a 29 February. */
const defaultDate = fc.oneof(
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2026, 11, 31) }).map(iso),
  fc.constantFrom('2000-02-29', '2004-02-29', '2012-02-29', '2016-02-29', '2020-02-29', '2024-02-29'),
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2026, 11, 31) }).map(iso),
  fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2026, 11, 31) }).map(iso),
);

describe('no legal referral of a time-barred debt (Regulation F §1006.26(b)) in the planner', () => {
  it('refuses the referral exactly when the debtor’s local today is on or after the default date plus the period', () => {
    let barred = 0;
    let open = 0;
    fc.assert(
      fc.property(
        fc.record({
          defaultOn: defaultDate,
          years: fc.integer({ min: 1, max: 10 }),
          cardYears: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
          product: fc.constantFrom('credit_card', 'personal_loan'),
          laterDue: fc.integer({ min: 0, max: 400 }),
          // Around the day it becomes barred (every hour of the days either side), or far from it.
          near: fc.boolean(),
          minutes: fc.integer({ min: -3 * 24 * 60, max: 3 * 24 * 60 }),
          days: fc.integer({ min: -300, max: 300 }),
          refusedBefore: fc.boolean(),
        }),
        ({ defaultOn, years, cardYears, product, laterDue, near, minutes, days, refusedBefore }) => {
          const period = { years, ...(cardYears ? { products: { credit_card: cardYears } } : {}) };
          const effective = product === 'credit_card' && cardYears ? cardYears : years;
          const rules = tenantRulesOf(US_REGULATION_F_PACK, 't1', {
            version: 3,
            document: { enforcement: { noSuitWhenTimeBarred: { limitationPeriods: { CA: period } } } },
          });
          const from = barredFrom(defaultOn, effective);
          // Noon UTC on the day it becomes barred is early morning that day in California.
          const at = new Date(Date.parse(`${from}T12:00:00Z`) + (near ? minutes * 60_000 : days * DAY));
          const isBarred = localDay(at) >= from;
          const plan = decideAccount({
            account: account(
              defaultOn,
              iso(Date.parse(defaultOn) + laterDue * DAY),
              product,
              refusedBefore ? [TIME_BARRED_REFERRAL] : [],
            ),
            debtor: {
              debtorId: 'd1',
              timeZone: TIME_ZONE,
              jurisdiction: 'US',
              region: 'CA',
              consent: [],
              optedOut: [],
              holds: [],
              creditor: null,
              language: 'en',
              rules,
            },
            live: undefined,
            history: [],
            strategies: [{ key: 'us-late', version: 1, document: lateStage }],
            now: at,
          });
          const decisions = plan.effects.flatMap((e) => (e.kind === 'decision' ? [e.verdict] : []));
          const progress = plan.effects.find((e) => e.kind === 'progress');
          const referred = progress?.kind === 'progress' && progress.progress?.referredToLegal;
          if (isBarred) {
            barred++;
            expect(referred).toBe(false);
            if (refusedBefore) {
              expect(decisions).toEqual([]);
            } else {
              expect(plan.result).toBe('legal-referral-refused');
              expect(decisions).toEqual([
                expect.objectContaining({
                  allowed: false,
                  packVersion: rules.pack.version,
                  overrideVersion: 3,
                  reasons: [
                    expect.stringMatching(
                      new RegExp(
                        `^US-TIME-BARRED: .* the debt is time-barred in CA: its ${effective}-year limitation period from the default date ${defaultOn} ran out on ${from}$`,
                      ),
                    ),
                  ],
                }),
              ]);
            }
            expect(progress?.kind === 'progress' && progress.progress?.stepsDone).toContain(TIME_BARRED_REFERRAL);
          } else {
            open++;
            expect(referred).toBe(true);
            expect(decisions).toEqual([
              expect.objectContaining({
                allowed: true,
                reasons: ['legal-referral: the strategy refers the account for legal action'],
              }),
            ]);
          }
        },
      ),
      { numRuns: 500 },
    );
    // Both sides of the line are reached often: the property is not met by never crossing it.
    expect(barred).toBeGreaterThan(100);
    expect(open).toBeGreaterThan(100);
  });
});
