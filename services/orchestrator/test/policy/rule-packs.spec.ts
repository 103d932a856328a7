import {
  HOLDS,
  JURISDICTIONS,
  PolicyErrorCode,
  RulePack,
  assertValidRulePack,
  rulePackViolations,
} from '../../src/policy/domain';
import { RULE_PACKS } from '../../src/policy/packs';

function everyRule(pack: RulePack) {
  return [
    ...pack.contactHours,
    ...pack.publicHolidays,
    ...pack.frequencyCaps,
    ...pack.minimumSpacing,
    ...pack.channelMix,
    ...pack.quietPeriods,
    ...pack.holds,
    pack.consent,
    pack.optOut,
  ];
}

describe('RULE_PACKS', () => {
  const sut = RULE_PACKS;

  it('has one valid, versioned pack per jurisdiction of the rule table', () => {
    expect(Object.keys(sut).sort()).toEqual([...JURISDICTIONS].sort());
    for (const pack of Object.values(sut)) {
      expect(rulePackViolations(pack)).toEqual([]);
      expect(pack.version).toMatch(/^\d{4}\.\d+$/);
    }
  });

  it('gives every rule a stable id under its jurisdiction, words and a citation', () => {
    for (const [jurisdiction, pack] of Object.entries(sut)) {
      for (const rule of everyRule(pack)) {
        expect(rule.id).toMatch(new RegExp(`^${jurisdiction}-[A-Z0-9-]+$`));
        expect(rule.text.length).toBeGreaterThan(15);
        expect(rule.citation.length).toBeGreaterThan(5);
      }
    }
  });

  it('stops contact on every hold in every jurisdiction, saying when that is platform policy rather than law', () => {
    for (const pack of Object.values(sut)) {
      expect(pack.holds.map((h) => h.hold).sort()).toEqual([...HOLDS].sort());
      for (const hold of pack.holds.filter((h) => h.basis === 'platform-policy'))
        expect(hold.citation).toContain('platform policy');
    }
  });

  it('states an audit retention for every pack, or says the rule sets none', () => {
    expect(sut.CL.auditRetention.minimumDays).toBeGreaterThanOrEqual(2 * 365);
    expect(sut.US.auditRetention.minimumDays).toBeGreaterThanOrEqual(3 * 365);
    for (const pack of Object.values(sut).filter((p) => p.auditRetention.minimumDays === null))
      expect(pack.openDimensions.map((d) => d.dimension)).toContain('audit-retention');
  });

  it('leaves open, and says so, what the rule table marks "not found" or blank', () => {
    const open = (pack: RulePack) => pack.openDimensions.map((d) => d.dimension);
    expect(open(sut.MX)).toEqual(expect.arrayContaining(['frequency', 'days']));
    expect(open(sut.PE)).toEqual(expect.arrayContaining(['frequency']));
    expect(open(sut.BR)).toEqual(expect.arrayContaining(['hours', 'days', 'frequency']));
    expect(sut.BR.contactHours).toEqual([]);
    expect(sut.MX.frequencyCaps).toEqual([]);
    for (const pack of Object.values(sut))
      for (const dimension of pack.openDimensions) expect(dimension.note.length).toBeGreaterThan(20);
  });

  it('requires authorised channels only where the law does (Colombia)', () => {
    expect(
      Object.values(sut)
        .filter((p) => p.consent.required)
        .map((p) => p.jurisdiction),
    ).toEqual(['CO']);
  });
});

describe(assertValidRulePack.name, () => {
  const sut = assertValidRulePack;

  it('refuses a pack with malformed hours, a zero cap and a rule without a citation, naming each path', () => {
    const broken: RulePack = {
      ...RULE_PACKS.US,
      contactHours: [
        {
          ...RULE_PACKS.US.contactHours[0],
          weekly: { ...RULE_PACKS.US.contactHours[0].weekly, mon: [{ from: '21:00', to: '08:00' }] },
        },
      ],
      frequencyCaps: [{ ...RULE_PACKS.US.frequencyCaps[0], max: 0, citation: '' }],
    };
    expect(() => sut(broken)).toThrow(expect.objectContaining({ code: PolicyErrorCode.InvalidRulePack }));
    expect(rulePackViolations(broken).map((v) => v.path)).toEqual([
      'contactHours[0].weekly.mon[0]',
      'frequencyCaps[0].citation',
      'frequencyCaps[0].max',
    ]);
  });
});
