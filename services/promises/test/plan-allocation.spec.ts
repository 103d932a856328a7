import fc from 'fast-check';
import { AppError } from '@collections/platform';
import { Allocator, Payment, allocatePayments, planStatusAsOf, reversePayment } from '../src/plans/domain/allocation';
import { Frequency, buildSchedule } from '../src/plans/domain/schedule';

const terms = fc.record({
  totalMinor: fc.integer({ min: 100, max: 10_000_000 }),
  downShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
  instalments: fc.integer({ min: 1, max: 24 }),
  frequency: fc.constantFrom<Frequency>('weekly', 'biweekly', 'monthly'),
  firstDate: fc
    .integer({ min: 0, max: 700 })
    .map((n) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)),
});
const schedules = terms.map((t) =>
  buildSchedule({
    ...t,
    downPaymentMinor: Math.min(t.totalMinor - t.instalments, Math.floor(t.totalMinor * t.downShare)),
  }),
);
const payments = fc.array(fc.integer({ min: 1, max: 3_000_000 }), { maxLength: 20 }).map((amounts) =>
  amounts.map((amountMinor, i): Payment => ({
    paymentId: `p${i}`,
    amountMinor,
    date: `2026-02-${String((i % 28) + 1).padStart(2, '0')}`,
  })),
);

describe('payment plan schedule', () => {
  it('adds up exactly to the total, with instalments one minor unit apart at most and dates in order', () => {
    fc.assert(
      fc.property(schedules, (schedule) => {
        const instalments = schedule.filter((i) => i.seq > 0).map((i) => i.amountMinor);
        expect(Math.max(...instalments) - Math.min(...instalments)).toBeLessThanOrEqual(1);
        for (let i = 1; i < schedule.length; i++) expect(schedule[i].dueDate > schedule[i - 1].dueDate).toBe(true);
      }),
    );
    const s = buildSchedule({
      totalMinor: 100_00,
      downPaymentMinor: 10_00,
      instalments: 3,
      frequency: 'monthly',
      firstDate: '2026-01-31',
    });
    expect(s).toEqual([
      { seq: 0, dueDate: '2026-01-31', amountMinor: 10_00 },
      { seq: 1, dueDate: '2026-02-28', amountMinor: 30_00 },
      { seq: 2, dueDate: '2026-03-31', amountMinor: 30_00 },
      { seq: 3, dueDate: '2026-04-30', amountMinor: 30_00 },
    ]);
    expect(s.reduce((t, i) => t + i.amountMinor, 0)).toBe(100_00);
  });

  it('refuses zero, negative and impossible terms', () => {
    const ok = {
      totalMinor: 1000,
      downPaymentMinor: 0,
      instalments: 3,
      frequency: 'monthly' as const,
      firstDate: '2026-01-01',
    };
    expect(() => buildSchedule({ ...ok, totalMinor: 0 })).toThrow(AppError);
    expect(() => buildSchedule({ ...ok, downPaymentMinor: -1 })).toThrow(/down payment/);
    expect(() => buildSchedule({ ...ok, downPaymentMinor: 1000 })).toThrow(/down payment/);
    expect(() => buildSchedule({ ...ok, instalments: 0 })).toThrow(/instalments/);
    expect(() => buildSchedule({ ...ok, firstDate: '01/02/2026' })).toThrow(/first_date/);
  });
});

describe(allocatePayments.name, () => {
  it('allocates exactly what was paid, never over-allocates an instalment, and fills the earliest first', () => {
    fc.assert(
      fc.property(schedules, payments, (schedule, paid) => {
        const sut = allocatePayments(schedule, paid);
        const total = paid.reduce((s, p) => s + p.amountMinor, 0);
        const allocated = sut.allocations.reduce((s, a) => s + a.amountMinor, 0);
        expect(allocated + sut.carryMinor).toBe(total);
        expect(sut.carryMinor).toBeGreaterThanOrEqual(0);
        for (const i of schedule) expect(sut.paidBySeq.get(i.seq)!).toBeLessThanOrEqual(i.amountMinor);
        const sorted = [...schedule].sort((a, b) => a.seq - b.seq);
        const firstOpen = sorted.findIndex((i) => sut.paidBySeq.get(i.seq)! < i.amountMinor);
        if (firstOpen >= 0)
          for (const later of sorted.slice(firstOpen + 1)) expect(sut.paidBySeq.get(later.seq)).toBe(0);
        if (sut.carryMinor > 0) expect(firstOpen).toBe(-1);
      }),
    );
  });

  it('restores the previous state exactly when a payment is reversed', () => {
    fc.assert(
      fc.property(schedules, payments, fc.integer({ min: 1, max: 3_000_000 }), (schedule, paid, extra) => {
        const before = allocatePayments(schedule, paid);
        const withExtra = [...paid, { paymentId: 'late', amountMinor: extra, date: '2026-03-15' }];
        expect(reversePayment(schedule, withExtra, 'late')).toEqual(before);
      }),
    );
  });

  it('leaves the earlier payments where they were when later ones arrive (a batch only adds allocations)', () => {
    fc.assert(
      fc.property(schedules, payments, fc.nat({ max: 20 }), (schedule, paid, cut) => {
        const earlier = paid.slice(0, cut);
        const all = allocatePayments(schedule, paid).allocations;
        const earlierIds = new Set(earlier.map((p) => p.paymentId));
        expect(all.filter((a) => earlierIds.has(a.paymentId))).toEqual(allocatePayments(schedule, earlier).allocations);
      }),
    );
  });

  it('allocates payment by payment (a batch) exactly as it allocates them all at once, and says which instalments changed', () => {
    fc.assert(
      fc.property(schedules, payments, fc.nat({ max: 20 }), (schedule, paid, cut) => {
        const allocator = new Allocator(schedule, paid.slice(0, cut));
        const before = allocator.paidByPosition();
        const paidBefore = allocatePayments(schedule, paid.slice(0, cut)).paidBySeq;
        for (let n = cut; n < paid.length; n++) {
          allocator.add(paid[n]);
          const whole = allocatePayments(schedule, paid.slice(0, n + 1));
          expect(allocator.allocations).toEqual(whole.allocations);
          expect(allocator.paidBySeq).toEqual(whole.paidBySeq);
          expect(allocator.carryMinor).toBe(whole.carryMinor);
        }
        const after = allocatePayments(schedule, paid).paidBySeq;
        const changed = [...after].filter(([seq, minor]) => paidBefore.get(seq) !== minor);
        expect(allocator.paidChangedSince(before).map((c) => [c.seq, c.paidMinor])).toEqual(changed);
      }),
    );
  });
});

