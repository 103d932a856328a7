import fc from 'fast-check';
import { scoring } from '@collections/contracts';
import { reusedWriterSerializer } from '@collections/platform';

/**
 * ScoreAccount's answers are encoded by the direct route with one writer kept between calls
 * (reusedWriterSerializer): each answer must be exactly the bytes ts-proto's own serializer
 * gives, whatever the answers before it were (longer, shorter, with or without a challenger).
 */
describe('ScoreAccount answers encoded with a reused writer', () => {
  const money = fc.record({
    amountMinor: fc.integer({ min: 0, max: 2 ** 40 }),
    currency: fc.constantFrom('USD', 'MXN', 'COP'),
  });
  const words = fc.string({ unit: 'grapheme', maxLength: 80 });
  const answer = fc.record({
    accountId: fc.string({ minLength: 1, maxLength: 40 }),
    probabilityToPay: fc.double({ min: 0, max: 1, noNaN: true }),
    segment: fc.integer({ min: 0, max: 4 }),
    modelVersion: words,
    reasons: fc.array(words, { maxLength: 8 }),
    expectedRecovery: fc.option(money, { nil: undefined }),
    priority: fc.double({ min: 0, max: 1e9, noNaN: true }),
    balance: fc.option(money, { nil: undefined }),
    daysPastDue: fc.integer({ min: 0, max: 2_000 }),
    segmentRule: words,
    imputedFeatures: fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 }),
    modelArm: fc.constantFrom('champion', 'challenger'),
    challenger: fc.option(
      fc.record({ modelVersion: words, probabilityToPay: fc.double({ min: 0, max: 1, noNaN: true }) }),
      {
        nil: undefined,
      },
    ),
    scoredAt: fc.option(fc.date({ noInvalidDate: true }), { nil: undefined }),
  });

  it("gives ts-proto's bytes for every answer in a run of them", () => {
    const serialize = reusedWriterSerializer(scoring.ScoreAccountResponse);
    const reference = scoring.ScoringServiceService.scoreAccount.responseSerialize;
    fc.assert(
      fc.property(fc.array(answer, { minLength: 1, maxLength: 20 }), (answers) => {
        for (const a of answers) {
          const value = scoring.ScoreAccountResponse.fromPartial(a);
          const bytes = serialize(value);
          expect(bytes.equals(reference(value))).toBe(true);
          expect(scoring.ScoreAccountResponse.decode(bytes)).toEqual(value);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('starts afresh after an answer that failed to encode', () => {
    const serialize = reusedWriterSerializer(scoring.ScoreAccountResponse);
    const good = scoring.ScoreAccountResponse.fromPartial({ accountId: 'acct-1', reasons: ['paid late twice'] });
    // A segment that is not an int32: the writer throws half-way through the message, after the
    // account id and the probability.
    const bad = { ...good, probabilityToPay: 0.5, segment: 1.5 as scoring.Segment };
    const reference = scoring.ScoringServiceService.scoreAccount.responseSerialize(good);
    expect(serialize(good).equals(reference)).toBe(true); // the writer is now kept
    expect(() => serialize(bad)).toThrow();
    expect(serialize(good).equals(reference)).toBe(true);
  });
});
