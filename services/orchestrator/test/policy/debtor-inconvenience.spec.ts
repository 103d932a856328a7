import { decideCaseLine } from '../../src/policy/cli/case-line.decider';
import { InconvenientWindow, RulePack, evaluate, rulePackViolations } from '../../src/policy/domain';
import { CO_LEY_2300_PACK, US_REGULATION_F_PACK } from '../../src/policy/packs';
import { contactCase } from './support/contact-case.factory';

/** Chicago keeps daylight time (UTC−5) from Sunday 8 March 2026; Monday 9 March, Tuesday 10 March. */
const ZONE = 'America/Chicago';
const NOT_BEFORE_TEN_ON_WEEKDAYS: InconvenientWindow[] = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({
  day,
  from: '00:00',
  to: '10:00',
}));
/** "I work nights: don't call me between 20:00 on Monday and 13:00 on Tuesday." */
const NIGHT_SHIFT: InconvenientWindow[] = [{ day: 'mon', from: '20:00', to: '13:00' }];

describe('times the debtor said are inconvenient (Regulation F §1006.6(b)(1)(i))', () => {
  const sut = evaluate;
  const call = (at: string, inconvenient: InconvenientWindow[], channel: 'call' | 'sms' | 'email' = 'call') =>
    contactCase({ timezone: ZONE, channel, at, inconvenient });

  it('does not call a debtor who said "not before 10:00 on weekdays" at 09:00 on a Tuesday, and names 10:00 that day', () => {
    const decision = sut(call('2026-03-10T09:00:00-05:00', NOT_BEFORE_TEN_ON_WEEKDAYS), US_REGULATION_F_PACK);
    expect(decision).toEqual({
      allowed: false,
      reasons: [
        {
          ruleId: 'US-INCONVENIENT',
          message: expect.stringMatching(
            /§1006\.6\(b\)\(1\)\(i\)\] — the debtor said Tuesday 00:00–10:00 is inconvenient for call; it is Tuesday 2026-03-10 09:00 in America\/Chicago$/,
          ),
        },
      ],
      nextPermittedAt: new Date('2026-03-10T10:00:00-05:00'),
    });
  });

  it('calls that debtor at 10:00, and e-mails them at 09:00 (the window named no channel: calls and visits)', () => {
    expect(sut(call('2026-03-10T10:00:00-05:00', NOT_BEFORE_TEN_ON_WEEKDAYS), US_REGULATION_F_PACK).allowed).toBe(true);
    expect(
      sut(call('2026-03-10T09:00:00-05:00', NOT_BEFORE_TEN_ON_WEEKDAYS, 'email'), US_REGULATION_F_PACK).allowed,
    ).toBe(true);
    // Saturday was not among the days they named: 09:00 is within the law's hours.
    expect(sut(call('2026-03-14T09:00:00-05:00', NOT_BEFORE_TEN_ON_WEEKDAYS), US_REGULATION_F_PACK).allowed).toBe(true);
  });

  it('keeps an overnight window past midnight: no call Monday 20:30 nor Tuesday 08:30, next at 13:00 on Tuesday', () => {
    for (const at of ['2026-03-09T20:30:00-05:00', '2026-03-10T08:30:00-05:00']) {
      const decision = sut(call(at, NIGHT_SHIFT), US_REGULATION_F_PACK);
      expect(decision.allowed).toBe(false);
      expect(decision.reasons.map((r) => r.ruleId)).toEqual(['US-INCONVENIENT']);
      expect(decision.nextPermittedAt).toEqual(new Date('2026-03-10T13:00:00-05:00'));
    }
    expect(sut(call('2026-03-10T13:00:00-05:00', NIGHT_SHIFT), US_REGULATION_F_PACK).allowed).toBe(true);
    expect(sut(call('2026-03-09T19:59:00-05:00', NIGHT_SHIFT), US_REGULATION_F_PACK).allowed).toBe(true);
  });

  it('applies a window that names its channels to those only', () => {
    const noTexts: InconvenientWindow[] = [{ day: 'tue', from: '08:00', to: '12:00', channels: ['sms'] }];
    expect(sut(call('2026-03-10T09:00:00-05:00', noTexts, 'sms'), US_REGULATION_F_PACK)).toMatchObject({
      allowed: false,
      nextPermittedAt: new Date('2026-03-10T12:00:00-05:00'),
    });
    expect(sut(call('2026-03-10T09:00:00-05:00', noTexts, 'call'), US_REGULATION_F_PACK).allowed).toBe(true);
  });

  it('answers as before for a debtor with no inconvenient time, and in a pack without the rule (Colombia)', () => {
    expect(sut(call('2026-03-10T09:00:00-05:00', []), US_REGULATION_F_PACK).allowed).toBe(true);
    const bogota = contactCase({
      timezone: 'America/Bogota',
      channel: 'call',
      at: '2026-03-10T09:00:00-05:00',
      inconvenient: NOT_BEFORE_TEN_ON_WEEKDAYS,
      workplaceForbidden: true,
    });
    expect(sut(bogota, CO_LEY_2300_PACK).allowed).toBe(true);
  });
});

