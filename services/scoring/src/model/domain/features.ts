import { ScoringModelErrorCode, ScoringModelException } from './scoring-model.exception';

/**
 * The one feature definition of the scoring models: training (from the UCI file or the ledger) and
 * online/batch scoring both go through `FeatureExtractor`, so a model never sees a feature computed
 * one way in training and another way in production.
 */

/** How many monthly statements the features look at (the six most recent). */
export const HISTORY_MONTHS = 6;

/** Repayment statuses above this are reported as this (UCI: "9 = nine months and above"). */
export const MAX_STATUS = 9;

/** Payment ratios are capped here so that a large prepayment does not dominate a linear model. */
export const PAYMENT_RATIO_CAP = 2;

/** Utilisation is clipped to this range for the same reason (bills may exceed the limit). */
export const UTILISATION_RANGE = { min: -1, max: 3 } as const;

export type EducationLevel = 'graduate_school' | 'university' | 'high_school' | 'other';

export const EDUCATION_LEVELS: readonly EducationLevel[] = ['graduate_school', 'university', 'high_school', 'other'];

const EDUCATION_CODES: Readonly<Record<EducationLevel, number>> = {
  graduate_school: 1,
  university: 2,
  high_school: 3,
  other: 4,
};

/** One monthly cycle of a credit account, in currency units. */
export interface MonthlyStatement {
  /** Statement (bill) amount of the cycle; negative when the account is in credit. */
  bill: number;
  /** Amount paid during the cycle, against the previous cycle's statement. */
  paid: number;
  /**
   * Repayment status reported for the cycle: -2 no consumption, -1 paid in full, 0 revolving credit
   * used (minimum paid), 1..9 payment delayed that many months.
   */
  status: number;
}

/** What the scoring models know about an account. Nothing here may describe a protected attribute. */
export interface AccountHistory {
  /** Credit limit in currency units; 0 or less means unknown (utilisation features are then imputed). */
  creditLimit: number;
  /** Up to six statements, most recent first; fewer means a young account (missing months are imputed). */
  statements: readonly MonthlyStatement[];
  education?: EducationLevel;
}

/** The fields of `AccountHistory` a feature may read; a feature declares every field it reads. */
export type AccountHistoryField =
  'creditLimit' | 'statements.bill' | 'statements.paid' | 'statements.status' | 'education';

/**
 * Attributes a credit or collections decision must never use (sex, marital status, age and the
 * like), including their names in the UCI file. Features are checked against this list at load.
 */
export const PROTECTED_ATTRIBUTES: readonly string[] = [
  'sex',
  'gender',
  'maritalstatus',
  'marital',
  'age',
  'dateofbirth',
  'birthdate',
  'race',
  'ethnicity',
  'religion',
  'nationality',
  'disability',
  'x2',
  'x4',
  'x5',
];

/** The account history unpacked into fixed-size arrays; features read this, never the raw object. */
export interface HistoryView {
  /** Number of statements available, 0..6. */
  months: number;
  /** Credit limit, or NaN when unknown. */
  limit: number;
  readonly status: Float64Array;
  readonly bill: Float64Array;
  readonly paid: Float64Array;
  /** Derived once per history: paymentRatio(paid[k], bill[k + 1]) for k < months - 1. */
  readonly paymentRatio: Float64Array;
  /** Derived once per history: clipped bill[k] / limit when the limit is known. */
  readonly utilisation: Float64Array;
  education: EducationLevel | undefined;
}

export interface FeatureDefinition {
  /** snake_case name, stable across model versions (it is stored in artifacts). */
  readonly name: string;
  readonly description: string;
  readonly reads: readonly AccountHistoryField[];
  /** The value used when the history lacks what the feature needs; the feature is then flagged. */
  readonly imputeWith: number;
}

/**
 * Features that come out of one pass over the history (the status features share one loop over the
 * statuses, and so on), which keeps extraction at about a microsecond per account.
 */
export interface FeatureFamily {
  readonly features: readonly FeatureDefinition[];
  /** Writes feature i of the family at out[at + i]; NaN when this history cannot support it. */
  readonly compute: (view: HistoryView, out: Float64Array, at: number) => void;
}

