import { ContactCase, RulePack, evaluate } from '../../src/policy/domain';
import {
  BR_CDC_PACK,
  CL_LEY_21320_PACK,
  CO_LEY_2300_PACK,
  EC_LODC_PACK,
  MX_CONDUSEF_PACK,
  PE_LEY_29571_PACK,
  US_REGULATION_F_PACK,
} from '../../src/policy/packs';
import { CaseFields, contactCase, pastContact } from './support/contact-case.factory';

/** Scenarios written from each rule's text; instants carry the debtor's own offset. */

const NEW_YORK = 'America/New_York';
const BOGOTA = 'America/Bogota';
const MEXICO_CITY = 'America/Mexico_City';
const SANTIAGO = 'America/Santiago';
const LIMA = 'America/Lima';
const SAO_PAULO = 'America/Sao_Paulo';
const GUAYAQUIL = 'America/Guayaquil';

function outcome(pack: RulePack, c: ContactCase) {
  const decision = evaluate(c, pack);
  return {
    allowed: decision.allowed,
    rules: decision.reasons.map((r) => r.ruleId),
    next: decision.nextPermittedAt ? decision.nextPermittedAt.toISOString() : null,
  };
}

const refused = (rules: string[], next: string | null) => ({
  allowed: false,
  rules,
  next: next === null ? null : new Date(next).toISOString(),
});