describe('a workplace whose employer forbids collection contact (Regulation F §1006.6(b)(3))', () => {
  const sut = evaluate;
  const at = '2026-03-10T11:00:00-05:00';

  it('does not call the workplace number, for good, while it calls the home number', () => {
    const work = sut(
      contactCase({ timezone: ZONE, channel: 'call', at, workplaceForbidden: true }),
      US_REGULATION_F_PACK,
    );
    expect(work).toEqual({
      allowed: false,
      reasons: [
        {
          ruleId: 'US-WORKPLACE',
          message: expect.stringMatching(
            /§1006\.6\(b\)\(3\)\] — the debtor's call contact point is at a workplace whose employer forbids collection contact$/,
          ),
        },
      ],
      nextPermittedAt: null,
    });
    const home = sut(
      contactCase({ timezone: ZONE, channel: 'call', at, workplaceForbidden: false }),
      US_REGULATION_F_PACK,
    );
    expect(home.allowed).toBe(true);
  });
});

describe('the rules as data', () => {
  it('refuses a pack whose rules name no channel or cite nothing', () => {
    const pack: RulePack = {
      ...US_REGULATION_F_PACK,
      debtorInconvenience: { ...US_REGULATION_F_PACK.debtorInconvenience!, defaultChannels: [] },
      workplace: { ...US_REGULATION_F_PACK.workplace!, citation: ' ' },
    };
    expect(rulePackViolations(pack)).toEqual([
      { path: 'debtorInconvenience.defaultChannels', problem: 'names no channel' },
      { path: 'workplace.citation', problem: 'is empty: every rule must cite its source' },
    ]);
  });
});

describe(`${decideCaseLine.name}: inconvenient and workplaceForbidden`, () => {
  const sut = decideCaseLine;
  const line = {
    id: 'us-9',
    jurisdiction: 'US',
    timezone: ZONE,
    channel: 'call',
    at: '2026-03-10T09:00:00-05:00',
    debtId: 'debt-1',
    history: [],
  };

  it('reads the windows and the workplace flag, and answers a line without them as before', () => {
    expect(sut(JSON.stringify({ ...line, inconvenient: NOT_BEFORE_TEN_ON_WEEKDAYS }), 1)).toEqual({
      id: 'us-9',
      allowed: false,
      reasons: [expect.stringMatching(/^US-INCONVENIENT: /)],
      nextPermittedAt: '2026-03-10T15:00:00.000Z',
    });
    expect(sut(JSON.stringify({ ...line, workplaceForbidden: true }), 1)).toMatchObject({
      allowed: false,
      reasons: [expect.stringMatching(/^US-WORKPLACE: /)],
      nextPermittedAt: null,
    });
    expect(sut(JSON.stringify(line), 1)).toMatchObject({ allowed: true, reasons: [] });
  });

  it('names every bad field of the windows', () => {
    const bad = {
      ...line,
      inconvenient: [
        { day: 'tuesday', from: '9:00', to: '10:00' },
        { day: 'wed', from: '10:00', to: '10:00', channels: ['fax'] },
      ],
      workplaceForbidden: 'yes',
    };
    expect(sut(JSON.stringify(bad), 3)).toEqual({
      id: 'us-9',
      allowed: false,
      reasons: [
        'INPUT: inconvenient[0].day "tuesday" is not one of sun, mon, tue, wed, thu, fri, sat',
        'INPUT: inconvenient[0].from "9:00" is not a time HH:MM before 24:00',
        'INPUT: inconvenient[1].to equals from: a window needs a length (use 00:00–24:00 for a whole day)',
        'INPUT: inconvenient[1].channels[0] "fax" is not one of call, sms, whatsapp, email, letter, visit',
        'INPUT: workplaceForbidden must be true or false',
      ],
      nextPermittedAt: null,
    });
  });
});