describe(planStatusAsOf.name, () => {
  const schedule = buildSchedule({
    totalMinor: 300_00,
    downPaymentMinor: 0,
    instalments: 3,
    frequency: 'monthly',
    firstDate: '2026-01-10',
  });
  const GRACE = 3;

  it('keeps an instalment paid late but inside the grace days', () => {
    const state = allocatePayments(schedule, [{ paymentId: 'a', amountMinor: 100_00, date: '2026-01-12' }]);
    expect(planStatusAsOf(schedule, state, '2026-01-20', GRACE, 2).instalments[0]).toEqual({ seq: 1, status: 'paid' });
  });

  it('marks an instalment missed after the grace days and defaults the plan after two', () => {
    const state = allocatePayments(schedule, [{ paymentId: 'a', amountMinor: 100_00, date: '2026-01-10' }]);
    expect(planStatusAsOf(schedule, state, '2026-02-13', GRACE, 2)).toMatchObject({
      plan: 'active',
      instalments: [{ status: 'paid' }, { status: 'open' }, { status: 'open' }],
    });
    expect(planStatusAsOf(schedule, state, '2026-02-14', GRACE, 2).instalments[1].status).toBe('missed');
    expect(planStatusAsOf(schedule, state, '2026-03-14', GRACE, 2).plan).toBe('defaulted');
  });

  it('completes with all instalments paid, and a reversal after that reopens it', () => {
    const paid = [
      { paymentId: 'a', amountMinor: 100_00, date: '2026-01-10' },
      { paymentId: 'b', amountMinor: 200_00, date: '2026-02-01' },
    ];
    expect(planStatusAsOf(schedule, allocatePayments(schedule, paid), '2026-02-02', GRACE, 2).plan).toBe('completed');
    const reversed = reversePayment(schedule, paid, 'b');
    expect(planStatusAsOf(schedule, reversed, '2026-02-02', GRACE, 2)).toMatchObject({
      plan: 'active',
      instalments: [{ status: 'paid' }, { status: 'open' }, { status: 'open' }],
    });
  });

  it('answers the same for a schedule reused across grace days, or listed out of seq order, as for a fresh copy', () => {
    // A schedule's derived dates are kept per schedule object (a batch reviews a cached schedule once
    // per payment): reusing the object must never carry one grace period or one order into another.
    fc.assert(
      fc.property(
        schedules,
        payments,
        fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 400 }),
        fc.nat(),
        (schedule, paid, graces, asOfDay, rotation) => {
          const shift = rotation % schedule.length;
          const reordered = [...schedule.slice(shift), ...schedule.slice(0, shift)];
          const asOf = new Date(Date.UTC(2026, 0, 1) + asOfDay * 86_400_000).toISOString().slice(0, 10);
          for (const grace of graces) {
            const fresh = schedule.map((i) => ({ ...i }));
            const expected = planStatusAsOf(fresh, allocatePayments(fresh, paid), asOf, grace, 2);
            expect(planStatusAsOf(schedule, allocatePayments(schedule, paid), asOf, grace, 2)).toEqual(expected);
            const state = allocatePayments(reordered, paid);
            expect(state).toEqual(allocatePayments(fresh, paid));
            const answer = planStatusAsOf(reordered, state, asOf, grace, 2);
            expect(answer.plan).toBe(expected.plan);
            // listed in the caller's order, each instalment with its own status
            expect(answer.instalments.map((i) => i.seq)).toEqual(reordered.map((i) => i.seq));
            expect([...answer.instalments].sort((a, b) => a.seq - b.seq)).toEqual(expected.instalments);
          }
        },
      ),
    );
  });
});