describe(evaluate.name, () => {
  const sut = (pack: RulePack, c: ContactCase) => outcome(pack, c);

  describe('US — Regulation F', () => {
    const us = US_REGULATION_F_PACK;
    const call = (at: string, fields: CaseFields = {}) =>
      contactCase({ timezone: NEW_YORK, channel: 'call', at, ...fields });

    it('refuses a call at 21:30 debtor time and permits it at 08:00 the next morning', () => {
      expect(sut(us, call('2025-03-11T21:30:00-04:00'))).toEqual(refused(['US-HOURS'], '2025-03-12T08:00:00-04:00'));
    });

    it('allows a call from 08:00 sharp until 20:59, not at 07:59 or 21:00', () => {
      expect(sut(us, call('2025-03-11T08:00:00-04:00')).allowed).toBe(true);
      expect(sut(us, call('2025-03-11T20:59:59-04:00')).allowed).toBe(true);
      expect(sut(us, call('2025-03-11T07:59:00-04:00'))).toEqual(refused(['US-HOURS'], '2025-03-11T08:00:00-04:00'));
      expect(sut(us, call('2025-03-11T21:00:00-04:00'))).toEqual(refused(['US-HOURS'], '2025-03-12T08:00:00-04:00'));
    });

    it("reads the hours on the debtor's clock: 13:00 UTC is fine in New York but too early in Los Angeles", () => {
      expect(sut(us, call('2025-03-11T13:00:00Z')).allowed).toBe(true);
      expect(sut(us, call('2025-03-11T13:00:00Z', { timezone: 'America/Los_Angeles' }))).toEqual(
        refused(['US-HOURS'], '2025-03-11T08:00:00-07:00'),
      );
    });

    it('applies the hours to e-mail and texts too', () => {
      expect(sut(us, call('2025-03-11T22:15:00-04:00', { channel: 'email' })).rules).toEqual(['US-HOURS']);
      expect(sut(us, call('2025-03-11T06:15:00-04:00', { channel: 'sms' })).rules).toEqual(['US-HOURS']);
    });

    it('permits a call on a Sunday or a public holiday: Regulation F closes no day', () => {
      expect(sut(us, call('2025-03-16T10:00:00-04:00')).allowed).toBe(true);
      expect(sut(us, call('2025-07-04T10:00:00-04:00')).allowed).toBe(true);
    });

    const sevenCallsBefore12March = [5, 6, 7, 8, 9, 10, 11].map((day) =>
      pastContact('call', `2025-03-${String(day).padStart(2, '0')}T10:00:00-0${day < 9 ? 5 : 4}:00`),
    );

    it('refuses the 8th call attempt about a debt in 7 consecutive days until the oldest leaves the window', () => {
      expect(sut(us, call('2025-03-11T15:00:00-04:00', { history: sevenCallsBefore12March }))).toEqual(
        refused(['US-CALLS-7-IN-7'], '2025-03-12T08:00:00-04:00'),
      );
    });

    it('allows the 7th call attempt in 7 days', () => {
      const six = sevenCallsBefore12March.slice(1);
      expect(sut(us, call('2025-03-11T15:00:00-04:00', { history: six })).allowed).toBe(true);
    });

    it('counts calls per debt: seven calls about another debt do not stop a call about this one', () => {
      const aboutOtherDebt = sevenCallsBefore12March.map((c) => ({ ...c, debtId: 'debt-2' }));
      expect(sut(us, call('2025-03-11T15:00:00-04:00', { history: aboutOtherDebt })).allowed).toBe(true);
    });

    it('does not count texts towards the 7-in-7 call limit', () => {
      const texts = sevenCallsBefore12March.map((c) => ({ ...c, channel: 'sms' as const }));
      expect(sut(us, call('2025-03-11T15:00:00-04:00', { history: texts })).allowed).toBe(true);
    });

    it('refuses a call within 7 days after a telephone conversation about the debt, the conversation day being day 1', () => {
      const conversation = [pastContact('call', '2025-03-03T10:00:00-05:00', 'conversation')];
      // Day 7 is Sunday 9 March (the day clocks spring forward); the call is permitted from Monday 10 at 08:00 EDT.
      expect(sut(us, call('2025-03-09T12:00:00-04:00', { history: conversation }))).toEqual(
        refused(['US-CALL-AFTER-CONVERSATION'], '2025-03-10T08:00:00-04:00'),
      );
      expect(sut(us, call('2025-03-03T16:00:00-05:00', { history: conversation })).rules).toEqual([
        'US-CALL-AFTER-CONVERSATION',
      ]);
    });

    it('lets an e-mail follow a telephone conversation at once', () => {
      const conversation = [pastContact('call', '2025-03-03T10:00:00-05:00', 'conversation')];
      expect(sut(us, call('2025-03-04T10:00:00-05:00', { channel: 'email', history: conversation })).allowed).toBe(
        true,
      );
    });

    it('never calls a consumer represented by an attorney, and says why with the citation', () => {
      const decision = evaluate(call('2025-03-11T10:00:00-04:00', { holds: ['attorney'] }), us);
      expect(decision).toMatchObject({ allowed: false, nextPermittedAt: null });
      expect(decision.reasons[0].ruleId).toBe('US-HOLD-ATTORNEY');
      expect(decision.reasons[0].message).toContain('§1006.6(b)(2)');
    });

    it.each(['cease_communication', 'dispute', 'bankruptcy', 'deceased'] as const)(
      'stops every channel while the account is on a %s hold',
      (hold) => {
        for (const channel of ['call', 'sms', 'email', 'letter'] as const) {
          expect(sut(us, call('2025-03-11T10:00:00-04:00', { channel, holds: [hold] })).next).toBeNull();
        }
      },
    );

    it('contacts a debtor with no consent on record: Regulation F asks for none', () => {
      for (const channel of ['call', 'sms', 'email', 'letter'] as const)
        expect(sut(us, call('2025-03-11T10:00:00-04:00', { channel, consent: [] })).allowed).toBe(true);
    });

    it('honours an opt-out from e-mail without stopping calls', () => {
      expect(sut(us, call('2025-03-11T10:00:00-04:00', { channel: 'email', optedOut: ['email'] }))).toEqual(
        refused(['US-OPT-OUT'], null),
      );
      expect(sut(us, call('2025-03-11T10:00:00-04:00', { optedOut: ['email'] })).allowed).toBe(true);
    });

    it('finds 08:00 EDT, not 08:00 EST, after the night clocks spring forward', () => {
      expect(sut(us, call('2025-03-08T22:00:00-05:00'))).toEqual(refused(['US-HOURS'], '2025-03-09T12:00:00Z'));
    });

    it('finds 08:00 EST after the night clocks fall back', () => {
      expect(sut(us, call('2025-11-01T22:00:00-04:00'))).toEqual(refused(['US-HOURS'], '2025-11-02T13:00:00Z'));
    });
  });

  describe('CO — Ley 2300 de 2023', () => {
    const co = CO_LEY_2300_PACK;
    const contact = (at: string, fields: CaseFields = {}) =>
      contactCase({ timezone: BOGOTA, channel: 'call', at, ...fields });

    it('refuses contact on a Colombian public holiday and permits it the next working morning', () => {
      // Thursday 7 August 2025, Batalla de Boyacá.
      const decision = evaluate(contact('2025-08-07T10:00:00-05:00'), co);
      expect(decision.reasons.map((r) => r.ruleId)).toEqual(['CO-HOLIDAYS']);
      expect(decision.reasons[0].message).toContain('Batalla de Boyacá');
      expect(decision.nextPermittedAt?.toISOString()).toBe(new Date('2025-08-08T07:00:00-05:00').toISOString());
    });

    it('skips a run of holidays: Holy Thursday and Good Friday lead to Saturday 08:00', () => {
      expect(sut(co, contact('2025-04-17T10:00:00-05:00'))).toEqual(
        refused(['CO-HOLIDAYS'], '2025-04-19T08:00:00-05:00'),
      );
    });

    it('refuses Saturday 15:30 and permits Monday 07:00', () => {
      expect(sut(co, contact('2025-03-15T15:30:00-05:00'))).toEqual(refused(['CO-HOURS'], '2025-03-17T07:00:00-05:00'));
    });

    it('allows Saturday 14:59 and weekdays 07:00–18:59', () => {
      expect(sut(co, contact('2025-03-15T14:59:00-05:00')).allowed).toBe(true);
      expect(sut(co, contact('2025-03-11T07:00:00-05:00')).allowed).toBe(true);
      expect(sut(co, contact('2025-03-11T18:59:00-05:00')).allowed).toBe(true);
      expect(sut(co, contact('2025-03-11T19:00:00-05:00'))).toEqual(refused(['CO-HOURS'], '2025-03-12T07:00:00-05:00'));
    });

    it('never contacts on a Sunday', () => {
      expect(sut(co, contact('2025-03-16T11:00:00-05:00'))).toEqual(refused(['CO-HOURS'], '2025-03-17T07:00:00-05:00'));
    });

    it('uses only channels the consumer authorised', () => {
      expect(sut(co, contact('2025-03-11T10:00:00-05:00', { consent: ['email', 'sms'] }))).toEqual(
        refused(['CO-AUTHORISED-CHANNELS'], null),
      );
      expect(sut(co, contact('2025-03-11T10:00:00-05:00', { channel: 'sms', consent: ['email', 'sms'] })).allowed).toBe(
        true,
      );
    });

    it('uses no channel at all when the debtor authorised none on record, and says so', () => {
      for (const channel of ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'] as const) {
        const decision = evaluate(contact('2025-03-11T10:00:00-05:00', { channel, consent: [] }), co);
        expect(decision).toMatchObject({ allowed: false, nextPermittedAt: null });
        expect(decision.reasons.map((r) => r.ruleId)).toEqual(['CO-AUTHORISED-CHANNELS']);
        expect(decision.reasons[0].message).toContain('no channel authorised by the debtor on record');
      }
    });

    it('after a direct contact, refuses a second contact the same day and permits it the next morning', () => {
      const reached = [pastContact('call', '2025-03-11T09:00:00-05:00', 'conversation')];
      expect(sut(co, contact('2025-03-11T14:00:00-05:00', { history: reached }))).toEqual(
        refused(['CO-ONE-CONTACT-A-DAY'], '2025-03-12T07:00:00-05:00'),
      );
    });

    it('does not limit attempts that never reached the consumer', () => {
      const attempts = ['09:00', '11:00', '13:00'].map((t) => pastContact('call', `2025-03-11T${t}:00-05:00`));
      expect(sut(co, contact('2025-03-11T15:00:00-05:00', { history: attempts })).allowed).toBe(true);
    });

    it('after a direct contact by phone, refuses an SMS the same week and permits it next Monday', () => {
      const reached = [pastContact('call', '2025-03-11T09:00:00-05:00', 'conversation')];
      expect(sut(co, contact('2025-03-13T10:00:00-05:00', { channel: 'sms', history: reached }))).toEqual(
        refused(['CO-ONE-CHANNEL-A-WEEK'], '2025-03-17T07:00:00-05:00'),
      );
      expect(sut(co, contact('2025-03-13T10:00:00-05:00', { history: reached })).allowed).toBe(true);
    });
  });

  describe('MX — CONDUSEF', () => {
    const mx = MX_CONDUSEF_PACK;
    const call = (at: string, fields: CaseFields = {}) =>
      contactCase({ timezone: MEXICO_CITY, channel: 'call', at, ...fields });

    it('allows 07:00–21:59 and refuses 22:00, permitting 07:00 the next day', () => {
      expect(sut(mx, call('2025-03-11T07:00:00-06:00')).allowed).toBe(true);
      expect(sut(mx, call('2025-03-11T21:59:00-06:00')).allowed).toBe(true);
      expect(sut(mx, call('2025-03-11T22:00:00-06:00'))).toEqual(refused(['MX-HOURS'], '2025-03-12T07:00:00-06:00'));
      expect(sut(mx, call('2025-03-11T06:59:00-06:00'))).toEqual(refused(['MX-HOURS'], '2025-03-11T07:00:00-06:00'));
    });

    it('leaves days and frequency open: a tenth call on Independence Day, a Tuesday, is allowed', () => {
      const nine = Array.from({ length: 9 }, (_, i) => pastContact('call', `2025-09-16T0${i}:30:00-06:00`));
      expect(sut(mx, call('2025-09-16T10:00:00-06:00', { history: nine })).allowed).toBe(true);
      expect(sut(mx, call('2025-03-16T10:00:00-06:00')).allowed).toBe(true);
    });
  });

  describe('CL — Ley 21.320', () => {
    const cl = CL_LEY_21320_PACK;
    const contact = (at: string, fields: CaseFields = {}) =>
      contactCase({ timezone: SANTIAGO, channel: 'call', at, ...fields });

    it('refuses a second call in a week and permits it seven days after the first', () => {
      const monday = [pastContact('call', '2025-03-10T10:00:00-03:00')];
      expect(sut(cl, contact('2025-03-14T10:00:00-03:00', { history: monday }))).toEqual(
        refused(['CL-CALLS-VISITS-ONE-A-WEEK'], '2025-03-17T08:00:00-03:00'),
      );
    });

    it('counts a visit towards the one-a-week limit for calls', () => {
      const visit = [pastContact('visit', '2025-03-10T10:00:00-03:00')];
      expect(sut(cl, contact('2025-03-12T10:00:00-03:00', { history: visit })).rules).toEqual([
        'CL-CALLS-VISITS-ONE-A-WEEK',
      ]);
    });

    it('calls Monday to Saturday 08:00–19:59 only', () => {
      expect(sut(cl, contact('2025-03-15T19:59:00-03:00')).allowed).toBe(true);
      expect(sut(cl, contact('2025-03-14T20:00:00-03:00'))).toEqual(
        refused(['CL-HOURS-CALLS-VISITS'], '2025-03-15T08:00:00-03:00'),
      );
      expect(sut(cl, contact('2025-03-16T12:00:00-03:00'))).toEqual(
        refused(['CL-HOURS-CALLS-VISITS'], '2025-03-17T08:00:00-03:00'),
      );
    });

    it('makes no calls on Fiestas Patrias and permits Saturday 08:00 after them', () => {
      expect(sut(cl, contact('2025-09-18T10:00:00-03:00'))).toEqual(
        refused(['CL-HOLIDAYS-CALLS-VISITS'], '2025-09-20T08:00:00-03:00'),
      );
    });

    it('sets no hours for texts: an SMS on Sunday night is allowed', () => {
      expect(sut(cl, contact('2025-03-16T23:00:00-03:00', { channel: 'sms' })).allowed).toBe(true);
    });

    it('refuses an SMS the day after another and permits it two days after', () => {
      const monday = [pastContact('sms', '2025-03-10T10:00:00-03:00')];
      expect(sut(cl, contact('2025-03-11T10:00:00-03:00', { channel: 'sms', history: monday }))).toEqual(
        refused(['CL-OTHER-MEDIA-TWO-DAYS-APART'], '2025-03-12T00:00:00-03:00'),
      );
    });

    it('refuses a third message by other media within seven days', () => {
      const two = [pastContact('sms', '2025-03-10T10:00:00-03:00'), pastContact('email', '2025-03-12T10:00:00-03:00')];
      expect(sut(cl, contact('2025-03-14T10:00:00-03:00', { channel: 'whatsapp', history: two }))).toEqual(
        refused(['CL-OTHER-MEDIA-TWO-A-WEEK'], '2025-03-17T00:00:00-03:00'),
      );
    });

    it('finds the first instant of a day whose midnight the clocks skip (Chile springs forward at 00:00)', () => {
      const friday = [pastContact('sms', '2025-09-05T10:00:00-04:00')];
      expect(sut(cl, contact('2025-09-06T12:00:00-04:00', { channel: 'sms', history: friday }))).toEqual(
        refused(['CL-OTHER-MEDIA-TWO-DAYS-APART'], '2025-09-07T01:00:00-03:00'),
      );
    });

    it('stops at once when the debtor is served in a collection suit, citing the law', () => {
      const decision = evaluate(contact('2025-03-11T10:00:00-03:00', { holds: ['litigation'] }), cl);
      expect(decision).toMatchObject({ allowed: false, nextPermittedAt: null });
      expect(decision.reasons[0]).toMatchObject({ ruleId: 'CL-HOLD-LITIGATION' });
      expect(decision.reasons[0].message).toContain('Ley 21.320');
    });
  });

  describe('PE — Ley 29571 art. 62', () => {
    const pe = PE_LEY_29571_PACK;
    const contact = (at: string, fields: CaseFields = {}) =>
      contactCase({ timezone: LIMA, channel: 'call', at, ...fields });

    it('refuses a call on Saturday and permits Monday 07:00', () => {
      expect(sut(pe, contact('2025-03-15T10:00:00-05:00'))).toEqual(
        refused(['PE-HOURS-CALLS-VISITS'], '2025-03-17T07:00:00-05:00'),
      );
    });

    it('refuses a visit at 20:00 and allows one at 19:59', () => {
      expect(sut(pe, contact('2025-03-11T19:59:00-05:00', { channel: 'visit' })).allowed).toBe(true);
      expect(sut(pe, contact('2025-03-11T20:00:00-05:00', { channel: 'visit' }))).toEqual(
        refused(['PE-HOURS-CALLS-VISITS'], '2025-03-12T07:00:00-05:00'),
      );
    });

    it('makes no calls on the Independence holidays and permits Wednesday 07:00', () => {
      expect(sut(pe, contact('2025-07-28T10:00:00-05:00'))).toEqual(
        refused(['PE-HOLIDAYS-CALLS-VISITS'], '2025-07-30T07:00:00-05:00'),
      );
    });

    it('restricts calls and visits only: an e-mail on Sunday is allowed', () => {
      expect(sut(pe, contact('2025-03-16T10:00:00-05:00', { channel: 'email' })).allowed).toBe(true);
    });
  });

  describe('BR — CDC art. 42', () => {
    const br = BR_CDC_PACK;
    const call = (at: string, fields: CaseFields = {}) =>
      contactCase({ timezone: SAO_PAULO, channel: 'call', at, ...fields });

    it('fixes no hours, days or frequency: a call at 23:00 on a Sunday is allowed', () => {
      expect(sut(br, call('2025-03-16T23:00:00-03:00')).allowed).toBe(true);
    });

    it('still stops contact on a hold, as platform policy', () => {
      const decision = evaluate(call('2025-03-11T10:00:00-03:00', { holds: ['dispute'] }), br);
      expect(decision).toMatchObject({ allowed: false, nextPermittedAt: null });
      expect(decision.reasons[0].message).toContain('platform policy');
    });

    it('honours an opt-out', () => {
      expect(sut(br, call('2025-03-11T10:00:00-03:00', { channel: 'whatsapp', optedOut: ['whatsapp'] }))).toEqual(
        refused(['BR-OPT-OUT'], null),
      );
    });
  });

  describe('EC — Ley Orgánica de Defensa del Consumidor', () => {
    const ec = EC_LODC_PACK;
    const contact = (at: string, fields: CaseFields = {}) =>
      contactCase({ timezone: GUAYAQUIL, channel: 'call', at, ...fields });

    it('refuses a second contact the same day on any channel and permits it at 07:00 the next day', () => {
      const morningText = [pastContact('sms', '2025-03-11T09:00:00-05:00', 'delivered')];
      expect(sut(ec, contact('2025-03-11T15:00:00-05:00', { history: morningText }))).toEqual(
        refused(['EC-ONCE-A-DAY'], '2025-03-12T07:00:00-05:00'),
      );
    });

    it('refuses weekends and 20:00, permitting the next weekday at 07:00', () => {
      expect(sut(ec, contact('2025-03-15T10:00:00-05:00'))).toEqual(refused(['EC-HOURS'], '2025-03-17T07:00:00-05:00'));
      expect(sut(ec, contact('2025-03-11T20:00:00-05:00'))).toEqual(refused(['EC-HOURS'], '2025-03-12T07:00:00-05:00'));
    });

    it('makes no contact during Carnival and permits Wednesday 07:00', () => {
      expect(sut(ec, contact('2025-03-03T10:00:00-05:00'))).toEqual(
        refused(['EC-HOLIDAYS'], '2025-03-05T07:00:00-05:00'),
      );
    });
  });

  it('explains each refusal with the rule id, its words, its citation and the facts of the case', () => {
    const decision = evaluate(
      contactCase({ timezone: NEW_YORK, channel: 'call', at: '2025-03-11T21:30:00-04:00' }),
      US_REGULATION_F_PACK,
    );
    expect(decision.reasons).toEqual([
      {
        ruleId: 'US-HOURS',
        message: expect.stringMatching(
          /inconvenient.*§1006\.6\(b\)\(1\)\(i\).*Tuesday 2025-03-11 21:30 in America\/New_York/,
        ),
      },
    ]);
  });

  it('reports every rule a contact breaks, not just the first', () => {
    const reached = [pastContact('call', '2025-03-15T09:00:00-05:00', 'conversation')];
    const c = contactCase({
      timezone: BOGOTA,
      channel: 'sms',
      at: '2025-03-15T16:00:00-05:00',
      history: reached,
      optedOut: ['sms'],
    });
    expect(sut(CO_LEY_2300_PACK, c).rules).toEqual([
      'CO-OPT-OUT',
      'CO-HOURS',
      'CO-ONE-CONTACT-A-DAY',
      'CO-ONE-CHANNEL-A-WEEK',
    ]);
  });
});
