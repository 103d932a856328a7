import fc from 'fast-check';
import { promises, scoring } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { calculateOffers, discountForAge, presentValue } from '../src/negotiation/domain/offer-calculator';
import {
  DEFAULT_LIMITS,
  NegotiationLimits,
  Role,
  judgeDiscount,
  judgePlan,
  policyToProto,
  validatePolicy,
} from '../src/negotiation/domain/negotiation-policy';

const roles = fc.constantFrom<Role>('agent', 'bot', 'selfService');
const segments = fc.constantFrom(
  scoring.Segment.SEGMENT_UNSPECIFIED,
  scoring.Segment.SEGMENT_SELF_CURE,
  scoring.Segment.SEGMENT_HARDSHIP,
);
const TIGHT: NegotiationLimits = {
  ...DEFAULT_LIMITS,
  segmentMaxDiscountBps: new Map([[scoring.Segment.SEGMENT_SELF_CURE, 500]]),
  maxTermDays: 200,
  minInstalmentMinor: new Map([['USD', 5_000]]),
  minDownPaymentBps: 2_000,
};
const inputs = fc.record({
  balanceMinor: fc.integer({ min: 1, max: 50_000_000 }),
  currency: fc.constant('USD'),
  daysPastDue: fc.integer({ min: 0, max: 2_000 }),
  role: roles,
  segment: segments,
  limits: fc.constantFrom(DEFAULT_LIMITS, TIGHT),
  frequency: fc.constantFrom('weekly' as const, 'biweekly' as const, 'monthly' as const),
  today: fc.constant('2026-03-02'),
  firstDate: fc.constant('2026-03-10'),
});

describe(calculateOffers.name, () => {
  it('never offers a discount beyond the role, the segment nor the age of the debt; sum plus discount is the balance', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const { settlement } = calculateOffers(input);
        if (!settlement) return;
        expect(settlement.amountMinor + settlement.discountMinor).toBe(input.balanceMinor);
        expect(settlement.amountMinor).toBeGreaterThan(0);
        expect(
          judgeDiscount(input.limits, input.role, input.segment, input.balanceMinor, settlement.discountMinor),
        ).toEqual({ kind: 'allowed' });
        expect(settlement.discountMinor * 10_000).toBeLessThanOrEqual(
          input.balanceMinor * discountForAge(input.daysPastDue),
        );
        expect(settlement.presentValueMinor).toBeLessThanOrEqual(settlement.amountMinor);
      }),
    );
  });

  it('offers only plans the tenant lets the role grant alone, each adding up exactly to the balance', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        for (const plan of calculateOffers(input).plans) {
          expect(plan.schedule.reduce((s, i) => s + i.amountMinor, 0)).toBe(input.balanceMinor);
          expect(plan.totalMinor).toBe(input.balanceMinor);
          expect(plan.presentValueMinor).toBeLessThanOrEqual(plan.totalMinor);
          const rest = plan.schedule.filter((i) => i.seq > 0);
          expect(rest).toHaveLength(plan.instalments);
          const verdict = judgePlan(
            input.limits,
            input.role,
            {
              currency: input.currency,
              totalMinor: input.balanceMinor,
              downPaymentMinor: plan.downPaymentMinor,
              instalments: plan.instalments,
              instalmentAmountsMinor: rest.map((i) => i.amountMinor),
              lastDueDate: plan.schedule[plan.schedule.length - 1].dueDate,
            },
            input.today,
          );
          expect(verdict).toEqual({ kind: 'allowed' });
        }
      }),
    );
  });

  it('never gives older debt a smaller discount, for the same role', () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 1_000 }), (input, older) => {
        const young = calculateOffers(input).settlement?.discountMinor ?? 0;
        const old =
          calculateOffers({ ...input, daysPastDue: input.daysPastDue + older }).settlement?.discountMinor ?? 0;
        expect(old).toBeGreaterThanOrEqual(young);
      }),
    );
  });

  it('values later money less: a longer plan is worth less today than a shorter one', () => {
    const base = {
      ...fc.sample(inputs, 1)[0],
      balanceMinor: 1_200_000,
      role: 'agent' as const,
      limits: DEFAULT_LIMITS,
    };
    const { plans } = calculateOffers({ ...base, frequency: 'monthly' });
    const values = plans.map((p) => p.presentValueMinor);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(presentValue([{ dueDate: '2027-03-02', amountMinor: 11_200 }], '2026-03-02', 1_200)).toBe(10_000);
  });
});

