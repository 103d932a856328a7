import fc from 'fast-check';
import { CHANNELS, evaluate } from '../../src/policy/domain';
import { RULE_PACKS } from '../../src/policy/packs';
import {
  DAY,
  HOUR,
  MINUTE,
  contactCaseArbitrary as contactCase,
  inconvenientCaseArbitrary as inconvenientCase,
} from './support/contact-case.arbitrary';
import { naiveBlockedForGood, naiveBrokenRules } from './support/naive-policy.oracle';

describe(evaluate.name, () => {
  const sut = evaluate;

  it('allows exactly the contacts a plain reading of the pack allows', () => {
    fc.assert(
      fc.property(contactCase, ({ jurisdiction, contactCase: c }) => {
        const pack = RULE_PACKS[jurisdiction];
        const decision = sut(c, pack);
        const broken = naiveBrokenRules(c, pack, c.at.getTime());
        expect({ allowed: decision.allowed, broken }).toEqual({ allowed: broken.length === 0, broken });
      }),
      { numRuns: 400 },
    );
  });

  it('gives every refusal a reason naming a rule of the pack', () => {
    fc.assert(
      fc.property(contactCase, ({ jurisdiction, contactCase: c }) => {
        const pack = RULE_PACKS[jurisdiction];
        const decision = sut(c, pack);
        if (decision.allowed) return;
        expect(decision.reasons.length).toBeGreaterThan(0);
        const ids = new Set([
          ...pack.contactHours.map((r) => r.id),
          ...pack.publicHolidays.map((r) => r.id),
          ...pack.frequencyCaps.map((r) => r.id),
          ...pack.minimumSpacing.map((r) => r.id),
          ...pack.channelMix.map((r) => r.id),
          ...pack.quietPeriods.map((r) => r.id),
          ...pack.holds.map((r) => r.id),
          pack.consent.id,
          pack.optOut.id,
        ]);
        for (const reason of decision.reasons) {
          expect(ids).toContain(reason.ruleId);
          expect(reason.message.length).toBeGreaterThan(20);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('names as next permitted time the first instant the pack allows, to the minute', () => {
    fc.assert(
      fc.property(contactCase, fc.double({ min: 0, max: 1, noNaN: true }), ({ jurisdiction, contactCase: c }, u) => {
        const pack = RULE_PACKS[jurisdiction];
        const decision = sut(c, pack);
        if (decision.allowed || decision.nextPermittedAt === null) return;
        const at = c.at.getTime();
        const next = decision.nextPermittedAt.getTime();
        expect(next).toBeGreaterThan(at);
        // The engine itself allows it, and so does the plain reading.
        expect(sut({ ...c, at: decision.nextPermittedAt }, pack).allowed).toBe(true);
        expect(naiveBrokenRules(c, pack, next)).toEqual([]);
        // Nothing earlier is allowed: not the minute before, not a random instant in between.
        if (next - MINUTE >= at) expect(naiveBrokenRules(c, pack, next - MINUTE)).not.toEqual([]);
        const between = at + Math.floor(u * (next - at));
        if (between < next) expect(naiveBrokenRules(c, pack, between)).not.toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('answers "never" only when a hold, an opt-out or missing consent blocks the channel', () => {
    fc.assert(
      fc.property(contactCase, ({ jurisdiction, contactCase: c }) => {
        const pack = RULE_PACKS[jurisdiction];
        const decision = sut(c, pack);
        const never = !decision.allowed && decision.nextPermittedAt === null;
        expect(never).toBe(naiveBlockedForGood(c, pack));
      }),
      { numRuns: 300 },
    );
  });

  it('never allows, nor names a time for, a channel outside the recorded consent where the pack requires consent (none on record included)', () => {
    fc.assert(
      fc.property(contactCase, fc.boolean(), ({ jurisdiction, contactCase: c }, tenantRequires) => {
        const base = RULE_PACKS[jurisdiction];
        // A tenant may require consent where the law does not (only ever stricter).
        const pack = tenantRequires ? { ...base, consent: { ...base.consent, required: true } } : base;
        if (!pack.consent.required || c.consent.includes(c.channel)) return;
        const decision = sut(c, pack);
        expect(decision).toMatchObject({ allowed: false, nextPermittedAt: null });
        expect(decision.reasons.map((r) => r.ruleId)).toContain(pack.consent.id);
      }),
      { numRuns: 300 },
    );
  });

  it('reaches a permitted time within a week when only hours, days and caps stand in the way', () => {
    fc.assert(
      fc.property(contactCase, ({ jurisdiction, contactCase: c }) => {
        const open = { ...c, holds: [], optedOut: [], consent: [...CHANNELS] };
        const decision = sut(open, RULE_PACKS[jurisdiction]);
        expect(decision.nextPermittedAt).not.toBeNull();
        // Packs allow at least one window a week; holidays can add a few days.
        expect(decision.nextPermittedAt!.getTime() - c.at.getTime()).toBeLessThan(14 * DAY + HOUR);
      }),
      { numRuns: 200 },
    );
  });
});

describe(`${evaluate.name} with times the debtor said are inconvenient (US-INCONVENIENT)`, () => {
  const sut = evaluate;
  const pack = RULE_PACKS.US;

  it('allows exactly the contacts a plain reading allows: none inside a window on its channels', () => {
    fc.assert(
      fc.property(inconvenientCase, ({ contactCase: c }) => {
        const decision = sut(c, pack);
        const broken = naiveBrokenRules(c, pack, c.at.getTime());
        expect({ allowed: decision.allowed, broken }).toEqual({ allowed: broken.length === 0, broken });
        if (broken.includes('US-INCONVENIENT'))
          expect(decision.reasons.map((r) => r.ruleId)).toContain('US-INCONVENIENT');
      }),
      { numRuns: 500 },
    );
  });

  it('names as next permitted time an instant outside every window that the pack allows, and none earlier', () => {
    fc.assert(
      fc.property(inconvenientCase, fc.double({ min: 0, max: 1, noNaN: true }), ({ contactCase: c }, u) => {
        const decision = sut(c, pack);
        if (decision.allowed || decision.nextPermittedAt === null) return;
        const at = c.at.getTime();
        const next = decision.nextPermittedAt.getTime();
        expect(next).toBeGreaterThan(at);
        expect(sut({ ...c, at: decision.nextPermittedAt }, pack).allowed).toBe(true);
        expect(naiveBrokenRules(c, pack, next)).toEqual([]);
        if (next - MINUTE >= at) expect(naiveBrokenRules(c, pack, next - MINUTE)).not.toEqual([]);
        const between = at + Math.floor(u * (next - at));
        if (between < next) expect(naiveBrokenRules(c, pack, between)).not.toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses for good, whatever the time, a contact through a workplace whose employer forbids it', () => {
    fc.assert(
      fc.property(inconvenientCase, ({ contactCase: c }) => {
        const decision = sut({ ...c, workplaceForbidden: true }, pack);
        expect(decision).toMatchObject({ allowed: false, nextPermittedAt: null });
        expect(decision.reasons.map((r) => r.ruleId)).toContain('US-WORKPLACE');
      }),
      { numRuns: 200 },
    );
  });

  it('leaves packs without the rule as they were: the windows change no decision', () => {
    fc.assert(
      fc.property(contactCase, inconvenientCase, ({ jurisdiction, contactCase: c }, { contactCase: w }) => {
        const other = RULE_PACKS[jurisdiction];
        if (other.debtorInconvenience) return;
        const withWindows = { ...c, inconvenient: w.inconvenient, workplaceForbidden: true };
        expect(sut(withWindows, other)).toEqual(sut(c, other));
      }),
      { numRuns: 200 },
    );
  });
});
