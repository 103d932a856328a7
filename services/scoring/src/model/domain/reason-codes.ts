import { FEATURE_NAMES } from './features';

/**
 * Reason codes: the features that moved a score the most, in words a collections agent reads at a
 * glance ("paid 8% of the last bill", "2 months behind in the latest cycle"). Contributions are in
 * log-odds of default (TreeSHAP for trees, coefficient x (x - mean) for the logistic model).
 */
export interface ReasonCode {
  readonly feature: string;
  /** Contribution to the log-odds of default; positive raises the risk. */
  readonly contribution: number;
  readonly effect: 'raises_risk' | 'lowers_risk';
  readonly text: string;
  /** The feature was imputed (the history lacked what it needs): the reason rests on an assumed value. */
  readonly imputed: boolean;
}

export const IMPUTED_NOTE = ' (estimated: not enough history)';

const percent = (share: number): string => `${Math.round(share * 100)}%`;
const amount = (logValue: number): string => {
  const value = Math.sign(logValue) * Math.expm1(Math.abs(logValue));
  return Math.round(value).toLocaleString('en-US');
};
const cycles = (n: number): string => `${n} ${n === 1 ? 'cycle' : 'cycles'}`;
const months = (n: number): string => `${n} ${n === 1 ? 'month' : 'months'}`;
const cycleLabel = (k: number): string =>
  k === 0 ? 'the latest cycle' : k === 1 ? 'the previous cycle' : `${cycles(k)} ago`;
const round1 = (value: number): string => (Math.round(value * 10) / 10).toString();

function statusText(status: number, k: number): string {
  if (status <= -2) return `no spending in ${cycleLabel(k)}`;
  if (status === -1) return `paid in full in ${cycleLabel(k)}`;
  if (status === 0) return `paid the minimum (revolving credit) in ${cycleLabel(k)}`;
  return `${months(status)} behind in ${cycleLabel(k)}`;
}

const EDUCATION_TEXT = ['unknown', 'graduate school', 'university', 'high school', 'other'];

type Describe = (value: number) => string;

