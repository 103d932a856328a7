import fc from 'fast-check';
import { scoring } from '@collections/contracts';
import { ScoresErrorCode, ScoresException } from '../../src/scores/domain/scores.exception';
import {
  DEFAULT_RULE_NAME,
  DEFAULT_SEGMENT_RULES,
  SEGMENTS,
  SegmentInput,
  SegmentRule,
  SegmentRuleSet,
  ruleMatches,
  segmentFor,
  validateSegmentRules,
} from '../../src/scores/domain/segment-rules';

const S = scoring.Segment;

const input = fc.record({
  probabilityToPay: fc.double({ min: 0, max: 1, noNaN: true }),
  balanceMinor: fc.option(fc.integer({ min: -1_000_000, max: 100_000_000 }), { nil: undefined }),
  currency: fc.constantFrom('USD', 'COP', 'MXN'),
  daysPastDue: fc.integer({ min: 0, max: 1_000 }),
});

const optionalRange = (arb: fc.Arbitrary<number>) =>
  fc
    .tuple(fc.option(arb, { nil: undefined }), fc.option(arb, { nil: undefined }))
    .map(([a, b]) => (a !== undefined && b !== undefined && a >= b ? [b === a ? undefined : b, a] : [a, b]));

/** Valid rules: bounds in order, at least one condition each (an unconditional rule must come last). */
const rule = (i: number): fc.Arbitrary<SegmentRule> =>
  fc
    .record({
      segment: fc.constantFrom(...SEGMENTS),
      p: optionalRange(fc.double({ min: 0, max: 1, noNaN: true })),
      b: optionalRange(fc.integer({ min: -1_000, max: 10_000_000 })),
      d: optionalRange(fc.integer({ min: 0, max: 720 })),
      currency: fc.option(fc.constantFrom('USD', 'COP'), { nil: undefined }),
    })
    .map(({ segment, p, b, d, currency }) => ({
      name: `rule-${i}`,
      segment,
      minProbabilityToPay: p[0],
      maxProbabilityToPay: p[1],
      minBalanceMinor: b[0],
      maxBalanceMinor: b[1],
      minDaysPastDue: d[0],
      maxDaysPastDue: d[1],
      currency,
    }))
    .filter((r) => Object.entries(r).some(([k, v]) => k !== 'name' && k !== 'segment' && v !== undefined));

const ruleSet: fc.Arbitrary<SegmentRuleSet> = fc
  .integer({ min: 0, max: 8 })
  .chain((n) => fc.tuple(fc.tuple(...Array.from({ length: n }, (_, i) => rule(i))), fc.constantFrom(...SEGMENTS)))
  .map(([rules, defaultSegment]) => validateSegmentRules(rules, defaultSegment, 1));

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (error) {
    return error instanceof ScoresException ? `${error.code} ${error.field ?? ''}` : String(error);
  }
};

describe(segmentFor.name, () => {
  it('gives every account exactly one of the four segments, from a rule or the default', () => {
    fc.assert(
      fc.property(ruleSet, input, (rules, account) => {
        const decision = segmentFor(rules, account);
        expect(SEGMENTS).toContain(decision.segment);
        const names = [...rules.rules.map((r) => r.name), DEFAULT_RULE_NAME];
        expect(names).toContain(decision.rule);
      }),
    );
  });

  it('decides by the first rule that matches, in the order given', () => {
    fc.assert(
      fc.property(ruleSet, input, (rules, account) => {
        const first = rules.rules.findIndex((r) => ruleMatches(r, account));
        const decision = segmentFor(rules, account);
        if (first < 0) expect(decision).toEqual({ segment: rules.defaultSegment, rule: DEFAULT_RULE_NAME });
        else expect(decision).toEqual({ segment: rules.rules[first].segment, rule: rules.rules[first].name });
      }),
    );
  });

  it('lets an earlier rule win over a later one that matches too (reordering changes the answer)', () => {
    const broad: SegmentRule = { name: 'broad', segment: S.SEGMENT_NEGOTIATE, minProbabilityToPay: 0.2 };
    const narrow: SegmentRule = { name: 'narrow', segment: S.SEGMENT_SELF_CURE, minProbabilityToPay: 0.9 };
    const account: SegmentInput = { probabilityToPay: 0.95, balanceMinor: 10_000, currency: 'USD', daysPastDue: 5 };
    const a = validateSegmentRules([broad, narrow], S.SEGMENT_HARDSHIP, 1);
    const b = validateSegmentRules([narrow, broad], S.SEGMENT_HARDSHIP, 1);
    expect(segmentFor(a, account).rule).toBe('broad');
    expect(segmentFor(b, account).rule).toBe('narrow');
  });

  it('treats ranges as [min, max), so adjacent rules never both claim the boundary', () => {
    const rules = validateSegmentRules(
      [
        { name: 'under-30', segment: S.SEGMENT_SELF_CURE, maxDaysPastDue: 30 },
        { name: '30-and-over', segment: S.SEGMENT_NEGOTIATE, minDaysPastDue: 30 },
      ],
      S.SEGMENT_LEGAL_OR_HUMAN,
      1,
    );
    const at = (daysPastDue: number) =>
      segmentFor(rules, { probabilityToPay: 0.5, balanceMinor: 1, currency: 'USD', daysPastDue }).rule;
    expect([at(29), at(30)]).toEqual(['under-30', '30-and-over']);
  });

  it('never matches a balance rule on an account whose balance is unknown, nor a rule of another currency', () => {
    const rules = validateSegmentRules(
      [
        { name: 'small-usd', segment: S.SEGMENT_SELF_CURE, maxBalanceMinor: 5_000, currency: 'USD' },
        { name: 'small', segment: S.SEGMENT_NEGOTIATE, maxBalanceMinor: 5_000 },
      ],
      S.SEGMENT_HARDSHIP,
      1,
    );
    const base = { probabilityToPay: 0.5, daysPastDue: 0 };
    expect(segmentFor(rules, { ...base, balanceMinor: 100, currency: 'USD' }).rule).toBe('small-usd');
    expect(segmentFor(rules, { ...base, balanceMinor: 100, currency: 'COP' }).rule).toBe('small');
    expect(segmentFor(rules, { ...base, balanceMinor: undefined, currency: 'USD' }).rule).toBe(DEFAULT_RULE_NAME);
  });
});

