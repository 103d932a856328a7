import { ContactCase, PastContact, evaluate, rulePackViolations, validationPeriodEnd } from '../../src/policy/domain';
import { CO_LEY_2300_PACK, US_REGULATION_F_PACK } from '../../src/policy/packs';

const ZONE = 'America/New_York';
/** A text on Monday 9 March 2026 at 10:00 in New York. */
const FIRST: PastContact = {
  channel: 'sms',
  at: new Date('2026-03-09T14:00:00Z'),
  outcome: 'delivered',
  debtId: 'acct-1',
};

const caseOf = (over: Partial<ContactCase>): ContactCase => ({
  timezone: ZONE,
  channel: 'sms',
  at: new Date('2026-03-15T14:00:00Z'),
  debtId: 'acct-1',
  history: [FIRST],
  consent: [],
  optedOut: [],
  holds: [],
  validationNotice: { sentAt: null },
  ...over,
});

describe('the validation notice in the US contact law (Regulation F §1006.34)', () => {
  it('refuses a debt collector’s text six days after the first communication while no notice is sent, for good', () => {
    const sut = evaluate(caseOf({}), US_REGULATION_F_PACK);
    expect(sut).toMatchObject({ allowed: false, nextPermittedAt: null });
    expect(sut.reasons).toEqual([
      {
        ruleId: 'US-VALIDATION-NOTICE',
        message: expect.stringMatching(
          /§1006\.34\(a\)\(1\)\] — no validation notice has been sent for the debt, whose first communication was on 2026-03-09 in America\/New_York, more than 5 days ago$/,
        ),
      },
    ]);
    for (const channel of ['call', 'whatsapp', 'visit'] as const)
      expect(evaluate(caseOf({ channel }), US_REGULATION_F_PACK).reasons[0]?.ruleId).toBe('US-VALIDATION-NOTICE');
  });

  it('allows it within five days of the first communication, once the notice is sent, and the notice itself', () => {
    expect(evaluate(caseOf({ at: new Date('2026-03-14T14:00:00Z') }), US_REGULATION_F_PACK).allowed).toBe(true);
    expect(evaluate(caseOf({ history: [] }), US_REGULATION_F_PACK).allowed).toBe(true);
    const sent = { sentAt: new Date('2026-03-16T15:00:00Z') };
    expect(evaluate(caseOf({ validationNotice: sent }), US_REGULATION_F_PACK).allowed).toBe(true);
    expect(evaluate(caseOf({ channel: 'letter' }), US_REGULATION_F_PACK).allowed).toBe(true);
    expect(evaluate(caseOf({ channel: 'email' }), US_REGULATION_F_PACK).allowed).toBe(true);
  });

  it('counts only contacts about the same debt', () => {
    const other = { ...FIRST, debtId: 'acct-2' };
    expect(evaluate(caseOf({ history: [other] }), US_REGULATION_F_PACK).allowed).toBe(true);
  });

  it('does not apply to a creditor collecting its own debts, nor outside the US', () => {
    expect(evaluate(caseOf({ validationNotice: null }), US_REGULATION_F_PACK).allowed).toBe(true);
    expect(evaluate(caseOf({ validationNotice: undefined }), US_REGULATION_F_PACK).allowed).toBe(true);
    const co = caseOf({ timezone: 'America/Bogota', consent: ['sms'], at: new Date('2026-03-17T14:00:00Z') });
    expect(evaluate(co, CO_LEY_2300_PACK).reasons.map((r) => r.ruleId)).not.toContain('US-VALIDATION-NOTICE');
  });

  it('ends the validation period 30 days after receipt, five business days after sending, in the debtor’s zone', () => {
    // Monday 9 March at 22:30 in New York (Tuesday in UTC): received Monday 16 March, ends 15 April.
    expect(validationPeriodEnd(new Date('2026-03-10T02:30:00Z'), ZONE, US_REGULATION_F_PACK)).toBe('2026-04-15');
    // Sent Wednesday 1 July: Friday 3 July (Independence Day observed) is not a business day.
    expect(validationPeriodEnd(new Date('2026-07-01T15:00:00Z'), ZONE, US_REGULATION_F_PACK)).toBe('2026-08-08');
    expect(validationPeriodEnd(new Date('2026-07-01T15:00:00Z'), ZONE, CO_LEY_2300_PACK)).toBeNull();
  });

  it('is checked as data: a notice rule on its own channels is invalid', () => {
    const pack = {
      ...US_REGULATION_F_PACK,
      validationNotice: { ...US_REGULATION_F_PACK.validationNotice!, appliesTo: ['sms', 'letter'] as const },
    };
    expect(rulePackViolations(pack)).toEqual([
      { path: 'validationNotice.appliesTo', problem: 'names a channel the notice itself is sent on' },
    ]);
  });
});
