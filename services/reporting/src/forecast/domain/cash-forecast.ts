/**
 * The cash forecast: what a tenant's portfolio is expected to bring in, week by week, for the
 * next 12 weeks. Pure: facts in, weeks out; amounts are integer minor units of one currency and
 * dates are UTC calendar days (YYYY-MM-DD). services/reporting/docs/kpis.md states the formulas.
 */

export const FORECAST_WEEKS = 12;
/** The horizon of a score's probability to pay: the scoring models predict payment within 30 days. */
export const SCORE_HORIZON_DAYS = 30;

/** An account as the forecast sees it: its latest score and balance. */
export interface ForecastAccount {
  accountId: string;
  /** Latest probability to pay (0..1); null when never scored. */
  probabilityToPay: number | null;
  /** Latest balance owed. */
  balanceMinor: number;
  /** An account with an active plan is forecast from the plan's schedule only (never twice). */
  underActivePlan: boolean;
  /**
   * Its settlement, if any is open or paid (a lapsed one is as if none was agreed): under an open
   * one it is forecast from the settlement's sum only — neither from its score nor from its plan's
   * instalments, which the repository leaves out of `instalments` — and once one is paid the creditor
   * forgives the rest, so nothing more is expected from it.
   */
  settlement: 'open' | 'paid' | null;
}

/**
 * An instalment of an active plan still open (neither kept nor missed), of an account without an
 * open or paid settlement: the promises service puts the account's payments towards its open
 * settlement first, and a paid settlement closes the debt, so the settlement's sum stands for the
 * plan (services/reporting/docs/kpis.md, "A plan and a settlement on one account").
 */
export interface OpenInstalment {
  accountId: string;
  dueDate: string;
  /** What is still owed on it. */
  openMinor: number;
  /** The account's latest probability to pay, the fallback kept probability. */
  probabilityToPay: number | null;
}

/**
 * An open settlement: its sum (`openMinor`) expected by its due date, like the one instalment of a
 * plan; `probabilityToPay` is the account's, the last fallback of its kept probability.
 */
export type OpenSettlement = OpenInstalment;

export interface ForecastInput {
  asOfDate: string;
  accounts: ForecastAccount[];
  instalments: OpenInstalment[];
  /** The tenant's observed instalment kept rate; null when no instalment was decided yet. */
  instalmentKeptRate: number | null;
  settlements: OpenSettlement[];
  /** The tenant's observed settlement kept rate (paid ÷ decided); null when none was paid or lapsed yet. */
  settlementKeptRate: number | null;
}

export interface ForecastWeek {
  weekStart: string;
  weekEnd: string;
  expectedMinor: number;
  fromPlansMinor: number;
  fromScoresMinor: number;
}

const DAY = 86_400_000;
const toTime = (d: string) => Date.parse(`${d}T00:00:00Z`);
const toDay = (t: number) => new Date(t).toISOString().slice(0, 10);
export const addDays = (d: string, n: number) => toDay(toTime(d) + n * DAY);
const daysFrom = (from: string, to: string) => Math.round((toTime(to) - toTime(from)) / DAY);

/** The first Monday strictly after the day: where the forecast's first week starts. */
export function firstForecastMonday(asOfDate: string): string {
  const weekday = new Date(toTime(asOfDate)).getUTCDay(); // 0 = Sunday
  return addDays(asOfDate, (8 - weekday) % 7 || 7);
}

/** The Monday on or before the day (the start of its week). */
export function mondayOf(day: string): string {
  const weekday = new Date(toTime(day)).getUTCDay();
  return addDays(day, -((weekday + 6) % 7));
}

/** Kept probability of an instalment: the tenant's kept rate, else the account's probability to pay, else 0. */
export function keptProbability(i: OpenInstalment, instalmentKeptRate: number | null): number {
  return instalmentKeptRate ?? i.probabilityToPay ?? 0;
}

/**
 * Kept probability of a settlement: the tenant's settlement kept rate (a lump sum at a discount is
 * not an instalment of a plan), else the instalment's kept probability (the nearest observed promise).
 */
export function settlementKeptProbability(
  s: OpenSettlement,
  settlementKeptRate: number | null,
  instalmentKeptRate: number | null,
): number {
  return settlementKeptRate ?? keptProbability(s, instalmentKeptRate);
}