describe('the default segment rules', () => {
  const at = (probabilityToPay: number, balanceMinor: number | undefined, daysPastDue: number) =>
    segmentFor(DEFAULT_SEGMENT_RULES, { probabilityToPay, balanceMinor, currency: 'USD', daysPastDue });

  it('are themselves valid', () => {
    const { rules, defaultSegment } = DEFAULT_SEGMENT_RULES;
    expect(validateSegmentRules(rules, defaultSegment, 0)).toEqual(DEFAULT_SEGMENT_RULES);
  });

  it('send each kind of account where docs/segments.md says', () => {
    expect(at(0.9, 50_000, 10)).toEqual({ segment: S.SEGMENT_SELF_CURE, rule: 'early-and-likely-to-pay' });
    expect(at(0.1, 0, 200)).toEqual({ segment: S.SEGMENT_SELF_CURE, rule: 'nothing-owed' });
    expect(at(0.9, 50_000, 45)).toEqual({ segment: S.SEGMENT_NEGOTIATE, rule: 'likely-to-pay' });
    expect(at(0.6, 50_000, 120)).toEqual({ segment: S.SEGMENT_NEGOTIATE, rule: 'likely-to-pay' });
    expect(at(0.4, 50_000, 120)).toEqual({ segment: S.SEGMENT_LEGAL_OR_HUMAN, rule: 'long-overdue-and-unlikely' });
    expect(at(0.4, 50_000, 60)).toEqual({ segment: S.SEGMENT_HARDSHIP, rule: 'struggling' });
    expect(at(0.1, 50_000, 10)).toEqual({ segment: S.SEGMENT_LEGAL_OR_HUMAN, rule: DEFAULT_RULE_NAME });
    expect(at(0.9, undefined, 0)).toEqual({ segment: S.SEGMENT_SELF_CURE, rule: 'early-and-likely-to-pay' });
  });
});

describe(validateSegmentRules.name, () => {
  const ok: SegmentRule = { name: 'ok', segment: S.SEGMENT_NEGOTIATE, minProbabilityToPay: 0.5 };
  const refusal = (rules: SegmentRule[], defaultSegment: number = S.SEGMENT_HARDSHIP) =>
    codeOf(() => validateSegmentRules(rules, defaultSegment, 1));
  const bad = ScoresErrorCode.InvalidSegmentRules;

  it('refuses what could not be meant, naming the field', () => {
    expect(refusal([ok], S.SEGMENT_UNSPECIFIED)).toBe(`${bad} defaultSegment`);
    expect(refusal([{ ...ok, segment: 9 as never }])).toBe(`${bad} rules[0].segment`);
    expect(refusal([{ ...ok, minProbabilityToPay: NaN }])).toBe(`${bad} rules[0].minProbabilityToPay`);
    expect(refusal([{ ...ok, maxProbabilityToPay: Infinity }])).toBe(`${bad} rules[0].maxProbabilityToPay`);
    expect(refusal([{ ...ok, minProbabilityToPay: 1.5 }])).toBe(`${bad} rules[0].minProbabilityToPay`);
    expect(refusal([{ ...ok, minProbabilityToPay: 0.6, maxProbabilityToPay: 0.4 }])).toBe(
      `${bad} rules[0].minProbabilityToPay`,
    );
    expect(refusal([{ ...ok, minDaysPastDue: -1 }])).toBe(`${bad} rules[0].minDaysPastDue`);
    expect(refusal([{ ...ok, maxBalanceMinor: 10.5 }])).toBe(`${bad} rules[0].maxBalanceMinor`);
    expect(refusal([{ ...ok, currency: 'usd' }])).toBe(`${bad} rules[0].currency`);
    expect(refusal([ok, { ...ok }])).toBe(`${bad} rules[1].name`);
    expect(refusal([{ ...ok, name: ' ' }])).toBe(`${bad} rules[0].name`);
    expect(refusal([{ ...ok, name: DEFAULT_RULE_NAME }])).toBe(`${bad} rules[0].name`);
  });

  it('refuses a rule after an unconditional one: first match wins, so it could never apply', () => {
    const everyone: SegmentRule = { name: 'everyone', segment: S.SEGMENT_HARDSHIP };
    expect(refusal([everyone, ok])).toBe(`${bad} rules[1]`);
    expect(refusal([ok, everyone])).toBeUndefined();
  });
});