const BILL: AccountHistoryField = 'statements.bill';
const PAID: AccountHistoryField = 'statements.paid';
const STATUS: AccountHistoryField = 'statements.status';
const LIMIT: AccountHistoryField = 'creditLimit';

function feature(
  name: string,
  description: string,
  reads: readonly AccountHistoryField[],
  imputeWith: number,
): FeatureDefinition {
  return { name, description, reads, imputeWith };
}

function signedLog1p(value: number): number {
  return value < 0 ? -Math.log1p(-value) : Math.log1p(value);
}

function clip(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** Share of a statement paid; nothing owed counts as fully paid, paying something on nothing as the cap. */
export function paymentRatio(paid: number, bill: number): number {
  if (bill <= 0) return paid > 0 ? PAYMENT_RATIO_CAP : 1;
  return clip(paid / bill, 0, PAYMENT_RATIO_CAP);
}

/*
 * Imputation defaults (each feature's imputeWith) are the medians of the UCI training file, rounded:
 * a typical account revolves its credit, owes about a third of its limit and pays about a tenth of
 * each bill, has not been delayed nor paid a bill in full in six months. Training on the UCI file
 * never imputes (its histories are complete), so a default only ever fills a gap at scoring time.
 */
const TYPICAL_LIMIT = 140_000;
const TYPICAL_AVAILABLE_CREDIT = 65_000;
const TYPICAL_BILL = 20_000;
const TYPICAL_PAYMENT = 2_000;
const TYPICAL_UTILISATION = 0.3;
const TYPICAL_PAYMENT_RATIO = 0.1;

const MONTH_LABELS = [
  'the latest statement',
  'the previous statement',
  'the statement 2 cycles before the latest',
  'the statement 3 cycles before the latest',
  'the statement 4 cycles before the latest',
  'the statement 5 cycles before the latest',
];

const STATUS_FAMILY: FeatureFamily = {
  features: [
    ...MONTH_LABELS.map((label, k) => feature(`status_m${k}`, `repayment status of ${label}`, [STATUS], 0)),
    feature('status_max_3m', 'worst repayment status over the last 3 statements', [STATUS], 0),
    feature('status_max_6m', 'worst repayment status over the last 6 statements', [STATUS], 0),
    feature('status_mean_6m', 'mean repayment status over the last 6 statements', [STATUS], 0),
    feature('months_delayed_3m', 'statements with a delayed payment among the last 3', [STATUS], 0),
    feature('months_delayed_6m', 'statements with a delayed payment among the last 6', [STATUS], 0),
    feature(
      'status_trend_6m',
      'mean status of the last 3 statements minus that of the 3 before (positive: falling behind)',
      [STATUS],
      0,
    ),
    feature('worst_roll_6m', 'largest month-on-month worsening of the status over the last 6 statements', [STATUS], 0),
    feature('months_paid_in_full_6m', 'statements reported as paid in full among the last 6', [STATUS], 0),
    feature('months_no_consumption_6m', 'statements without consumption among the last 6', [STATUS], 0),
    feature('months_since_delayed', 'statements since the last delayed one (0: the latest; 6: none in 6)', [STATUS], 6),
  ],
  compute(v, out, at) {
    const s = v.status;
    const n = v.months;
    for (let k = 0; k < HISTORY_MONTHS; k++) out[at + k] = k < n ? s[k] : NaN;
    let max3 = NaN;
    let delayed3 = NaN;
    if (n >= 3) {
      max3 = Math.max(s[0], s[1], s[2]);
      delayed3 = +(s[0] > 0) + +(s[1] > 0) + +(s[2] > 0);
    }
    out[at + 6] = max3;
    out[at + 9] = delayed3;
    if (n >= 6) {
      let max = -Infinity;
      let sum = 0;
      let delayed = 0;
      let paidInFull = 0;
      let noConsumption = 0;
      let worstRoll = -Infinity;
      for (let k = 0; k < 6; k++) {
        const status = s[k];
        if (status > max) max = status;
        sum += status;
        if (status > 0) delayed++;
        else if (status === -1) paidInFull++;
        else if (status === -2) noConsumption++;
        if (k < 5 && status - s[k + 1] > worstRoll) worstRoll = status - s[k + 1];
      }
      out[at + 7] = max;
      out[at + 8] = sum / 6;
      out[at + 10] = delayed;
      out[at + 11] = (s[0] + s[1] + s[2] - s[3] - s[4] - s[5]) / 3;
      out[at + 12] = worstRoll;
      out[at + 13] = paidInFull;
      out[at + 14] = noConsumption;
    } else {
      for (let i = 7; i <= 14; i++) if (i !== 9) out[at + i] = NaN;
    }
    let sinceDelayed = n >= 6 ? 6 : NaN;
    for (let k = 0; k < n; k++) {
      if (s[k] > 0) {
        sinceDelayed = k;
        break;
      }
    }
    out[at + 15] = sinceDelayed;
  },
};

const UTILISATION_FAMILY: FeatureFamily = {
  features: [
    feature('utilisation_m0', 'latest bill over the credit limit', [BILL, LIMIT], TYPICAL_UTILISATION),
    feature(
      'utilisation_mean_3m',
      'mean bill over limit over the last 3 statements',
      [BILL, LIMIT],
      TYPICAL_UTILISATION,
    ),
    feature(
      'utilisation_mean_6m',
      'mean bill over limit over the last 6 statements',
      [BILL, LIMIT],
      TYPICAL_UTILISATION,
    ),
    feature('utilisation_max_6m', 'highest bill over limit over the last 6 statements', [BILL, LIMIT], 0.45),
    feature('utilisation_change_6m', 'utilisation of the latest statement minus the oldest of 6', [BILL, LIMIT], 0),
  ],
  compute(v, out, at) {
    const u = v.utilisation;
    const n = v.limit > 0 ? v.months : 0;
    out[at] = n >= 1 ? u[0] : NaN;
    out[at + 1] = n >= 3 ? (u[0] + u[1] + u[2]) / 3 : NaN;
    if (n >= 6) {
      out[at + 2] = (u[0] + u[1] + u[2] + u[3] + u[4] + u[5]) / 6;
      out[at + 3] = Math.max(u[0], u[1], u[2], u[3], u[4], u[5]);
      out[at + 4] = u[0] - u[5];
    } else {
      out[at + 2] = NaN;
      out[at + 3] = NaN;
      out[at + 4] = NaN;
    }
  },
};

/** Payments of months 0..(months-2) over the statements they paid, months 1..(months-1). */
function windowPaymentRatio(v: HistoryView, months: number): number {
  if (v.months < months) return NaN;
  let paid = 0;
  let billed = 0;
  for (let k = 0; k < months - 1; k++) {
    paid += v.paid[k];
    billed += v.bill[k + 1];
  }
  return paymentRatio(paid, billed);
}

const PAYMENT_FAMILY: FeatureFamily = {
  features: [
    feature(
      'payment_ratio_1m',
      'latest payment over the statement it paid (capped at 2; nothing owed counts as 1)',
      [BILL, PAID],
      TYPICAL_PAYMENT_RATIO,
    ),
    feature('payment_ratio_3m', 'last 3 payments over the 3 statements they paid', [BILL, PAID], TYPICAL_PAYMENT_RATIO),
    feature(
      'payment_ratio_6m',
      'last 5 payments over the 5 statements they paid (all a 6-month history covers)',
      [BILL, PAID],
      TYPICAL_PAYMENT_RATIO,
    ),
    feature('payment_ratio_min_6m', 'lowest monthly payment ratio over the last 6 statements', [BILL, PAID], 0.04),
    feature('months_underpaid_6m', 'payments short of the statement they paid, among the last 5', [BILL, PAID], 5),
    feature(
      'months_without_payment_6m',
      'cycles with a statement to pay and no payment, among the last 5',
      [BILL, PAID],
      0,
    ),
    feature(
      'months_since_full_payment',
      'cycles since a statement was last paid in full (6: not in the last 6)',
      [BILL, PAID, STATUS],
      6,
    ),
  ],
  compute(v, out, at) {
    out[at] = windowPaymentRatio(v, 2);
    out[at + 1] = windowPaymentRatio(v, 4);
    out[at + 2] = windowPaymentRatio(v, 6);
    if (v.months >= 6) {
      let min = Infinity;
      let underpaid = 0;
      let nothingPaid = 0;
      for (let k = 0; k < 5; k++) {
        if (v.paymentRatio[k] < min) min = v.paymentRatio[k];
        const owed = v.bill[k + 1];
        if (owed > 0 && v.paid[k] < owed) {
          underpaid++;
          if (v.paid[k] <= 0) nothingPaid++;
        }
      }
      out[at + 3] = min;
      out[at + 4] = underpaid;
      out[at + 5] = nothingPaid;
    } else {
      out[at + 3] = NaN;
      out[at + 4] = NaN;
      out[at + 5] = NaN;
    }
    // a cycle counts as paid in full when reported so, or when its payment covered the statement before
    let sinceFull = v.months >= 6 ? 6 : NaN;
    for (let k = 0; k < v.months; k++) {
      const coveredPrevious = k + 1 < v.months && (v.bill[k + 1] <= 0 || v.paid[k] >= v.bill[k + 1]);
      if (v.status[k] === -1 || coveredPrevious) {
        sinceFull = k;
        break;
      }
    }
    out[at + 6] = sinceFull;
  },
};

const BALANCE_FAMILY: FeatureFamily = {
  features: [
    feature(
      'bill_slope_6m',
      'least-squares slope of the bill over 6 statements, in credit limits per month',
      [BILL, LIMIT],
      0,
    ),
    feature(
      'balance_after_payment_ratio',
      'previous statement minus the latest payment, over the credit limit',
      [BILL, PAID, LIMIT],
      0.25,
    ),
    feature('paid_to_limit_6m', 'sum of the last 6 payments over the credit limit', [PAID, LIMIT], 0.15),
    feature(
      'available_credit_log',
      'signed log of 1 + (credit limit - latest bill)',
      [BILL, LIMIT],
      Math.log1p(TYPICAL_AVAILABLE_CREDIT),
    ),
  ],
  compute(v, out, at) {
    const limit = v.limit;
    const n = limit > 0 ? v.months : 0;
    const b = v.bill;
    if (n >= 6) {
      const mean = (b[0] + b[1] + b[2] + b[3] + b[4] + b[5]) / 6;
      // time runs oldest (t = 0, month 5) to latest (t = 5, month 0); the sum of (t - 2.5)^2 is 17.5
      let covariance = 0;
      for (let t = 0; t < 6; t++) covariance += (t - 2.5) * (b[5 - t] - mean);
      out[at] = clip(covariance / 17.5 / limit, UTILISATION_RANGE.min, UTILISATION_RANGE.max);
      const p = v.paid;
      out[at + 2] = clip((p[0] + p[1] + p[2] + p[3] + p[4] + p[5]) / limit, 0, 10);
    } else {
      out[at] = NaN;
      out[at + 2] = NaN;
    }
    out[at + 1] = n >= 2 ? clip((b[1] - v.paid[0]) / limit, UTILISATION_RANGE.min, UTILISATION_RANGE.max) : NaN;
    out[at + 3] = n >= 1 ? signedLog1p(limit - b[0]) : NaN;
  },
};

const AMOUNT_FAMILY: FeatureFamily = {
  features: [
    feature('credit_limit_log', 'natural log of 1 + the credit limit', [LIMIT], Math.log1p(TYPICAL_LIMIT)),
    feature('bill_log_m0', 'signed log of 1 + the latest bill', [BILL], Math.log1p(TYPICAL_BILL)),
    feature('paid_log_m0', 'signed log of 1 + the payment of the latest cycle', [PAID], Math.log1p(TYPICAL_PAYMENT)),
    feature('bill_mean_6m_log', 'signed log of 1 + the mean of the last 6 bills', [BILL], Math.log1p(TYPICAL_BILL)),
    feature(
      'paid_total_6m_log',
      'signed log of 1 + the sum of the last 6 payments',
      [PAID],
      Math.log1p(6 * TYPICAL_PAYMENT),
    ),
  ],
  compute(v, out, at) {
    out[at] = v.limit > 0 ? Math.log1p(v.limit) : NaN;
    out[at + 1] = v.months >= 1 ? signedLog1p(v.bill[0]) : NaN;
    out[at + 2] = v.months >= 1 ? signedLog1p(v.paid[0]) : NaN;
    if (v.months >= 6) {
      const b = v.bill;
      const p = v.paid;
      out[at + 3] = signedLog1p((b[0] + b[1] + b[2] + b[3] + b[4] + b[5]) / 6);
      out[at + 4] = signedLog1p(p[0] + p[1] + p[2] + p[3] + p[4] + p[5]);
    } else {
      out[at + 3] = NaN;
      out[at + 4] = NaN;
    }
  },
};

const EDUCATION_FAMILY: FeatureFamily = {
  features: [feature('education_level', '1 graduate school, 2 university, 3 high school, 4 other', ['education'], 2)],
  compute(v, out, at) {
    out[at] = v.education === undefined ? NaN : EDUCATION_CODES[v.education];
  },
};

/** Every feature family, in feature order. */
export const FEATURE_FAMILIES: readonly FeatureFamily[] = [
  STATUS_FAMILY,
  PAYMENT_FAMILY,
  UTILISATION_FAMILY,
  BALANCE_FAMILY,
  AMOUNT_FAMILY,
  EDUCATION_FAMILY,
];

/** Every feature, in the order of feature vectors and model artifacts. */
export const FEATURE_DEFINITIONS: readonly FeatureDefinition[] = FEATURE_FAMILIES.flatMap((family) => family.features);

/** Throws when a feature would read a protected attribute; run on every definition list at load. */
export function assertNoProtectedAttributes(definitions: readonly FeatureDefinition[]): void {
  const normalise = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]/g, '');
  const protectedNames = new Set(PROTECTED_ATTRIBUTES.map(normalise));
  for (const definition of definitions) {
    const fields = [definition.name, ...definition.reads];
    for (const field of fields) {
      const parts = field.split(/[._]/).map(normalise);
      if (protectedNames.has(normalise(field)) || parts.some((part) => protectedNames.has(part))) {
        throw new ScoringModelException(
          ScoringModelErrorCode.ProtectedAttributeUsed,
          `feature ${definition.name} reads ${field}, a protected attribute; protected attributes are never features`,
          field,
        );
      }
    }
  }
}

