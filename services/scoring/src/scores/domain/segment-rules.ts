import { scoring } from '@collections/contracts';
import { ScoresErrorCode, ScoresException } from './scores.exception';

/**
 * Segments from a tenant's ordered rules on the probability to pay, the balance and the days past
 * due: the first rule whose every condition holds decides, and an account no rule matches gets the
 * rule set's default. Ranges are half-open, [min, max), so adjacent rules never overlap.
 */
export type Segment = Exclude<scoring.Segment, scoring.Segment.SEGMENT_UNSPECIFIED | scoring.Segment.UNRECOGNIZED>;

export const SEGMENTS: readonly Segment[] = [
  scoring.Segment.SEGMENT_SELF_CURE,
  scoring.Segment.SEGMENT_NEGOTIATE,
  scoring.Segment.SEGMENT_HARDSHIP,
  scoring.Segment.SEGMENT_LEGAL_OR_HUMAN,
];

export interface SegmentRule {
  readonly name: string;
  readonly segment: Segment;
  readonly minProbabilityToPay?: number;
  readonly maxProbabilityToPay?: number;
  /** Balance bounds in minor units; a rule with one never matches an account whose balance is unknown. */
  readonly minBalanceMinor?: number;
  readonly maxBalanceMinor?: number;
  readonly minDaysPastDue?: number;
  readonly maxDaysPastDue?: number;
  /** The rule applies only to accounts in this currency; undefined: any currency. */
  readonly currency?: string;
}

/** A rule as a tenant sends it, before validation (any segment number, empty currency for any). */
export type SegmentRuleInput = Omit<SegmentRule, 'segment'> & { readonly segment: number };

export interface SegmentRuleSet {
  readonly rules: readonly SegmentRule[];
  readonly defaultSegment: Segment;
  /** 0 for the platform default; each change a tenant makes increments it. */
  readonly version: number;
}

/** What a segment is chosen on. */
export interface SegmentInput {
  readonly probabilityToPay: number;
  /** Outstanding balance in minor units, undefined when the ledger has not told scoring yet. */
  readonly balanceMinor: number | undefined;
  readonly currency: string;
  readonly daysPastDue: number;
}

export interface SegmentDecision {
  readonly segment: Segment;
  /** The matching rule's name, or DEFAULT_RULE_NAME. */
  readonly rule: string;
}

export const DEFAULT_RULE_NAME = 'default';
export const MAX_SEGMENT_RULES = 50;
const MAX_RULE_NAME_LENGTH = 64;

/** The platform default, documented in services/scoring/docs/segments.md (keep the two in step). */
export const DEFAULT_SEGMENT_RULES: SegmentRuleSet = Object.freeze({
  version: 0,
  defaultSegment: scoring.Segment.SEGMENT_LEGAL_OR_HUMAN,
  rules: Object.freeze([
    { name: 'nothing-owed', segment: scoring.Segment.SEGMENT_SELF_CURE, maxBalanceMinor: 1 },
    {
      name: 'early-and-likely-to-pay',
      segment: scoring.Segment.SEGMENT_SELF_CURE,
      minProbabilityToPay: 0.8,
      maxDaysPastDue: 30,
    },
    {
      name: 'long-overdue-and-unlikely',
      segment: scoring.Segment.SEGMENT_LEGAL_OR_HUMAN,
      maxProbabilityToPay: 0.5,
      minDaysPastDue: 90,
    },
    { name: 'likely-to-pay', segment: scoring.Segment.SEGMENT_NEGOTIATE, minProbabilityToPay: 0.5 },
    { name: 'struggling', segment: scoring.Segment.SEGMENT_HARDSHIP, minProbabilityToPay: 0.25 },
  ] as SegmentRule[]),
});

const within = (value: number, min: number | undefined, max: number | undefined): boolean =>
  (min === undefined || value >= min) && (max === undefined || value < max);

/** Whether every condition of the rule holds for the input. */
export function ruleMatches(rule: SegmentRule, input: SegmentInput): boolean {
  if (rule.currency !== undefined && rule.currency !== input.currency) return false;
  if (!within(input.probabilityToPay, rule.minProbabilityToPay, rule.maxProbabilityToPay)) return false;
  if (!within(input.daysPastDue, rule.minDaysPastDue, rule.maxDaysPastDue)) return false;
  if (rule.minBalanceMinor !== undefined || rule.maxBalanceMinor !== undefined) {
    if (input.balanceMinor === undefined) return false;
    if (!within(input.balanceMinor, rule.minBalanceMinor, rule.maxBalanceMinor)) return false;
  }
  return true;
}

/** The segment of one account: the first matching rule, else the default. */
export function segmentFor(rules: SegmentRuleSet, input: SegmentInput): SegmentDecision {
  for (const rule of rules.rules) {
    if (ruleMatches(rule, input)) return { segment: rule.segment, rule: rule.name };
  }
  return { segment: rules.defaultSegment, rule: DEFAULT_RULE_NAME };
}

