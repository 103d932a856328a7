import fc from 'fast-check';
import { promises } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { Payment, allocatePayments } from '../src/plans/domain/allocation';
import { Announcement, PlanRules, announcementKey, reviewPlan } from '../src/plans/domain/announcements';
import { validatePlan } from '../src/plans/domain/plan';
import { buildSchedule } from '../src/plans/domain/schedule';

const RULES: PlanRules = { graceDays: 3, missedToDefault: 2, dueSoonDays: 2 };
const day = (n: number) => new Date(Date.UTC(2026, 2, 1) + n * 86_400_000).toISOString().slice(0, 10);

const plans = fc.record({
  totalMinor: fc.integer({ min: 300, max: 5_000_000 }),
  instalments: fc.integer({ min: 1, max: 8 }),
  frequency: fc.constantFrom('weekly' as const, 'biweekly' as const, 'monthly' as const),
});
const paymentDays = fc.array(
  fc.record({ day: fc.integer({ min: 0, max: 120 }), share: fc.double({ min: 0.05, max: 0.8, noNaN: true }) }),
  {
    maxLength: 10,
  },
);

/** Reviews the plan every day from its start, as the daily run would, remembering what was announced. */
function simulate(
  t: { totalMinor: number; instalments: number; frequency: 'weekly' | 'biweekly' | 'monthly' },
  paid: { day: number; share: number }[],
) {
  const schedule = buildSchedule({ ...t, downPaymentMinor: 0, firstDate: day(5) });
  const payments: Payment[] = [...paid]
    .sort((a, b) => a.day - b.day)
    .map((p, i) => ({
      paymentId: `p${i}`,
      amountMinor: Math.max(1, Math.floor(t.totalMinor * p.share)),
      date: day(p.day),
    }));
  const announced = new Set<string>();
  const log: Announcement[] = [];
  let defaulted = false;
  let defaultedOn: string | undefined;
  // Past the last due date plus the grace days nothing changes any more.
  const lastDay =
    (Date.parse(`${schedule[schedule.length - 1].dueDate}T00:00:00Z`) - Date.parse(`${day(0)}T00:00:00Z`)) /
      86_400_000 +
    RULES.graceDays +
    2;
  for (let d = 0; d <= Math.max(lastDay, 121); d++) {
    const asOf = day(d);
    const state = allocatePayments(
      schedule,
      payments.filter((p) => p.date <= asOf),
    );
    const review = reviewPlan(schedule, state, asOf, RULES, announced, defaulted);
    for (const a of review.announce) announced.add(announcementKey(a));
    log.push(...review.announce);
    // Asking again the same day finds nothing new.
    expect(reviewPlan(schedule, state, asOf, RULES, announced, defaulted).announce).toEqual([]);
    if (review.announce.some((a) => a.kind === 'defaulted')) defaultedOn = asOf;
    defaulted = review.plan === 'defaulted';
  }
  return { schedule, log, defaultedOn };
}

describe(reviewPlan.name, () => {
  it('announces each thing at most once, never kept and missed for the same instalment, and ends completed or defaulted', () => {
    fc.assert(
      fc.property(plans, paymentDays, (t, paid) => {
        const { schedule, log, defaultedOn } = simulate(t, paid);
        const keys = log.map(announcementKey);
        expect(new Set(keys).size).toBe(keys.length);
        for (const i of schedule)
          expect(keys.includes(`kept:${i.seq}`) && keys.includes(`missed:${i.seq}`)).toBe(false);
        const ends = log.filter((a) => a.kind === 'completed' || a.kind === 'defaulted');
        expect(ends).toHaveLength(1);
        if (ends[0].kind === 'defaulted') {
          // Late payments can heal earlier misses, so at least (not exactly) that many were announced;
          // fewer only when nothing was left open: the last instalment's grace days had passed.
          const missed = log.filter((a) => a.kind === 'missed').length;
          expect(missed).toBeGreaterThanOrEqual(1);
          const last = schedule[schedule.length - 1].dueDate;
          if (missed < RULES.missedToDefault)
            expect(
              defaultedOn! >
                new Date(Date.parse(`${last}T00:00:00Z`) + RULES.graceDays * 86_400_000).toISOString().slice(0, 10),
            ).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('keeps an instalment paid late within the grace days, and breaks one paid after them', () => {
    const schedule = buildSchedule({
      totalMinor: 300,
      downPaymentMinor: 0,
      instalments: 3,
      frequency: 'weekly',
      firstDate: '2026-03-10',
    });
    const within = allocatePayments(schedule, [{ paymentId: 'a', amountMinor: 100, date: '2026-03-13' }]);
    expect(reviewPlan(schedule, within, '2026-03-13', RULES, new Set()).announce).toContainEqual({
      kind: 'kept',
      seq: 1,
    });
    const late = allocatePayments(schedule, [{ paymentId: 'a', amountMinor: 100, date: '2026-03-14' }]);
    const review = reviewPlan(schedule, late, '2026-03-14', RULES, new Set(['missed:1']));
    expect(review.announce).toEqual([]);
    expect(review.instalments[0].status).toBe('paid');
  });

  it('withdraws kept and completed when a reversal leaves the instalments unpaid', () => {
    const schedule = buildSchedule({
      totalMinor: 200,
      downPaymentMinor: 0,
      instalments: 2,
      frequency: 'weekly',
      firstDate: '2026-03-10',
    });
    const review = reviewPlan(
      schedule,
      allocatePayments(schedule, []),
      '2026-03-11',
      RULES,
      new Set(['kept:1', 'kept:2', 'completed:-1']),
    );
    expect(review.withdraw).toEqual([
      { kind: 'kept', seq: 1 },
      { kind: 'kept', seq: 2 },
      { kind: 'completed', seq: -1 },
    ]);
    expect(review.plan).toBe('active');
  });
});

describe(validatePlan.name, () => {
  const request = (over: Partial<promises.CreatePlanRequest> = {}): promises.CreatePlanRequest => ({
    accountId: 'a-1',
    total: { amountMinor: 1_000, currency: 'USD' },
    downPayment: undefined,
    instalments: 3,
    frequency: promises.PlanFrequency.PLAN_FREQUENCY_BIWEEKLY,
    firstDate: '2026-03-02',
    channel: promises.PlanChannel.PLAN_CHANNEL_SMS,
    takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
    agentId: '',
    idempotencyKey: 'k',
    ...over,
  });

  it('builds a schedule that adds up exactly to the total whatever the amounts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 10_000_000 }),
        fc.integer({ min: 1, max: 120 }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (total, n, share) => {
          fc.pre(total - Math.floor(total * share) >= n);
          const down = Math.floor(total * share);
          const plan = validatePlan(
            request({
              total: { amountMinor: total, currency: 'USD' },
              downPayment: { amountMinor: down, currency: 'USD' },
              instalments: n,
            }),
            '2026-03-02',
          );
          expect(plan.schedule.reduce((s, i) => s + i.amountMinor, 0)).toBe(total);
          expect(plan.schedule.filter((i) => i.seq > 0)).toHaveLength(n);
        },
      ),
    );
  });

  it("refuses a first date before the account's today, and a down payment in another currency", () => {
    expect(() => validatePlan(request({ firstDate: '2026-03-01' }), '2026-03-02')).toThrow(AppError);
    expect(() => validatePlan(request({ downPayment: { amountMinor: 10, currency: 'EUR' } }), '2026-03-02')).toThrow(
      /currency/,
    );
  });
});