const FIXED_TEXT: Readonly<Record<string, Describe>> = {
  credit_limit_log: (v) => `credit limit of ${amount(v)}`,
  education_level: (v) => `education recorded as ${EDUCATION_TEXT[Math.round(v)] ?? 'unknown'}`,
  status_max_3m: (v) =>
    v > 0 ? `up to ${months(v)} behind in the last 3 cycles` : 'never behind in the last 3 cycles',
  status_max_6m: (v) =>
    v > 0 ? `up to ${months(v)} behind in the last 6 cycles` : 'never behind in the last 6 cycles',
  status_mean_6m: (v) =>
    v > 0 ? `on average ${round1(v)} months behind over 6 cycles` : 'on average up to date over 6 cycles',
  months_delayed_3m: (v) => `behind in ${v} of the last 3 cycles`,
  months_delayed_6m: (v) => `behind in ${v} of the last 6 cycles`,
  status_trend_6m: (v) =>
    v > 0
      ? `falling behind: ${round1(v)} months worse than 3 cycles earlier`
      : v < 0
        ? `catching up: ${round1(-v)} months better than 3 cycles earlier`
        : 'repayment status steady over 6 cycles',
  worst_roll_6m: (v) =>
    v > 0 ? `fell ${months(v)} further behind from one cycle to the next` : 'never fell further behind in 6 cycles',
  months_paid_in_full_6m: (v) => `paid in full in ${v} of the last 6 cycles`,
  months_no_consumption_6m: (v) => `no spending in ${v} of the last 6 cycles`,
  months_since_delayed: (v) =>
    v >= 6
      ? 'not behind in the last 6 cycles'
      : v === 0
        ? 'behind in the latest cycle'
        : `last behind ${cycles(v)} ago`,
  utilisation_m0: (v) => `using ${percent(v)} of the credit limit`,
  utilisation_mean_3m: (v) => `used ${percent(v)} of the credit limit on average over 3 cycles`,
  utilisation_mean_6m: (v) => `used ${percent(v)} of the credit limit on average over 6 cycles`,
  utilisation_max_6m: (v) => `used up to ${percent(v)} of the credit limit in 6 cycles`,
  utilisation_change_6m: (v) =>
    `use of the credit limit ${v >= 0 ? 'up' : 'down'} ${Math.round(Math.abs(v) * 100)} points over 6 cycles`,
  payment_ratio_1m: (v) => (v >= 1 ? 'paid the last bill in full' : `paid ${percent(v)} of the last bill`),
  payment_ratio_3m: (v) => (v >= 1 ? 'paid the last 3 bills in full' : `paid ${percent(v)} of the last 3 bills`),
  payment_ratio_6m: (v) => (v >= 1 ? 'paid the last 5 bills in full' : `paid ${percent(v)} of the last 5 bills`),
  payment_ratio_min_6m: (v) =>
    v >= 1 ? 'paid every bill of the last 6 cycles in full' : `paid as little as ${percent(v)} of a bill in 6 cycles`,
  months_underpaid_6m: (v) => `paid less than the bill in ${v} of the last 5 cycles`,
  months_without_payment_6m: (v) => `paid nothing in ${v} of the last 5 cycles with a bill due`,
  months_since_full_payment: (v) =>
    v >= 6
      ? 'no bill paid in full in the last 6 cycles'
      : v === 0
        ? 'paid the latest bill in full'
        : `last paid a bill in full ${cycles(v)} ago`,
  bill_slope_6m: (v) =>
    `balance ${v >= 0 ? 'growing' : 'shrinking'} by ${percent(Math.abs(v))} of the credit limit a month`,
  balance_after_payment_ratio: (v) => `still owed ${percent(v)} of the credit limit after the last payment`,
  available_credit_log: (v) => `${amount(v)} of credit still available`,
  paid_to_limit_6m: (v) => `paid ${percent(v)} of the credit limit in total over 6 cycles`,
  paid_total_6m_log: (v) => `paid ${amount(v)} in total over 6 cycles`,
  bill_mean_6m_log: (v) => `average bill of ${amount(v)} over 6 cycles`,
};

/** Words for one feature value. */
export function describeFeature(feature: string, value: number): string {
  const fixed = FIXED_TEXT[feature];
  if (fixed) return fixed(value);
  const perMonth = /^(status|bill_log|paid_log)_m(\d)$/.exec(feature);
  if (perMonth) {
    const k = Number(perMonth[2]);
    if (perMonth[1] === 'status') return statusText(value, k);
    if (perMonth[1] === 'bill_log') return `bill of ${amount(value)} in ${cycleLabel(k)}`;
    return `paid ${amount(value)} in ${cycleLabel(k)}`;
  }
  return `${feature.replace(/_/g, ' ')} is ${round1(value)}`;
}

/**
 * The `count` features with the largest absolute contribution, largest first (ties: feature order),
 * leaving out features that contributed nothing.
 */
export function topReasons(
  contributions: ArrayLike<number>,
  values: ArrayLike<number>,
  imputed: ReadonlySet<string> | readonly string[],
  count: number,
  names: readonly string[] = FEATURE_NAMES,
): ReasonCode[] {
  const imputedSet = imputed instanceof Set ? imputed : new Set(imputed as readonly string[]);
  const order = Array.from({ length: names.length }, (_, i) => i)
    .filter((i) => contributions[i] !== 0)
    .sort((a, b) => Math.abs(contributions[b]) - Math.abs(contributions[a]) || a - b)
    .slice(0, Math.max(0, count));
  return order.map((i) => {
    const feature = names[i];
    const wasImputed = imputedSet.has(feature);
    return {
      feature,
      contribution: contributions[i],
      effect: contributions[i] > 0 ? 'raises_risk' : 'lowers_risk',
      text: describeFeature(feature, values[i]) + (wasImputed ? IMPUTED_NOTE : ''),
      imputed: wasImputed,
    };
  });
}