/**
 * Expected collection from one scored account on forecast day `d` (1 = the first forecast day):
 * the probability p applies to each successive 30-day period of the balance still unpaid, spread
 * evenly over the period's days: balance × p × (1 − p)^(m − 1) ÷ 30, m = ⌈d ÷ 30⌉.
 */
export function expectedFromScoreOnDay(balanceMinor: number, p: number, d: number): number {
  const period = Math.ceil(d / SCORE_HORIZON_DAYS);
  return (balanceMinor * p * (1 - p) ** (period - 1)) / SCORE_HORIZON_DAYS;
}

/**
 * Expected collections per week for the 12 weeks starting on the first Monday after `asOfDate`:
 * - from plans: Σ open amount × kept probability of the open instalments of active plans due in the
 *   week (none of an account with an open or paid settlement), plus Σ sum × settlement kept
 *   probability of the open settlements due in the week;
 * - from scores: Σ over accounts with a score, a positive balance, no active plan and no open or paid
 *   settlement, of `expectedFromScoreOnDay` over the week's days.
 * Each part is rounded to whole minor units per week; the expectation is their sum.
 */
export function cashForecast(input: ForecastInput): ForecastWeek[] {
  const start = firstForecastMonday(input.asOfDate);
  const weeks = Array.from({ length: FORECAST_WEEKS }, (_, w) => ({
    plans: 0,
    scores: 0,
    start: addDays(start, 7 * w),
  }));
  const weekOf = (i: OpenInstalment) => {
    const w = Math.floor(daysFrom(start, i.dueDate) / 7);
    return w < 0 || w >= FORECAST_WEEKS || i.openMinor <= 0 ? null : weeks[w];
  };
  for (const i of input.instalments) {
    const week = weekOf(i);
    if (week) week.plans += i.openMinor * keptProbability(i, input.instalmentKeptRate);
  }
  for (const s of input.settlements) {
    const week = weekOf(s);
    if (week) {
      week.plans += s.openMinor * settlementKeptProbability(s, input.settlementKeptRate, input.instalmentKeptRate);
    }
  }
  for (const a of input.accounts) {
    if (a.underActivePlan || a.settlement !== null) continue;
    if (a.probabilityToPay === null || a.balanceMinor <= 0) continue;
    for (let d = 1; d <= FORECAST_WEEKS * 7; d++) {
      weeks[Math.floor((d - 1) / 7)].scores += expectedFromScoreOnDay(a.balanceMinor, a.probabilityToPay, d);
    }
  }
  return weeks.map((w) => {
    const fromPlansMinor = Math.round(w.plans);
    const fromScoresMinor = Math.round(w.scores);
    return {
      weekStart: w.start,
      weekEnd: addDays(w.start, 6),
      expectedMinor: fromPlansMinor + fromScoresMinor,
      fromPlansMinor,
      fromScoresMinor,
    };
  });
}

/** What the forecast kept for a closed week said, and what was collected in it. */
export interface ClosedWeek {
  weekStart: string;
  forecast: { expectedMinor: number; asOfDate: string } | null;
  actualMinor: number;
}

export interface ForecastAccuracyWeek {
  weekStart: string;
  weekEnd: string;
  forecastMinor: number | null;
  forecastAsOfDate: string;
  actualMinor: number;
  /** (actual − forecast) ÷ forecast; null without a forecast or when it is 0. */
  errorRate: number | null;
}

export function forecastAccuracy(weeks: ClosedWeek[]): ForecastAccuracyWeek[] {
  return weeks.map((w) => ({
    weekStart: w.weekStart,
    weekEnd: addDays(w.weekStart, 6),
    forecastMinor: w.forecast?.expectedMinor ?? null,
    forecastAsOfDate: w.forecast?.asOfDate ?? '',
    actualMinor: w.actualMinor,
    errorRate:
      w.forecast && w.forecast.expectedMinor !== 0
        ? (w.actualMinor - w.forecast.expectedMinor) / w.forecast.expectedMinor
        : null,
  }));
}

/** The closed weeks ending before `asOfDate`, `count` of them, oldest first (Mondays). */
export function closedWeeks(asOfDate: string, count: number): string[] {
  const last = addDays(mondayOf(asOfDate), -7);
  return Array.from({ length: count }, (_, i) => addDays(last, -7 * (count - 1 - i)));
}
