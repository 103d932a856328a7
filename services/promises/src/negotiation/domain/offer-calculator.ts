import { scoring } from '@collections/contracts';
import { Frequency, Instalment, buildSchedule } from '../../plans/domain/schedule';
import { NegotiationLimits, Role, discountCapBps, judgePlan } from './negotiation-policy';

/** The discount the age of the debt earns (basis points), before the role's and the segment's caps. */
export function discountForAge(daysPastDue: number): number {
  if (daysPastDue < 30) return 0;
  if (daysPastDue < 90) return 1_000;
  if (daysPastDue < 180) return 2_000;
  return 4_000;
}

export interface OfferInput {
  balanceMinor: number;
  currency: string;
  daysPastDue: number;
  role: Role;
  segment: scoring.Segment;
  limits: NegotiationLimits;
  frequency: Frequency;
  /** The account's local date: present values are as of today. */
  today: string;
  /** Due date of the settlement and first due date of the plans offered. */
  firstDate: string;
}

export interface SettlementOfferTerms {
  amountMinor: number;
  discountMinor: number;
  presentValueMinor: number;
  dueDate: string;
}

export interface PlanOfferTerms {
  instalments: number;
  downPaymentMinor: number;
  schedule: Instalment[];
  totalMinor: number;
  presentValueMinor: number;
}

export interface Offers {
  settlement?: SettlementOfferTerms;
  plans: PlanOfferTerms[];
}

const PLAN_LENGTHS = [3, 6, 12, 24];
/** Share of the balance asked up front on a plan (basis points), unless the tenant asks more. */
const DOWN_PAYMENT_BPS = 1_000;
const DAY = 86_400_000;

/** What amounts due on dates are worth today, discounted at an annual rate (basis points). */
export function presentValue(
  flows: { dueDate: string; amountMinor: number }[],
  today: string,
  rateBps: number,
): number {
  const t0 = Date.parse(`${today}T00:00:00Z`);
  const value = flows.reduce((pv, f) => {
    const years = Math.max(0, (Date.parse(`${f.dueDate}T00:00:00Z`) - t0) / DAY / 365);
    return pv + f.amountMinor / Math.pow(1 + rateBps / 10_000, years);
  }, 0);
  return Math.round(value);
}

/**
 * What may be offered to a debtor: a settlement whose discount the debt's age earns, capped by
 * the role and the account's segment (rounded so the discount never exceeds either), and plans of
 * the standard lengths within the tenant's limits for the role (instalments, term, minimum
 * instalment, minimum down payment), each adding up exactly to the balance; every offer with what
 * the debtor pays in all and its present value to the creditor.
 */
export function calculateOffers(input: OfferInput): Offers {
  if (!Number.isSafeInteger(input.balanceMinor) || input.balanceMinor <= 0) return { plans: [] };
  const { limits } = input;
  const rate = limits.annualDiscountRateBps;
  const bps = Math.min(
    discountForAge(Math.max(0, input.daysPastDue)),
    discountCapBps(limits, input.role, input.segment),
  );
  const discountMinor = Math.floor((input.balanceMinor * bps) / 10_000);
  const settlementAmount = input.balanceMinor - discountMinor;
  const settlement =
    discountMinor > 0
      ? {
          amountMinor: settlementAmount,
          discountMinor,
          dueDate: input.firstDate,
          presentValueMinor: presentValue(
            [{ dueDate: input.firstDate, amountMinor: settlementAmount }],
            input.today,
            rate,
          ),
        }
      : undefined;
  const downPaymentBps = Math.max(DOWN_PAYMENT_BPS, limits.minDownPaymentBps);
  const downPaymentMinor = Math.ceil((input.balanceMinor * downPaymentBps) / 10_000);
  const plans: PlanOfferTerms[] = [];
  for (const n of PLAN_LENGTHS) {
    if (downPaymentMinor >= input.balanceMinor || input.balanceMinor - downPaymentMinor < n) continue;
    const schedule = buildSchedule({
      totalMinor: input.balanceMinor,
      downPaymentMinor,
      instalments: n,
      frequency: input.frequency,
      firstDate: input.firstDate,
    });
    const verdict = judgePlan(
      limits,
      input.role,
      {
        currency: input.currency,
        totalMinor: input.balanceMinor,
        downPaymentMinor,
        instalments: n,
        instalmentAmountsMinor: schedule.filter((i) => i.seq > 0).map((i) => i.amountMinor),
        lastDueDate: schedule[schedule.length - 1].dueDate,
      },
      input.today,
    );
    if (verdict.kind !== 'allowed') continue;
    plans.push({
      instalments: n,
      downPaymentMinor,
      schedule,
      totalMinor: input.balanceMinor,
      presentValueMinor: presentValue(schedule, input.today, rate),
    });
  }
  return { settlement, plans };
}