assertNoProtectedAttributes(FEATURE_DEFINITIONS);

export const FEATURE_NAMES: readonly string[] = FEATURE_DEFINITIONS.map((d) => d.name);

export const FEATURE_COUNT = FEATURE_DEFINITIONS.length;

if (new Set(FEATURE_NAMES).size !== FEATURE_COUNT) throw new Error('feature names must be unique');

function invalid(field: string, message: string): ScoringModelException {
  return new ScoringModelException(
    ScoringModelErrorCode.InvalidAccountHistory,
    `account history ${field} ${message}`,
    field,
  );
}

function requireFinite(value: unknown, field: string): number {
  if (typeof value !== 'number') throw invalid(field, `must be a number, got ${typeof value}`);
  if (!Number.isFinite(value)) throw invalid(field, `must be a finite number, got ${String(value)}`);
  return value;
}

/** A feature vector with the names of the features that had to be imputed. */
export interface FeatureVector {
  readonly values: Float64Array;
  readonly imputed: readonly string[];
}

/**
 * Computes the features of account histories. Holds scratch space so batch extraction allocates
 * nothing per row; one instance is not safe to share between concurrent async callers mid-call (it
 * never awaits, so in Node it is).
 */
export class FeatureExtractor {
  private readonly view: HistoryView = {
    months: 0,
    limit: NaN,
    status: new Float64Array(HISTORY_MONTHS),
    bill: new Float64Array(HISTORY_MONTHS),
    paid: new Float64Array(HISTORY_MONTHS),
    paymentRatio: new Float64Array(HISTORY_MONTHS - 1),
    utilisation: new Float64Array(HISTORY_MONTHS),
    education: undefined,
  };

