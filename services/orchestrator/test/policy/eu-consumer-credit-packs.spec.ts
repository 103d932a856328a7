import {
  EU_MEMBER_STATES,
  PublicHolidayCalendar,
  RulePack,
  applyTenantOverride,
  evaluate,
  rulePackViolations,
} from '../../src/policy/domain';
import { RULE_PACKS } from '../../src/policy/packs';
import { CaseFields, contactCase } from './support/contact-case.factory';

/** Scenarios written from the EU packs' words; instants carry the debtor's own offset. */

const MADRID = 'Europe/Madrid';
const LISBON = 'Europe/Lisbon';
const w = { from: '09:00', to: '20:00' };

function outcome(pack: RulePack, fields: CaseFields & { at: string; timezone: string; channel: 'call' | 'sms' }) {
  const decision = evaluate(contactCase(fields), pack);
  return { allowed: decision.allowed, rules: decision.reasons.map((r) => r.ruleId) };
}

describe('EU member-state packs (Consumer Credit Directive (EU) 2023/2225; GDPR)', () => {
  it('has one valid pack for each of the 27 member states, named by its ISO code, with holidays from its own calendar', () => {
    expect(EU_MEMBER_STATES).toHaveLength(27);
    for (const country of EU_MEMBER_STATES) {
      const pack = RULE_PACKS[country];
      expect(pack.jurisdiction).toBe(country);
      expect(pack.holidayCountry).toBe(country);
      expect(PublicHolidayCalendar.isKnownRegion(country)).toBe(true);
      expect(rulePackViolations(pack)).toEqual([]);
    }
  });

  it('leaves open what the directive does not fix (hours, days, frequency) and says so, for a tenant to add', () => {
    for (const country of EU_MEMBER_STATES) {
      const pack = RULE_PACKS[country];
      expect([pack.contactHours, pack.publicHolidays, pack.frequencyCaps]).toEqual([[], [], []]);
      const open = new Map(pack.openDimensions.map((d) => [d.dimension, d.note]));
      expect(open.get('hours')).toMatch(/fixes no hours.*add.contactHours/);
      expect(open.get('days')).toMatch(/no holiday.*add.publicHolidays/);
      expect(open.get('frequency')).toMatch(/no contact-frequency limit.*add.frequencyCaps/);
      expect(pack.consent.required).toBe(false);
      expect(pack.auditRetention.minimumDays).toBeNull();
    }
  });

  it('wants forbearance before enforcement and says the referral is a recommendation for people (GDPR art. 22)', () => {
    for (const country of EU_MEMBER_STATES) {
      const rule = RULE_PACKS[country].enforcement?.forbearanceFirst;
      expect(rule?.id).toBe(`${country}-FORBEARANCE-FIRST`);
      expect(rule?.citation).toMatch(/2023\/2225.*art\. 35.*art\. 22/);
      expect(rule?.text).toMatch(/recommendation recorded for people/);
    }
  });

  it('leaves the other jurisdictions without a forbearance rule', () => {
    for (const j of ['US', 'CO', 'MX', 'CL', 'PE', 'BR', 'EC'] as const)
      expect(RULE_PACKS[j].enforcement?.forbearanceFirst).toBeUndefined();
  });

  describe('a Spanish debtor in Madrid', () => {
    const es = RULE_PACKS.ES;
    /** A lender's Spanish rules, added to the pack the only way an override can: tighter. */
    const lender = applyTenantOverride(es, {
      tenantId: 'lender-es',
      version: '1',
      add: {
        contactHours: [
          {
            id: 'LENDER-ES-HOURS',
            text: 'Weekdays 09:00-20:00',
            citation: 'lender policy',
            channels: ['call', 'sms'],
            weekly: { mon: [w], tue: [w], wed: [w], thu: [w], fri: [w], sat: [w], sun: [] },
          },
        ],
        publicHolidays: [
          { id: 'LENDER-ES-HOLIDAYS', text: 'No contact on holidays', citation: 'lender policy', channels: ['sms'] },
        ],
      },
    });

    it('may be contacted at any hour under the directive alone: it fixes none', () => {
      expect(outcome(es, { at: '2026-05-03T23:00:00+02:00', timezone: MADRID, region: 'MD', channel: 'call' })).toEqual(
        { allowed: true, rules: [] },
      );
    });

    it("is held to the lender's added hours, in the debtor's local time", () => {
      expect(
        outcome(lender, { at: '2026-05-04T10:00:00+02:00', timezone: MADRID, region: 'MD', channel: 'call' }),
      ).toEqual({ allowed: true, rules: [] });
      expect(
        outcome(lender, { at: '2026-05-04T20:30:00+02:00', timezone: MADRID, region: 'MD', channel: 'call' }).rules,
      ).toEqual(['LENDER-ES-HOURS']);
    });

    it('is not contacted on 2 May, Día de la Comunidad de Madrid, once the lender adds holidays, while a debtor in Barcelona is', () => {
      // The holiday library knows it for the region only, not for Spain as a whole.
      const may2 = Date.UTC(2026, 4, 2) / 86_400_000;
      expect(PublicHolidayCalendar.for('ES', 'MD').holidayOn(may2)).toBe('Día de la Comunidad de Madrid');
      expect(PublicHolidayCalendar.for('ES').holidayOn(may2)).toBeUndefined();
      expect(
        outcome(lender, { at: '2026-05-02T10:00:00+02:00', timezone: MADRID, region: 'MD', channel: 'sms' }),
      ).toEqual({ allowed: false, rules: ['LENDER-ES-HOLIDAYS'] });
      expect(
        outcome(lender, { at: '2026-05-02T10:00:00+02:00', timezone: MADRID, region: 'CT', channel: 'sms' }),
      ).toEqual({ allowed: true, rules: [] });
    });

    it('is not contacted on a channel they opted out of', () => {
      expect(
        outcome(es, { at: '2026-05-04T10:00:00+02:00', timezone: MADRID, channel: 'sms', optedOut: ['sms'] }).rules,
      ).toEqual(['ES-OPT-OUT']);
    });
  });

  it("takes a Portuguese lender's holidays from Portugal's calendar: not on 10 June (Dia de Portugal), yes on the 11th", () => {
    const pt = applyTenantOverride(RULE_PACKS.PT, {
      tenantId: 'lender-pt',
      version: '1',
      add: {
        publicHolidays: [
          { id: 'LENDER-PT-HOLIDAYS', text: 'No calls on holidays', citation: 'lender policy', channels: ['call'] },
        ],
      },
    });
    expect(outcome(pt, { at: '2026-06-10T11:00:00+01:00', timezone: LISBON, channel: 'call' }).rules).toEqual([
      'LENDER-PT-HOLIDAYS',
    ]);
    expect(outcome(pt, { at: '2026-06-11T11:00:00+01:00', timezone: LISBON, channel: 'call' })).toEqual({
      allowed: true,
      rules: [],
    });
  });
});
