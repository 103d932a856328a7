import fc from 'fast-check';
import { EntityManager } from 'typeorm';
import { Channel, Jurisdiction, LocalTimeRange, RulePack, TimeZoneClock, WEEKDAYS } from '../../src/policy/domain';
import { RULE_PACKS } from '../../src/policy/packs';
import { ContactRulesOverrideRow, ContactRulesRepository } from '../../src/policy/contact-rules.repository';
import { TenantRulePacks } from '../../src/policy/tenant-rule-packs';
import { DebtorContactFacts, checkPolicy } from '../../src/planning/domain/contact-plan';
import { contactCaseArbitrary } from './support/contact-case.arbitrary';

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const minutesOf = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

/** Any override a lender could store that only tightens: shorter hours, lower caps, longer waits, consent. */
const tightening = fc.record({
  trimHalfHours: fc.integer({ min: 1, max: 6 }),
  capCut: fc.integer({ min: 0, max: 6 }),
  extraDays: fc.integer({ min: 0, max: 4 }),
  requireConsent: fc.boolean(),
  extraHold: fc.boolean(),
});
type Tightening = typeof tightening extends fc.Arbitrary<infer T> ? T : never;

function overrideDocument(pack: RulePack, t: Tightening) {
  return {
    contactHours: Object.fromEntries(
      pack.contactHours.map((rule) => [
        rule.id,
        {
          weekly: Object.fromEntries(
            WEEKDAYS.map((day) => [
              day,
              rule.weekly[day]
                .map((r): [number, number] => [
                  minutesOf(r.from) + 30 * t.trimHalfHours,
                  minutesOf(r.to) - 30 * t.trimHalfHours,
                ])
                .filter(([from, to]) => from < to)
                .map(([from, to]): LocalTimeRange => ({ from: hhmm(from), to: hhmm(to) })),
            ]),
          ),
        },
      ]),
    ),
    frequencyCaps: Object.fromEntries(pack.frequencyCaps.map((r) => [r.id, { max: Math.max(1, r.max - t.capCut) }])),
    quietPeriods: Object.fromEntries(pack.quietPeriods.map((r) => [r.id, { days: r.days + t.extraDays }])),
    minimumSpacing: Object.fromEntries(
      pack.minimumSpacing.map((r) => [r.id, { minDaysBetween: r.minDaysBetween + t.extraDays }]),
    ),
    consent: { required: pack.consent.required || t.requireConsent },
    ...(t.extraHold ? { holds: [...new Set([...pack.holds.map((h) => h.hold), 'dispute' as const])] } : {}),
  };
}

/** The store as the decisions read it, over one stored override (no database: the rows are given). */
function storeWith(row: Omit<ContactRulesOverrideRow, 'created_at'>): TenantRulePacks {
  const repo = { latestOf: async () => [{ ...row, created_at: new Date(0) }] } as unknown as ContactRulesRepository;
  return new TenantRulePacks(repo);
}

describe(TenantRulePacks.name, () => {
  it('whatever valid override a lender stores, its debtors are never contacted where the law alone refuses, and its narrower hours bind', async () => {
    await fc.assert(
      fc.asyncProperty(contactCaseArbitrary, tightening, async ({ jurisdiction, contactCase: c }, t) => {
        const base = RULE_PACKS[jurisdiction];
        const sut = storeWith({ tenant_id: 'lender', jurisdiction, version: 4, document: overrideDocument(base, t) });
        const rules = await sut.of({} as EntityManager, 'lender', jurisdiction as Jurisdiction);
        const facts: DebtorContactFacts = {
          debtorId: 'd-1',
          timeZone: c.timezone,
          jurisdiction,
          region: c.region ?? '',
          consent: c.consent,
          optedOut: c.optedOut,
          holds: c.holds,
          creditor: null,
        };
        const law = checkPolicy(c.channel, facts, c.history, c.at, c.debtId);
        const lender = checkPolicy(c.channel, { ...facts, rules }, c.history, c.at, c.debtId);

        expect(lender.overrideVersion).toBe(4);
        if (!law.allowed) expect(lender.allowed).toBe(false);
        // Inside the law's hours but in the half hours the lender trimmed: refused.
        const hours = base.contactHours.find((r) => r.channels.includes(c.channel as Channel));
        if (hours && law.allowed) {
          const local = TimeZoneClock.for(c.timezone).local(c.at.getTime());
          const minute = local.minute;
          const day = WEEKDAYS[new Date(local.day * 86_400_000).getUTCDay()];
          const trimmed = hours.weekly[day].some(
            (r) =>
              (minute >= minutesOf(r.from) && minute < minutesOf(r.from) + 30 * t.trimHalfHours) ||
              (minute < minutesOf(r.to) && minute >= minutesOf(r.to) - 30 * t.trimHalfHours),
          );
          if (trimmed) expect(lender.allowed).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });
});