  private readonly definitions: readonly FeatureDefinition[];
  /** imputeWith of each feature, in order. */
  private readonly defaults: Float64Array;

  constructor(private readonly families: readonly FeatureFamily[] = FEATURE_FAMILIES) {
    this.definitions = families.flatMap((family) => family.features);
    assertNoProtectedAttributes(this.definitions);
    this.defaults = Float64Array.from(this.definitions, (d) => d.imputeWith);
  }

  get featureCount(): number {
    return this.definitions.length;
  }

  get featureNames(): readonly string[] {
    return this.definitions.map((d) => d.name);
  }

  /** Features of one history; throws a ScoringModelException naming the field on a non-finite input. */
  extract(history: AccountHistory): FeatureVector {
    const values = new Float64Array(this.definitions.length);
    const flags = new Uint8Array(this.definitions.length);
    this.extractInto(history, values, 0, flags, 0);
    const imputed: string[] = [];
    for (let i = 0; i < flags.length; i++) if (flags[i] === 1) imputed.push(this.definitions[i].name);
    return { values, imputed };
  }

  /**
   * Writes the features of `history` at `out[offset..]` and, when given, 1 at `imputedFlags[flagOffset + i]`
   * for each imputed feature i (0 for the others). Returns how many features were imputed.
   */
  extractInto(
    history: AccountHistory,
    out: Float64Array,
    offset: number,
    imputedFlags?: Uint8Array,
    flagOffset = offset,
  ): number {
    const view = this.load(history);
    const families = this.families;
    let at = offset;
    for (let f = 0; f < families.length; f++) {
      families[f].compute(view, out, at);
      at += families[f].features.length;
    }
    // NaN marks a value the history cannot support: it becomes the documented default, flagged
    const defaults = this.defaults;
    let imputedCount = 0;
    for (let i = 0; i < defaults.length; i++) {
      const value = out[offset + i];
      const missing = value !== value;
      if (missing) {
        out[offset + i] = defaults[i];
        imputedCount++;
      }
      if (imputedFlags) imputedFlags[flagOffset + i] = missing ? 1 : 0;
    }
    return imputedCount;
  }

