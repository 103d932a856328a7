import { BankruptcyChapter, HOLDS, Hold, RulePack, evaluate, rulePackViolations } from '../../src/policy/domain';
import { CL_LEY_21320_PACK, CO_LEY_2300_PACK, RULE_PACKS, US_REGULATION_F_PACK } from '../../src/policy/packs';
import { forGoodRuleCodes } from '../../src/agents/domain';
import { refusalRule } from '../../src/planning/contact-refusals';
import { checkPolicy, holdsOnAccount } from '../../src/planning/domain/contact-plan';
import { contactCase } from './support/contact-case.factory';

const NEW_YORK = 'America/New_York';
const BOGOTA = 'America/Bogota';
const SANTIAGO = 'America/Santiago';

/** A call at 10:00 local on a Tuesday, inside every pack's hours. */
const callWith = (timezone: string, offset: string, coPartyHolds: Hold[], holds: Hold[] = []) =>
  contactCase({ timezone, channel: 'call', at: `2025-03-11T10:00:00${offset}`, holds, coPartyHolds });

const outcome = (pack: RulePack, coPartyHolds: Hold[], holds: Hold[] = []) => {
  const zone = { US: NEW_YORK, CO: BOGOTA, CL: SANTIAGO }[pack.jurisdiction as 'US' | 'CO' | 'CL'];
  const offset = { US: '-04:00', CO: '-05:00', CL: '-03:00' }[pack.jurisdiction as 'US' | 'CO' | 'CL'];
  const d = evaluate(callWith(zone, offset, coPartyHolds, holds), pack);
  return { allowed: d.allowed, rules: d.reasons.map((r) => r.ruleId), next: d.nextPermittedAt };
};

/** The personal holds: a co-party carrying one stops no contact with the others. */
const PERSONAL: Hold[] = ['cease_communication', 'attorney', 'deceased', 'litigation'];