describe(judgePlan.name, () => {
  const plan = (over: Partial<Parameters<typeof judgePlan>[2]> = {}) => ({
    currency: 'USD',
    totalMinor: 100_000,
    downPaymentMinor: 20_000,
    instalments: 6,
    instalmentAmountsMinor: Array(6).fill(13_334),
    lastDueDate: '2026-09-10',
    ...over,
  });

  it('holds a plan beyond the agent but within the supervisor for approval, and refuses one beyond both', () => {
    expect(judgePlan(DEFAULT_LIMITS, 'agent', plan({ instalments: 30 }), '2026-03-02')).toEqual({
      kind: 'needs-approval',
      reason: expect.stringMatching(/at most 24 instalments, asked 30: needs a supervisor/),
    });
    expect(judgePlan(DEFAULT_LIMITS, 'agent', plan({ instalments: 37 }), '2026-03-02').kind).toBe('denied');
    expect(judgePlan(DEFAULT_LIMITS, 'bot', plan({ instalments: 13 }), '2026-03-02').kind).toBe('denied');
    expect(judgePlan(DEFAULT_LIMITS, 'supervisor', plan({ instalments: 30 }), '2026-03-02').kind).toBe('allowed');
  });

  it('refuses, whoever asks, a plan below the minimum down payment or instalment, or beyond the term', () => {
    for (const role of ['agent', 'supervisor'] as const) {
      expect(judgePlan(TIGHT, role, plan({ downPaymentMinor: 19_999 }), '2026-03-02')).toMatchObject({
        kind: 'denied',
        reason: expect.stringMatching(/down payment must be at least 20%/),
      });
      expect(judgePlan(TIGHT, role, plan({ instalmentAmountsMinor: [5_000, 4_999] }), '2026-03-02').kind).toBe(
        'denied',
      );
      expect(judgePlan(TIGHT, role, plan({ lastDueDate: '2026-09-19' }), '2026-03-02')).toMatchObject({
        kind: 'denied',
        reason: expect.stringMatching(/at most 200 days/),
      });
    }
  });
});

describe(judgeDiscount.name, () => {
  it('caps the discount by segment whoever grants it, and by role with a supervisor above the agent', () => {
    const S = scoring.Segment;
    expect(judgeDiscount(DEFAULT_LIMITS, 'agent', S.SEGMENT_HARDSHIP, 10_000, 3_000).kind).toBe('allowed');
    expect(judgeDiscount(DEFAULT_LIMITS, 'agent', S.SEGMENT_HARDSHIP, 10_000, 3_001).kind).toBe('needs-approval');
    expect(judgeDiscount(DEFAULT_LIMITS, 'agent', S.SEGMENT_HARDSHIP, 10_000, 5_001).kind).toBe('denied');
    expect(judgeDiscount(DEFAULT_LIMITS, 'bot', S.SEGMENT_HARDSHIP, 10_000, 1_501)).toEqual({
      kind: 'denied',
      reason: 'the bot may grant at most 15% off the balance',
    });
    expect(judgeDiscount(TIGHT, 'supervisor', S.SEGMENT_SELF_CURE, 10_000, 501)).toEqual({
      kind: 'denied',
      reason: 'accounts in SEGMENT_SELF_CURE may get at most 5% off the balance',
    });
  });
});

describe(validatePolicy.name, () => {
  const good = (): promises.NegotiationPolicy =>
    policyToProto({ limits: TIGHT, version: 0, changedBy: '', changeReason: '' });

  it('reads back what it was given', () => {
    const limits = validatePolicy(good());
    expect(policyToProto({ limits, version: 0, changedBy: '', changeReason: '' })).toEqual(good());
  });

  it('refuses limits that make no sense, naming the field', () => {
    const bad: [(p: promises.NegotiationPolicy) => void, RegExp][] = [
      [(p) => (p.agent = undefined), /policy.agent is required/],
      [(p) => (p.agent!.maxDiscountBps = 10_000), /policy.agent.max_discount_bps/],
      [(p) => (p.bot!.maxInstalments = 0), /policy.bot.max_instalments/],
      [(p) => (p.agent!.maxDiscountBps = 6_000), /policy.agent may not go beyond policy.supervisor/],
      [(p) => (p.selfService!.maxInstalments = 40), /policy.self_service may not go beyond/],
      [(p) => p.segmentLimits.push({ segment: scoring.Segment.SEGMENT_SELF_CURE, maxDiscountBps: 1 }), /capped twice/],
      [(p) => p.segmentLimits.push({ segment: 0, maxDiscountBps: 1 }), /known segment/],
      [(p) => (p.minInstalment = [{ amountMinor: 0, currency: 'USD' }]), /positive amount/],
      [(p) => (p.minInstalment = [{ amountMinor: 10, currency: 'XYZ' }]), /min_instalment\[0\]/],
      [(p) => (p.minDownPaymentBps = -1), /min_down_payment_bps/],
      [(p) => (p.maxTermDays = 5_000), /max_term_days/],
    ];
    for (const [change, message] of bad) {
      const p = good();
      change(p);
      expect(() => validatePolicy(p)).toThrow(AppError);
      expect(() => validatePolicy(p)).toThrow(message);
    }
  });
});