  /** Validates the history and unpacks it into the scratch view (field names are only built on failure). */
  private load(history: AccountHistory): HistoryView {
    const view = this.view;
    if (history === null || typeof history !== 'object') throw invalid('', 'must be an object');
    const limit = history.creditLimit;
    if (typeof limit !== 'number' || !Number.isFinite(limit)) requireFinite(limit, 'creditLimit');
    view.limit = limit > 0 ? limit : NaN;
    const statements = history.statements;
    if (!Array.isArray(statements)) throw invalid('statements', 'must be an array');
    const months = statements.length < HISTORY_MONTHS ? statements.length : HISTORY_MONTHS;
    for (let k = 0; k < months; k++) {
      const statement = statements[k] as MonthlyStatement | undefined;
      if (statement === null || typeof statement !== 'object') throw invalid(`statements[${k}]`, 'must be an object');
      const { bill, paid, status } = statement;
      // typeof guards keep strings and objects out; subtracting itself is NaN for NaN and +-Infinity
      if (typeof bill !== 'number' || bill - bill !== 0) requireFinite(bill, `statements[${k}].bill`);
      if (typeof paid !== 'number' || paid - paid !== 0) requireFinite(paid, `statements[${k}].paid`);
      if (typeof status !== 'number' || status - status !== 0) requireFinite(status, `statements[${k}].status`);
      if (!Number.isInteger(status) || status < -2) {
        throw invalid(`statements[${k}].status`, `must be an integer status code of -2 or more, got ${status}`);
      }
      view.bill[k] = bill;
      view.paid[k] = paid;
      view.status[k] = status > MAX_STATUS ? MAX_STATUS : status;
    }
    view.months = months;
    for (let k = 0; k + 1 < months; k++) view.paymentRatio[k] = paymentRatio(view.paid[k], view.bill[k + 1]);
    if (limit > 0) {
      for (let k = 0; k < months; k++) {
        view.utilisation[k] = clip(view.bill[k] / limit, UTILISATION_RANGE.min, UTILISATION_RANGE.max);
      }
    }
    const education = history.education;
    if (education !== undefined && !Object.prototype.hasOwnProperty.call(EDUCATION_CODES, education)) {
      throw invalid('education', `must be one of ${EDUCATION_LEVELS.join(', ')}, got ${String(education)}`);
    }
    view.education = education;
    return view;
  }
}
