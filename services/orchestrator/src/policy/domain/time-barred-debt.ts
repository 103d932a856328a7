import { PolicyViolation } from './policy.error';
import { LimitationPeriod, TimeBarredDebtRule } from './rule-pack.types';

/** ISO 3166-2:US subdivision codes: the 50 states, the District of Columbia and the outlying areas. */
export const US_SUBDIVISIONS = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY',
  'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND',
  'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
  'DC', 'AS', 'GU', 'MP', 'PR', 'UM', 'VI',
] as const; // prettier-ignore

/** No statute of limitations on a consumer debt comes near it; it keeps a typo from reading as "never". */
export const MAX_LIMITATION_YEARS = 100;

const PRODUCT_WORD = /^[a-z][a-z0-9_]*$/;

/** A tenant's change to `enforcement.noSuitWhenTimeBarred`: periods by state, `null` to remove one. */
export interface TimeBarredDebtOverride {
  readonly limitationPeriods?: Readonly<
    Record<
      string,
      { readonly years?: number | null; readonly products?: Readonly<Record<string, number | null>> } | null
    >
  >;
}

/** What the time-barred check found for one account on one local day. */
export type TimeBarredCheck =
  /** The state's period is known: `barred` once the debtor's local day reaches `barredOn`. */
  | {
      readonly kind: 'checked';
      readonly barred: boolean;
      readonly state: string;
      readonly years: number;
      readonly defaultDate: string;
      readonly barredOn: string;
    }
  /** No period is configured for the debtor's state (or product there), or the state is not known. */
  | { readonly kind: 'no-period'; readonly state: string };

/** The debtor's region as a US subdivision code (`CA`, `us-ca` → `CA`); empty when there is none. */
export function usStateOf(region: string | undefined): string {
  return (region ?? '').trim().toUpperCase().replace(/^US-/, '');
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/**
 * The local day a debt that defaulted on `defaultDate` (`YYYY-MM-DD`) becomes time-barred after
 * `years`: the same month and day `years` later. A 29 February default reaches a year without one
 * on 28 February, the earlier of the two readings (the stricter one: it refuses a day sooner).
 */
export function timeBarredOn(defaultDate: string, years: number): string {
  const [y, m, d] = defaultDate.split('-').map(Number);
  const year = y + years;
  const day = m === 2 && d === 29 && !isLeap(year) ? 28 : d;
  return `${String(year).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The state's period for the product, in years; undefined when none is configured. */
export function limitationYears(period: LimitationPeriod | undefined, product: string): number | undefined {
  return period?.products?.[product] ?? period?.years;
}

/**
 * Whether the debt is time-barred on the debtor's local day `today`: its state's limitation period
 * (for the account's product, else the state's) counted from `defaultDate` has run out. The period
 * runs from the default date only: a payment that restarts it under some states' law is not
 * counted, so this may refuse a referral a lawyer could still make (the stricter reading).
 */
export function timeBarredCheck(
  rule: TimeBarredDebtRule,
  region: string | undefined,
  product: string,
  defaultDate: string,
  today: string,
): TimeBarredCheck {
  const state = usStateOf(region);
  const years = state ? limitationYears(rule.limitationPeriods[state], product) : undefined;
  if (years === undefined) return { kind: 'no-period', state };
  const barredOn = timeBarredOn(defaultDate, years);
  return { kind: 'checked', barred: today >= barredOn, state, years, defaultDate, barredOn };
}

/**
 * A refusal's words for a debt found time-barred: the rule's id, words and citation, then the
 * figures (state, years, default date, the day it became time-barred). The same words refuse a
 * legal referral and a message that threatens legal action.
 */
export function timeBarredReason(
  rule: TimeBarredDebtRule,
  check: Extract<TimeBarredCheck, { readonly kind: 'checked' }>,
): string {
  return (
    `${rule.id}: ${rule.text} [${rule.citation}] — the debt is time-barred in ${check.state}: its ` +
    `${check.years}-year limitation period from the default date ${check.defaultDate} ran out on ${check.barredOn}`
  );
}

const wholeYears = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= MAX_LIMITATION_YEARS;

/** Every problem in the rule's limitation periods, with its path under `path`. */
export function limitationPeriodViolations(rule: TimeBarredDebtRule, path: string): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  const problem = (at: string, text: string) => found.push({ path: at, problem: text });
  const yearsText = `must be a whole number of years from 1 to ${MAX_LIMITATION_YEARS}`;
  const periods: unknown = rule.limitationPeriods;
  if (typeof periods !== 'object' || periods === null || Array.isArray(periods)) {
    problem(`${path}.limitationPeriods`, 'must be an object of periods by US state');
    return found;
  }
  for (const [state, period] of Object.entries(periods as Record<string, LimitationPeriod | null>)) {
    const at = `${path}.limitationPeriods.${state}`;
    if (!(US_SUBDIVISIONS as readonly string[]).includes(state))
      problem(at, 'is not a US state code (ISO 3166-2:US subdivision, e.g. CA)');
    if (typeof period !== 'object' || period === null) {
      problem(at, 'must be { years, products }');
      continue;
    }
    if (period.years !== undefined && !wholeYears(period.years)) problem(`${at}.years`, yearsText);
    for (const [product, years] of Object.entries(period.products ?? {})) {
      if (!PRODUCT_WORD.test(product)) problem(`${at}.products.${product}`, 'is not a product word (e.g. credit_card)');
      if (!wholeYears(years)) problem(`${at}.products.${product}`, yearsText);
    }
    if (period.years === undefined && Object.keys(period.products ?? {}).length === 0)
      problem(at, 'names no period (years, or years per product)');
  }
  return found;
}

/**
 * The rule with the tenant's periods: added states and shorter periods are taken (they refuse more
 * referrals); a longer period, or one removed (`null`), for a state or product the pack had,
 * is a problem at its path, as any loosening of a pack is.
 */
export function overrideLimitationPeriods(
  rule: TimeBarredDebtRule | undefined,
  patch: TimeBarredDebtOverride | undefined,
  path: string,
  problem: (path: string, text: string) => void,
): TimeBarredDebtRule | undefined {
  if (patch === undefined) return rule;
  if (!rule) {
    problem(path, 'is not a rule of this pack');
    return rule;
  }
  const periods: Record<string, LimitationPeriod> = { ...rule.limitationPeriods };
  for (const [state, change] of Object.entries(patch.limitationPeriods ?? {})) {
    const at = `${path}.limitationPeriods.${state}`;
    const old = rule.limitationPeriods[state];
    if (change === null) {
      if (old) problem(at, 'is removed; the pack refuses legal action once its period has run');
      continue;
    }
    const products: Record<string, number> = { ...old?.products };
    for (const [product, years] of Object.entries(change.products ?? {}))
      if (years === null) delete products[product];
      else products[product] = years;
    const years = change.years === null ? undefined : (change.years ?? old?.years);
    const next: LimitationPeriod = {
      ...(years !== undefined ? { years } : {}),
      ...(Object.keys(products).length ? { products } : {}),
    };
    const keeps = (where: string, was: number | undefined, now: number | undefined) => {
      if (was === undefined) return;
      if (now === undefined) problem(where, `is removed; the pack bars legal action after ${was} years`);
      else if (now > was) problem(where, `${now} years is longer than the pack's ${was}`);
    };
    keeps(`${at}.years`, old?.years, next.years);
    for (const product of new Set([...Object.keys(old?.products ?? {}), ...Object.keys(products)]))
      keeps(`${at}.products.${product}`, limitationYears(old, product), limitationYears(next, product));
    periods[state] = next;
  }
  return { ...rule, limitationPeriods: periods };
}
