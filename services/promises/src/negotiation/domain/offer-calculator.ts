import { promises } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { Frequency, Instalment, buildSchedule } from '../../plans/domain/schedule';

/** How far whoever takes an arrangement may go: the biggest settlement discount and the longest plan. */
export interface RoleLimit {
  /** Largest settlement discount, in basis points of the balance. */
  maxDiscountBps: number;
  maxInstalments: number;
}

/** People can grant more than the bot, the bot more than the debtor alone on the web. */
export const ROLE_LIMITS: Readonly<Record<promises.TakenBy, RoleLimit | undefined>> = {
  [promises.TakenBy.TAKEN_BY_UNSPECIFIED]: undefined,
  [promises.TakenBy.TAKEN_BY_AGENT]: { maxDiscountBps: 3_000, maxInstalments: 24 },
  [promises.TakenBy.TAKEN_BY_BOT]: { maxDiscountBps: 1_500, maxInstalments: 12 },
  [promises.TakenBy.TAKEN_BY_SELF_SERVICE]: { maxDiscountBps: 1_000, maxInstalments: 6 },
  [promises.TakenBy.UNRECOGNIZED]: undefined,
};

export function roleLimit(takenBy: promises.TakenBy): RoleLimit {
  const limit = ROLE_LIMITS[takenBy];
  if (!limit) throw AppError.invalid('taken_by must be AGENT, BOT or SELF_SERVICE');
  return limit;
}

/** Refuses a plan longer than the role may grant. */
export function assertPlanWithinRole(takenBy: promises.TakenBy, instalments: number): void {
  const limit = roleLimit(takenBy);
  if (instalments > limit.maxInstalments) {
    throw AppError.permissionDenied(
      `${promises.takenByToJSON(takenBy)} may grant at most ${limit.maxInstalments} instalments, asked ${instalments}`,
    );
  }
}

/** Refuses a settlement discount bigger than the role may grant. */
export function assertDiscountWithinRole(takenBy: promises.TakenBy, balanceMinor: number, discountMinor: number): void {
  const limit = roleLimit(takenBy);
  // Integer arithmetic: discount / balance <= bps / 10 000.
  if (discountMinor * 10_000 > balanceMinor * limit.maxDiscountBps) {
    throw AppError.permissionDenied(
      `${promises.takenByToJSON(takenBy)} may grant at most ${limit.maxDiscountBps / 100}% off the balance`,
    );
  }
}

/** The discount the age of the debt earns (basis points), before the role's cap. */
export function discountForAge(daysPastDue: number): number {
  if (daysPastDue < 30) return 0;
  if (daysPastDue < 90) return 1_000;
  if (daysPastDue < 180) return 2_000;
  return 4_000;
}

export interface OfferInput {
  balanceMinor: number;
  daysPastDue: number;
  takenBy: promises.TakenBy;
  frequency: Frequency;
  /** First due date of the plans offered. */
  firstDate: string;
}

export interface Offers {
  settlement?: { amountMinor: number; discountMinor: number };
  plans: { instalments: number; downPaymentMinor: number; schedule: Instalment[] }[];
}

const PLAN_LENGTHS = [3, 6, 12, 24];
/** Share of the balance asked up front on a plan (basis points). */
const DOWN_PAYMENT_BPS = 1_000;

/**
 * What may be offered to a debtor: a settlement whose discount the debt's age earns, capped by
 * the role (rounded so the discount never exceeds either), and plans of the standard lengths the
 * role may grant, each with a 10% down payment and instalments adding up exactly to the balance.
 */
export function calculateOffers(input: OfferInput): Offers {
  if (!Number.isSafeInteger(input.balanceMinor) || input.balanceMinor <= 0) return { plans: [] };
  const limit = roleLimit(input.takenBy);
  const bps = Math.min(discountForAge(Math.max(0, input.daysPastDue)), limit.maxDiscountBps);
  const discountMinor = Math.floor((input.balanceMinor * bps) / 10_000);
  const settlement = discountMinor > 0 ? { amountMinor: input.balanceMinor - discountMinor, discountMinor } : undefined;
  const downPaymentMinor = Math.ceil((input.balanceMinor * DOWN_PAYMENT_BPS) / 10_000);
  const plans = PLAN_LENGTHS.filter(
    (n) =>
      n <= limit.maxInstalments && input.balanceMinor - downPaymentMinor >= n && downPaymentMinor < input.balanceMinor,
  ).map((n) => ({
    instalments: n,
    downPaymentMinor,
    schedule: buildSchedule({
      totalMinor: input.balanceMinor,
      downPaymentMinor,
      instalments: n,
      frequency: input.frequency,
      firstDate: input.firstDate,
    }),
  }));
  return { settlement, plans };
}
