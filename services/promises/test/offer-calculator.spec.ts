import fc from 'fast-check';
import { promises } from '@collections/contracts';
import { AppError } from '@collections/platform';
import {
  ROLE_LIMITS,
  assertDiscountWithinRole,
  assertPlanWithinRole,
  calculateOffers,
  discountForAge,
} from '../src/negotiation/domain/offer-calculator';

const roles = fc.constantFrom(
  promises.TakenBy.TAKEN_BY_AGENT,
  promises.TakenBy.TAKEN_BY_BOT,
  promises.TakenBy.TAKEN_BY_SELF_SERVICE,
);
const inputs = fc.record({
  balanceMinor: fc.integer({ min: 1, max: 50_000_000 }),
  daysPastDue: fc.integer({ min: 0, max: 2_000 }),
  takenBy: roles,
  frequency: fc.constantFrom('weekly' as const, 'biweekly' as const, 'monthly' as const),
  firstDate: fc.constant('2026-03-10'),
});

describe(calculateOffers.name, () => {
  it('never offers a discount beyond the role nor the age of the debt, and the sum plus discount is the balance', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const { settlement } = calculateOffers(input);
        if (!settlement) return;
        expect(settlement.amountMinor + settlement.discountMinor).toBe(input.balanceMinor);
        expect(settlement.amountMinor).toBeGreaterThan(0);
        expect(() =>
          assertDiscountWithinRole(input.takenBy, input.balanceMinor, settlement.discountMinor),
        ).not.toThrow();
        expect(settlement.discountMinor * 10_000).toBeLessThanOrEqual(
          input.balanceMinor * discountForAge(input.daysPastDue),
        );
      }),
    );
  });

  it('offers plans the role may grant, each adding up exactly to the balance', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        for (const plan of calculateOffers(input).plans) {
          expect(plan.schedule.reduce((s, i) => s + i.amountMinor, 0)).toBe(input.balanceMinor);
          expect(() => assertPlanWithinRole(input.takenBy, plan.instalments)).not.toThrow();
          expect(plan.schedule.filter((i) => i.seq > 0)).toHaveLength(plan.instalments);
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

  it('lets an agent grant more than the bot, and the bot more than self-service', () => {
    const limits = [
      promises.TakenBy.TAKEN_BY_AGENT,
      promises.TakenBy.TAKEN_BY_BOT,
      promises.TakenBy.TAKEN_BY_SELF_SERVICE,
    ].map((r) => ROLE_LIMITS[r]!);
    expect(limits.map((l) => l.maxDiscountBps)).toEqual([3_000, 1_500, 1_000]);
    expect(() => assertPlanWithinRole(promises.TakenBy.TAKEN_BY_SELF_SERVICE, 7)).toThrow(AppError);
    expect(() => assertDiscountWithinRole(promises.TakenBy.TAKEN_BY_BOT, 10_000, 1_501)).toThrow(/15%/);
  });
});