function invalid(field: string, message: string): ScoresException {
  return new ScoresException(ScoresErrorCode.InvalidSegmentRules, `segment rules: ${field} ${message}`, field);
}

function isSegment(value: unknown): value is Segment {
  return SEGMENTS.includes(value as Segment);
}

function bound(
  value: number | undefined,
  field: string,
  check: { integer?: boolean; min?: number; max?: number },
): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, 'must be a finite number');
  if (check.integer && !Number.isInteger(value)) throw invalid(field, 'must be a whole number');
  if (check.min !== undefined && value < check.min) throw invalid(field, `must be ${check.min} or more`);
  if (check.max !== undefined && value > check.max) throw invalid(field, `must be ${check.max} or less`);
  return value;
}

function range(
  rule: SegmentRuleInput,
  i: number,
  minKey: keyof SegmentRuleInput,
  maxKey: keyof SegmentRuleInput,
  check: { integer?: boolean; min?: number; max?: number },
): { min?: number; max?: number } {
  const min = bound(rule[minKey] as number | undefined, `rules[${i}].${minKey}`, check);
  const max = bound(rule[maxKey] as number | undefined, `rules[${i}].${maxKey}`, check);
  if (min !== undefined && max !== undefined && !(min < max)) {
    throw invalid(`rules[${i}].${minKey}`, `must be below ${maxKey} (ranges are [min, max))`);
  }
  return { min, max };
}

/**
 * Checks a rule set a tenant asks for and returns it normalised (empty currency → any). Refuses,
 * naming the field: an unknown segment, a non-finite or inverted bound, a duplicate or blank name,
 * and a rule after an unconditional one (it could never match: first match wins).
 */
export function validateSegmentRules(
  rules: readonly SegmentRuleInput[],
  defaultSegment: number,
  version: number,
): SegmentRuleSet {
  if (!isSegment(defaultSegment)) throw invalid('defaultSegment', `must be one of ${SEGMENTS.join(', ')}`);
  if (rules.length > MAX_SEGMENT_RULES) throw invalid('rules', `may hold at most ${MAX_SEGMENT_RULES} rules`);
  const names = new Set<string>();
  const normalised: SegmentRule[] = [];
  rules.forEach((rule, i) => {
    const name = typeof rule.name === 'string' ? rule.name.trim() : '';
    if (!name || name.length > MAX_RULE_NAME_LENGTH) {
      throw invalid(`rules[${i}].name`, `must be 1 to ${MAX_RULE_NAME_LENGTH} characters`);
    }
    if (name === DEFAULT_RULE_NAME) throw invalid(`rules[${i}].name`, `"${DEFAULT_RULE_NAME}" is reserved`);
    if (names.has(name)) throw invalid(`rules[${i}].name`, `"${name}" is used by an earlier rule`);
    names.add(name);
    if (!isSegment(rule.segment)) throw invalid(`rules[${i}].segment`, `must be one of ${SEGMENTS.join(', ')}`);
    const currency = rule.currency ? rule.currency : undefined;
    if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) {
      throw invalid(`rules[${i}].currency`, 'must be an ISO 4217 code such as USD');
    }
    const p = range(rule, i, 'minProbabilityToPay', 'maxProbabilityToPay', { min: 0, max: 1 });
    const b = range(rule, i, 'minBalanceMinor', 'maxBalanceMinor', { integer: true });
    const d = range(rule, i, 'minDaysPastDue', 'maxDaysPastDue', { integer: true, min: 0 });
    const previous = normalised.find((r) => isUnconditional(r));
    if (previous) {
      throw invalid(`rules[${i}]`, `can never match: rule "${previous.name}" before it matches every account`);
    }
    normalised.push(
      stripUndefined({
        name,
        segment: rule.segment,
        minProbabilityToPay: p.min,
        maxProbabilityToPay: p.max,
        minBalanceMinor: b.min,
        maxBalanceMinor: b.max,
        minDaysPastDue: d.min,
        maxDaysPastDue: d.max,
        currency,
      }),
    );
  });
  return { rules: normalised, defaultSegment, version };
}

function isUnconditional(rule: SegmentRule): boolean {
  return (
    rule.currency === undefined &&
    rule.minProbabilityToPay === undefined &&
    rule.maxProbabilityToPay === undefined &&
    rule.minBalanceMinor === undefined &&
    rule.maxBalanceMinor === undefined &&
    rule.minDaysPastDue === undefined &&
    rule.maxDaysPastDue === undefined
  );
}

function stripUndefined(rule: SegmentRule): SegmentRule {
  return Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined)) as unknown as SegmentRule;
}