describe('holds of another party to the account (co-obligors, guarantors)', () => {
  describe(evaluate.name, () => {
    it('stops contact about a US account whose co-obligor disputes the debt, for good, citing §1692g(b)', () => {
      const d = evaluate(callWith(NEW_YORK, '-04:00', ['dispute']), US_REGULATION_F_PACK);
      expect(d).toMatchObject({ allowed: false, nextPermittedAt: null });
      expect(d.reasons).toEqual([
        {
          ruleId: 'US-CO-PARTY-HOLD-DISPUTE',
          message: expect.stringMatching(
            /15 U\.S\.C\. 1692g\(b\).* — another party to the account \(a co-obligor or guarantor\) is on hold: dispute$/,
          ) as unknown as string,
        },
      ]);
    });

    it('stops contact about a US account whose co-obligor is in bankruptcy of no chapter on record (read as the co-debtor stay)', () => {
      const d = evaluate(callWith(NEW_YORK, '-04:00', ['bankruptcy']), US_REGULATION_F_PACK);
      expect(d).toMatchObject({ allowed: false, nextPermittedAt: null });
      expect(d.reasons.map((r) => r.ruleId)).toEqual(['US-CO-PARTY-HOLD-BANKRUPTCY']);
      expect(d.reasons[0].message).toContain('11 U.S.C. 1201(a), 1301(a)');
      expect(d.reasons[0].message).toMatch(/is on hold: bankruptcy \(chapter not on record\)$/);
    });

    /** A call about a US account whose co-parties are in bankruptcy under `chapters` (null: not on record). */
    const usBankruptcy = (chapters: (BankruptcyChapter | null)[], holds: Hold[] = []) =>
      evaluate(
        { ...callWith(NEW_YORK, '-04:00', ['bankruptcy'], holds), coPartyBankruptcyChapters: chapters },
        US_REGULATION_F_PACK,
      );

    it.each([12, 13] as const)(
      'stops contact about a US account whose guarantor is in a chapter %i bankruptcy (the co-debtor stay)',
      (chapter) => {
        const d = usBankruptcy([chapter]);
        expect(d).toMatchObject({ allowed: false, nextPermittedAt: null });
        expect(d.reasons.map((r) => r.ruleId)).toEqual(['US-CO-PARTY-HOLD-BANKRUPTCY']);
        expect(d.reasons[0].message).toMatch(new RegExp(`is on hold: bankruptcy \\(chapter ${chapter}\\)$`));
      },
    );

    it.each([7, 11] as const)(
      'keeps contacting the primary of a US account whose guarantor is in a chapter %i bankruptcy (its stay protects the guarantor alone)',
      (chapter) => {
        expect(usBankruptcy([chapter])).toMatchObject({ allowed: true, reasons: [] });
      },
    );

    it('stops contact when any co-party’s bankruptcy stays it: one in chapter 7, another in 13 or of no chapter on record', () => {
      expect(usBankruptcy([7, 13]).reasons.map((r) => r.message.replace(/^.* — /, ''))).toEqual([
        'another party to the account (a co-obligor or guarantor) is on hold: bankruptcy (chapter 13)',
      ]);
      expect(usBankruptcy([11, null]).reasons[0].message).toMatch(/bankruptcy \(chapter not on record\)$/);
      expect(usBankruptcy([7, 11]).allowed).toBe(true);
    });

    it('stops contact with a US debtor in their own chapter 7 bankruptcy, whatever the co-parties’ chapters', () => {
      expect(usBankruptcy([7], ['bankruptcy']).reasons.map((r) => r.ruleId)).toEqual(['US-HOLD-BANKRUPTCY']);
    });

    it.each(PERSONAL)('keeps contacting the primary of a US account whose co-obligor has a %s hold', (hold) => {
      expect(outcome(US_REGULATION_F_PACK, [hold])).toEqual({ allowed: true, rules: [], next: expect.any(Date) });
    });

    it('gives one reason per kind of hold when the debtor and a co-party both dispute', () => {
      expect(outcome(US_REGULATION_F_PACK, ['dispute', 'bankruptcy'], ['dispute']).rules).toEqual([
        'US-HOLD-DISPUTE',
        'US-CO-PARTY-HOLD-BANKRUPTCY',
      ]);
    });

    it('stops a Colombian account on a co-party dispute as platform policy, but not on a co-party insolvency', () => {
      expect(outcome(CO_LEY_2300_PACK, ['dispute'])).toEqual({
        allowed: false,
        rules: ['CO-CO-PARTY-HOLD-DISPUTE'],
        next: null,
      });
      expect(outcome(CO_LEY_2300_PACK, ['bankruptcy']).allowed).toBe(true);
    });

    it('keeps Chile’s insolvency stop (art. 37) the debtor’s own: a co-party’s proceedings stop nothing', () => {
      expect(outcome(CL_LEY_21320_PACK, ['bankruptcy']).allowed).toBe(true);
      expect(outcome(CL_LEY_21320_PACK, [], ['bankruptcy']).rules).toEqual(['CL-HOLD-BANKRUPTCY']);
    });
  });

  describe('RULE_PACKS', () => {
    it('names a dispute in every pack and a bankruptcy only in the US, never a personal hold', () => {
      for (const [jurisdiction, pack] of Object.entries(RULE_PACKS)) {
        const holds = (pack.coPartyHolds ?? []).map((r) => r.hold);
        expect(holds).toEqual(jurisdiction === 'US' ? ['dispute', 'bankruptcy'] : ['dispute']);
        for (const rule of pack.coPartyHolds ?? []) {
          expect(rule.id).toBe(`${jurisdiction}-CO-PARTY-HOLD-${rule.hold.toUpperCase()}`);
          expect(rule.basis).toBe(jurisdiction === 'US' ? 'law' : 'platform-policy');
          if (rule.basis === 'platform-policy') expect(rule.citation).toContain('platform policy');
        }
      }
    });

    it('cites the law for the US: §1692g(b) and Regulation F for a dispute, §1201, §1301 and §362 for a bankruptcy', () => {
      const [dispute, bankruptcy] = US_REGULATION_F_PACK.coPartyHolds!;
      expect(dispute.citation).toMatch(/1692g\(b\).*1006\.34.*1006\.38/);
      expect(bankruptcy.citation).toMatch(/1201.*1301.*362/);
      expect(bankruptcy.bankruptcyChapters).toEqual([12, 13]);
      expect(dispute.bankruptcyChapters).toBeUndefined();
    });
  });

  describe(rulePackViolations.name, () => {
    const us = US_REGULATION_F_PACK;
    const coParty = us.coPartyHolds![0];

    it('refuses a co-party hold the pack does not stop on for the debtor, one listed twice, or an unknown one', () => {
      const noOwnDispute = { ...us, holds: us.holds.filter((h) => h.hold !== 'dispute') };
      expect(rulePackViolations(noOwnDispute)).toEqual([
        { path: 'coPartyHolds[0].hold', problem: expect.stringContaining('is no hold of the pack') as unknown },
      ]);
      const twice = { ...us, coPartyHolds: [coParty, { ...coParty, id: 'US-CO-PARTY-AGAIN' }] };
      expect(rulePackViolations(twice)).toEqual([
        { path: 'coPartyHolds[1].hold', problem: '"dispute" is listed twice' },
      ]);
      const unknown = { ...us, coPartyHolds: [{ ...coParty, hold: 'divorce' as Hold }] };
      expect(rulePackViolations(unknown)).toEqual([{ path: 'coPartyHolds[0].hold', problem: '"divorce" is unknown' }]);
    });

    it('refuses chapters on a co-party hold that is no bankruptcy, none at all, an unknown one or one listed twice', () => {
      const [dispute, bankruptcy] = us.coPartyHolds!;
      const withChapters = (chapters: number[]) => ({
        ...us,
        coPartyHolds: [dispute, { ...bankruptcy, bankruptcyChapters: chapters as BankruptcyChapter[] }],
      });
      const disputeWithChapter = { ...us, coPartyHolds: [{ ...dispute, bankruptcyChapters: [13 as const] }] };
      expect(rulePackViolations(disputeWithChapter)).toEqual([
        { path: 'coPartyHolds[0].bankruptcyChapters', problem: 'only a bankruptcy has a chapter' },
      ]);
      expect(rulePackViolations(withChapters([]))).toEqual([
        { path: 'coPartyHolds[1].bankruptcyChapters', problem: expect.stringContaining('names no chapter') as unknown },
      ]);
      expect(rulePackViolations(withChapters([13, 9, 13]))).toEqual([
        { path: 'coPartyHolds[1].bankruptcyChapters[1]', problem: '9 is no chapter (7, 11, 12, 13)' },
        { path: 'coPartyHolds[1].bankruptcyChapters[2]', problem: '13 is listed twice' },
      ]);
    });

    it('refuses a co-party hold without its words or its source, as every rule', () => {
      const bare = { ...us, coPartyHolds: [{ ...coParty, citation: '' }] };
      expect(rulePackViolations(bare).map((v) => v.path)).toEqual(['coPartyHolds[0].citation']);
    });
  });

  describe('on the planner’s facts', () => {
    const facts = {
      debtorId: 'debtor-primary',
      timeZone: NEW_YORK,
      jurisdiction: 'US' as const,
      region: 'NY',
      consent: [],
      optedOut: [],
      holds: [] as Hold[],
      creditor: null,
    };
    const at = new Date('2025-03-11T14:00:00Z');

    it('counts the stop among the account’s holds (strategies’ stop conditions, the send-time stop) only where the pack says so', () => {
      expect(holdsOnAccount({ ...facts, coPartyHolds: [...HOLDS] })).toEqual(['dispute', 'bankruptcy']);
      expect(holdsOnAccount({ ...facts, coPartyHolds: PERSONAL })).toEqual([]);
      expect(holdsOnAccount({ ...facts, jurisdiction: 'CO', coPartyHolds: [...HOLDS] })).toEqual(['dispute']);
      expect(holdsOnAccount({ ...facts, holds: ['dispute'], coPartyHolds: ['dispute'] })).toEqual(['dispute']);
    });

    it('counts a co-party’s US bankruptcy among the account’s holds only under chapter 12 or 13, or of no chapter on record', () => {
      const bankrupt = (chapters?: (BankruptcyChapter | null)[]) =>
        holdsOnAccount({ ...facts, coPartyHolds: ['bankruptcy'], coPartyBankruptcyChapters: chapters });
      expect([bankrupt([7]), bankrupt([11]), bankrupt([7, 11])]).toEqual([[], [], []]);
      expect([bankrupt([12]), bankrupt([13]), bankrupt([null]), bankrupt(undefined)]).toEqual([
        ['bankruptcy'],
        ['bankruptcy'],
        ['bankruptcy'],
        ['bankruptcy'],
      ]);
      expect(
        holdsOnAccount({ ...facts, holds: ['bankruptcy'], coPartyHolds: [], coPartyBankruptcyChapters: [7] }),
      ).toEqual(['bankruptcy']);
    });

    it('records the refusal under the rule id, counted as a hold, refusing an agent’s call for good', () => {
      const verdict = checkPolicy('call', { ...facts, coPartyHolds: ['bankruptcy'] }, [], at, 'acct-shared');
      expect(verdict).toMatchObject({ allowed: false, nextPermittedAt: null, packVersion: '2026.3' });
      expect(verdict.reasons).toEqual([expect.stringMatching(/^US-CO-PARTY-HOLD-BANKRUPTCY: /)]);
      expect(refusalRule(verdict)).toBe('hold');
      expect(forGoodRuleCodes(verdict, facts)).toEqual(['US-CO-PARTY-HOLD-BANKRUPTCY']);
    });
  });
});
