import fc from 'fast-check';
import {
  BankruptcyChapter,
  Hold,
  LocalTimeRange,
  PolicyError,
  PolicyErrorCode,
  RulePack,
  TenantOverride,
  WEEKDAYS,
  applyTenantOverride,
  evaluate,
  windowCovers,
} from '../../src/policy/domain';
import {
  BR_CDC_PACK,
  CL_LEY_21320_PACK,
  CO_LEY_2300_PACK,
  RULE_PACKS,
  US_REGULATION_F_PACK,
} from '../../src/policy/packs';
import { refusalRule } from '../../src/planning/contact-refusals';
import { contactCaseArbitrary } from './support/contact-case.arbitrary';
import { contactCase, pastContact } from './support/contact-case.factory';

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const minutesOf = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3, 5));

/** A random override that only tightens: shorter hours, lower caps, longer quiet periods and spacing, more consent. */
const tightening = fc
  .record({
    trimHalfHours: fc.integer({ min: 0, max: 6 }),
    capCut: fc.integer({ min: 0, max: 6 }),
    extraDays: fc.integer({ min: 0, max: 4 }),
    requireConsent: fc.boolean(),
    alwaysBind: fc.boolean(),
  })
  .map((t) => (pack: RulePack): TenantOverride => ({
    tenantId: 'prop',
    version: '1',
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
    frequencyCaps: Object.fromEntries(
      pack.frequencyCaps.map((r) => [
        r.id,
        { max: Math.max(1, r.max - t.capCut), ...(t.alwaysBind ? { trigger: 'always' as const } : {}) },
      ]),
    ),
    channelMix: Object.fromEntries(
      pack.channelMix.map((r) => [r.id, t.alwaysBind ? { trigger: 'always' as const } : {}]),
    ),
    quietPeriods: Object.fromEntries(pack.quietPeriods.map((r) => [r.id, { days: r.days + t.extraDays }])),
    minimumSpacing: Object.fromEntries(
      pack.minimumSpacing.map((r) => [r.id, { minDaysBetween: r.minDaysBetween + t.extraDays }]),
    ),
    consent: { required: pack.consent.required || t.requireConsent },
  }));

function rejection(run: () => unknown): PolicyError {
  try {
    run();
  } catch (err) {
    if (err instanceof PolicyError) return err;
    throw err;
  }
  throw new Error('expected the override to be rejected');
}

describe(applyTenantOverride.name, () => {
  const sut = applyTenantOverride;
  const tenant = { tenantId: 'acme', version: '3' };

  it('narrows US calling hours to 09:00–20:00 on weekdays and the engine follows', () => {
    const nineToEight = [{ from: '09:00', to: '20:00' }];
    const pack = sut(US_REGULATION_F_PACK, {
      ...tenant,
      contactHours: { 'US-HOURS': { weekly: { mon: nineToEight, tue: nineToEight } } },
    });
    const call = contactCase({ timezone: 'America/New_York', channel: 'call', at: '2025-03-11T08:30:00-04:00' });
    const decision = evaluate(call, pack);
    expect(decision.allowed).toBe(false);
    expect(decision.nextPermittedAt?.toISOString()).toBe(new Date('2025-03-11T09:00:00-04:00').toISOString());
    expect(pack.version).toBe('2026.3+acme.3');
  });

  it('rejects wider hours, naming the offending day', () => {
    const error = rejection(() =>
      sut(US_REGULATION_F_PACK, {
        ...tenant,
        contactHours: { 'US-HOURS': { weekly: { sat: [{ from: '07:00', to: '21:00' }] } } },
      }),
    );
    expect(error.code).toBe(PolicyErrorCode.TenantOverrideRejected);
    expect(error.paths).toEqual(['contactHours.US-HOURS.weekly.sat[0]']);
    expect(error.message).toContain("07:00–21:00 reaches outside the pack's 08:00–21:00");
  });

  it('lists every loosening at once: higher cap, shorter quiet period, dropped hold, fewer channels', () => {
    const loosening: TenantOverride = {
      ...tenant,
      frequencyCaps: { 'US-CALLS-7-IN-7': { max: 10 } },
      quietPeriods: { 'US-CALL-AFTER-CONVERSATION': { days: 3 } },
      contactHours: { 'US-HOURS': { channels: ['call', 'sms'] } },
      holds: ['bankruptcy', 'deceased', 'attorney', 'cease_communication', 'litigation'],
    };
    expect(rejection(() => sut(US_REGULATION_F_PACK, loosening)).paths).toEqual([
      'contactHours.US-HOURS.channels',
      'frequencyCaps.US-CALLS-7-IN-7.max',
      'quietPeriods.US-CALL-AFTER-CONVERSATION.days',
      'holds.dispute',
    ]);
  });

  it('rejects counting calls per debt where the pack counts across debts, and a window that no longer covers the pack', () => {
    const error = rejection(() =>
      sut(CL_LEY_21320_PACK, {
        ...tenant,
        frequencyCaps: {
          'CL-CALLS-VISITS-ONE-A-WEEK': { perDebt: true, window: { kind: 'calendar-week' } },
        },
      }),
    );
    expect(error.paths).toEqual([
      'frequencyCaps.CL-CALLS-VISITS-ONE-A-WEEK.window',
      'frequencyCaps.CL-CALLS-VISITS-ONE-A-WEEK.perDebt',
    ]);
  });

  it("rejects dropping Colombia's authorised-channels requirement", () => {
    expect(rejection(() => sut(CO_LEY_2300_PACK, { ...tenant, consent: { required: false } })).paths).toEqual([
      'consent.required',
    ]);
  });

  it("rejects keeping Chile's contact records for less than two years", () => {
    expect(rejection(() => sut(CL_LEY_21320_PACK, { ...tenant, auditRetentionDays: 365 })).paths).toEqual([
      'auditRetentionDays',
    ]);
  });

  it('rejects a patch of a rule the pack does not have', () => {
    expect(rejection(() => sut(BR_CDC_PACK, { ...tenant, frequencyCaps: { 'BR-NOPE': { max: 1 } } })).paths).toEqual([
      'frequencyCaps.BR-NOPE',
    ]);
  });

  it("makes Colombia's daily limit unconditional, which is stricter, and refuses a second attempt the same day", () => {
    const pack = sut(CO_LEY_2300_PACK, { ...tenant, frequencyCaps: { 'CO-ONE-CONTACT-A-DAY': { trigger: 'always' } } });
    const second = contactCase({
      timezone: 'America/Bogota',
      channel: 'call',
      at: '2025-03-11T15:00:00-05:00',
      history: [pastContact('call', '2025-03-11T09:00:00-05:00')],
    });
    expect(evaluate(second, CO_LEY_2300_PACK).allowed).toBe(true);
    expect(evaluate(second, pack).reasons.map((r) => r.ruleId)).toEqual(['CO-ONE-CONTACT-A-DAY']);
  });

  it('adds hours and a daily cap to the open Brazilian pack', () => {
    const pack = sut(BR_CDC_PACK, {
      ...tenant,
      auditRetentionDays: 5 * 365,
      add: {
        contactHours: [
          {
            id: 'BR-ACME-HOURS',
            text: 'Acme contacts Brazilian debtors 08:00–20:00 every day',
            citation: 'acme collection policy 3',
            channels: ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'],
            weekly: Object.fromEntries(
              ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [{ from: '08:00', to: '20:00' }]]),
            ) as never,
          },
        ],
      },
    });
    const late = contactCase({ timezone: 'America/Sao_Paulo', channel: 'call', at: '2025-03-16T23:00:00-03:00' });
    expect(evaluate(late, BR_CDC_PACK).allowed).toBe(true);
    expect(evaluate(late, pack).nextPermittedAt?.toISOString()).toBe(
      new Date('2025-03-17T08:00:00-03:00').toISOString(),
    );
    expect(pack.auditRetention.minimumDays).toBe(5 * 365);
  });

  it('never lets a stricter override allow what the pack refuses, nor permit a contact sooner', () => {
    fc.assert(
      fc.property(contactCaseArbitrary, tightening, ({ jurisdiction, contactCase: c }, tighten) => {
        const base = RULE_PACKS[jurisdiction];
        const stricter = sut(base, tighten(base));
        const before = evaluate(c, base);
        const after = evaluate(c, stricter);
        if (after.allowed) expect(before.allowed).toBe(true);
        if (before.nextPermittedAt === null) expect(after.nextPermittedAt).toBeNull();
        else if (after.nextPermittedAt !== null)
          expect(after.nextPermittedAt.getTime()).toBeGreaterThanOrEqual(before.nextPermittedAt.getTime());
      }),
      { numRuns: 300 },
    );
  });

  it('adds a rolling 24-hour cap and permits the next SMS the instant the oldest one is 24 hours old', () => {
    const pack = sut(BR_CDC_PACK, {
      ...tenant,
      add: {
        frequencyCaps: [
          {
            id: 'BR-ACME-TWO-SMS-A-DAY',
            text: 'Acme sends at most two SMS in any 24 hours',
            citation: 'acme collection policy 3',
            appliesTo: ['sms'],
            counts: ['sms'],
            window: { kind: 'rolling-hours', hours: 24 },
            max: 2,
            perDebt: false,
            trigger: 'always',
          },
        ],
      },
    });
    const third = contactCase({
      timezone: 'America/Sao_Paulo',
      channel: 'sms',
      at: '2025-03-11T18:00:00-03:00',
      history: [
        pastContact('sms', '2025-03-11T09:15:30-03:00', 'delivered'),
        pastContact('sms', '2025-03-11T13:00:00-03:00', 'delivered'),
      ],
    });
    const decision = evaluate(third, pack);
    expect(decision.reasons.map((r) => r.ruleId)).toEqual(['BR-ACME-TWO-SMS-A-DAY']);
    expect(decision.nextPermittedAt?.toISOString()).toBe(new Date('2025-03-12T09:15:30-03:00').toISOString());
  });

  describe('co-party holds (a co-obligor’s or guarantor’s holds that stop contact about the shared account)', () => {
    /** A call about a US account at 10:00 in New York on a Tuesday, its co-obligor on `coPartyHolds`. */
    const usCall = (coPartyHolds: Hold[], coPartyBankruptcyChapters?: BankruptcyChapter[]) =>
      contactCase({
        timezone: 'America/New_York',
        channel: 'call',
        at: '2025-03-11T10:00:00-04:00',
        coPartyHolds,
        coPartyBankruptcyChapters,
      });

    it('adds a co-obligor’s cease-communication to the US pack’s: the primary is then not called, for good', () => {
      const pack = sut(US_REGULATION_F_PACK, {
        ...tenant,
        coPartyHolds: ['dispute', 'bankruptcy', 'cease_communication'],
      });
      expect(evaluate(usCall(['cease_communication']), US_REGULATION_F_PACK)).toMatchObject({ allowed: true });
      const decision = evaluate(usCall(['cease_communication']), pack);
      expect(decision).toMatchObject({ allowed: false, nextPermittedAt: null });
      expect(decision.reasons).toEqual([
        {
          ruleId: 'US-CO-PARTY-HOLD-CEASE-COMMUNICATION-acme',
          message:
            'No contact about a shared account while another party to it (a co-obligor, a guarantor) is on hold ' +
            "(cease_communication), by the tenant's policy [tenant acme policy 3] — another party to the account " +
            '(a co-obligor or guarantor) is on hold: cease_communication',
        },
      ]);
      expect(pack.coPartyHolds!.map((r) => r.id)).toEqual([
        'US-CO-PARTY-HOLD-DISPUTE',
        'US-CO-PARTY-HOLD-BANKRUPTCY',
        'US-CO-PARTY-HOLD-CEASE-COMMUNICATION-acme',
      ]);
      // Counted as a hold in collections_contact_refusals_total, as the pack's own.
      expect(refusalRule({ allowed: false, reasons: decision.reasons.map((r) => `${r.ruleId}: ${r.message}`) })).toBe(
        'hold',
      );
      // The pack's own co-party holds stop as before.
      expect(evaluate(usCall(['dispute']), pack).reasons.map((r) => r.ruleId)).toEqual(['US-CO-PARTY-HOLD-DISPUTE']);
    });

    it('keeps the US co-debtor stay to chapters 12 and 13 when the tenant lists bankruptcy, never looser', () => {
      const pack = sut(US_REGULATION_F_PACK, { ...tenant, coPartyHolds: ['bankruptcy', 'dispute', 'deceased'] });
      expect(pack.coPartyHolds!.find((r) => r.hold === 'bankruptcy')).toEqual(
        US_REGULATION_F_PACK.coPartyHolds!.find((r) => r.hold === 'bankruptcy'),
      );
      expect(evaluate(usCall(['bankruptcy'], [13]), pack).allowed).toBe(false);
      expect(evaluate(usCall(['bankruptcy'], [7]), pack).allowed).toBe(true);
    });

    it('lets a Colombian lender stop a shared account on a co-obligor’s insolvency, which its pack does not', () => {
      const call = contactCase({
        timezone: 'America/Bogota',
        channel: 'call',
        at: '2025-03-11T10:00:00-05:00',
        coPartyHolds: ['bankruptcy'],
      });
      expect(evaluate(call, CO_LEY_2300_PACK).allowed).toBe(true);
      const pack = sut(CO_LEY_2300_PACK, { ...tenant, coPartyHolds: ['dispute', 'bankruptcy'] });
      expect(evaluate(call, pack).reasons.map((r) => r.ruleId)).toEqual(['CO-CO-PARTY-HOLD-BANKRUPTCY-acme']);
    });

    it('rejects an override that drops a co-party hold of the pack, naming it', () => {
      const error = rejection(() =>
        sut(US_REGULATION_F_PACK, { ...tenant, coPartyHolds: ['bankruptcy', 'cease_communication'] }),
      );
      expect(error.code).toBe(PolicyErrorCode.TenantOverrideRejected);
      expect(error.paths).toEqual(['coPartyHolds.dispute']);
      expect(error.message).toBe(
        'tenant acme override 3 of US@2026.3 rejected: coPartyHolds.dispute is dropped; the pack stops contact ' +
          'about the shared account on it',
      );
    });

    it('rejects a co-party hold that is no hold at all', () => {
      expect(
        rejection(() => sut(CO_LEY_2300_PACK, { ...tenant, coPartyHolds: ['dispute', 'frozen' as Hold] })).paths,
      ).toEqual(['coPartyHolds[1].hold']);
    });

    it('rejects holds or co-party holds given as a word rather than a list, saying so', () => {
      const error = rejection(() =>
        sut(US_REGULATION_F_PACK, {
          ...tenant,
          holds: 'dispute' as unknown as Hold[],
          coPartyHolds: 'dispute' as unknown as Hold[],
        }),
      );
      expect(error.paths).toEqual(['holds', 'coPartyHolds']);
      expect(error.message).toContain('holds must be a list of holds');
    });
  });

  it('leaves the original pack untouched', () => {
    sut(US_REGULATION_F_PACK, { ...tenant, frequencyCaps: { 'US-CALLS-7-IN-7': { max: 3 } } });
    expect(US_REGULATION_F_PACK.frequencyCaps[0].max).toBe(7);
  });
});

describe(windowCovers.name, () => {
  const sut = windowCovers;

  it('treats seven rolling days as at least as strict as a calendar week, not the other way round', () => {
    expect(sut({ kind: 'rolling-days', days: 7 }, { kind: 'calendar-week' })).toBe(true);
    expect(sut({ kind: 'calendar-week' }, { kind: 'rolling-days', days: 7 })).toBe(false);
  });

  it('needs more than 24 rolling hours to cover a calendar day, since a day can last 25 hours', () => {
    expect(sut({ kind: 'rolling-hours', hours: 24 }, { kind: 'calendar-day' })).toBe(false);
    expect(sut({ kind: 'rolling-hours', hours: 25 }, { kind: 'calendar-day' })).toBe(true);
  });
});
