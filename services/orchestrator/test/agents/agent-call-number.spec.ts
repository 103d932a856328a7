import fc from 'fast-check';
import { dialVerdict, refusedForGood } from '../../src/agents/domain';
import { DebtorContactFacts } from '../../src/planning/domain/contact-plan';
import { InconvenientWindow } from '../../src/policy/domain';

const WORK = '+13125550101';
const HOME = '+13125550102';
/** Tuesday 10 March 2026 in Chicago (daylight time, UTC−5). */
const chicago = (time: string, date = '2026-03-10') => new Date(`${date}T${time}:00-05:00`);

const usDebtor = (over: Partial<DebtorContactFacts> = {}): DebtorContactFacts => ({
  debtorId: 'deb-1',
  timeZone: 'America/Chicago',
  jurisdiction: 'US',
  region: '',
  consent: [],
  optedOut: [],
  holds: [],
  creditor: null,
  ...over,
});
const colombian = (over: Partial<DebtorContactFacts> = {}): DebtorContactFacts =>
  usDebtor({ timeZone: 'America/Bogota', jurisdiction: 'CO', consent: ['call'], ...over });

describe(dialVerdict.name, () => {
  const sut = dialVerdict;

  it('offers the number the ledger picked when the law allows the call', () => {
    const dial = sut('call', usDebtor(), [], chicago('11:00'), 'acc-1', { phone: HOME, workplaceForbidden: false });
    expect(dial).toEqual({ verdict: expect.objectContaining({ allowed: true }), phone: HOME });
  });

  it('refuses for good, as US-WORKPLACE, a call whose only number is at a workplace that forbids it, and offers no number', () => {
    const dial = sut('negotiate', usDebtor(), [], chicago('11:00'), 'acc-1', { phone: WORK, workplaceForbidden: true });
    expect(dial?.phone).toBeUndefined();
    expect(dial?.verdict.reasons).toEqual([expect.stringMatching(/^US-WORKPLACE: /)]);
    expect(refusedForGood(dial!.verdict)).toBe(true);
  });

  it('lets a Colombian debtor’s work number be dialled: Ley 2300 has no workplace rule, as for the dispatcher', () => {
    const dial = sut('call', colombian(), [], chicago('11:00'), 'acc-1', { phone: WORK, workplaceForbidden: true });
    expect(dial).toMatchObject({ verdict: { allowed: true }, phone: WORK });
  });

  it('defers a call inside the debtor’s inconvenient time to its end, offering no number until then', () => {
    const facts = usDebtor({ inconvenient: [{ day: 'tue', from: '00:00', to: '10:00' }] });
    const early = sut('call', facts, [], chicago('09:00'), 'acc-1', { phone: HOME, workplaceForbidden: false });
    expect(early?.phone).toBeUndefined();
    expect(early?.verdict).toMatchObject({ allowed: false, nextPermittedAt: chicago('10:00') });
    expect(early?.verdict.reasons.join(' ')).toMatch(/^US-INCONVENIENT: /);
    const atTen = sut('call', facts, [], chicago('10:00'), 'acc-1', { phone: HOME, workplaceForbidden: false });
    expect(atTen).toMatchObject({ verdict: { allowed: true }, phone: HOME });
  });

  it('decides on the facts alone when the ledger was not asked (a listing) and gives no contact for a reply review', () => {
    const barred = usDebtor({ workplaceForbidden: ['call'] });
    expect(sut('call', barred, [], chicago('11:00'), 'acc-1')?.verdict.reasons.join(' ')).toMatch(/^US-WORKPLACE: /);
    expect(sut('review_reply', usDebtor(), [], chicago('11:00'), 'acc-1')).toBeUndefined();
  });

  describe('properties (Regulation F §1006.6(b))', () => {
    const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
    const hhmm = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const windows = fc.array(
      fc.record({ day: fc.constantFrom(...DAYS), from: hhmm, to: hhmm }).filter((w) => w.from !== w.to),
      { maxLength: 3 },
    ) as fc.Arbitrary<InconvenientWindow[]>;
    // Any instant over a year, to the minute.
    const instants = fc
      .integer({ min: 0, max: 365 * 24 * 60 })
      .map((minutes) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000));

    it('never offers a number at a workplace that forbids calls to a US debtor', () => {
      fc.assert(
        fc.property(windows, instants, fc.boolean(), (inconvenient, at, forbidden) => {
          const dial = sut('call', usDebtor({ inconvenient }), [], at, 'acc-1', {
            phone: forbidden ? WORK : HOME,
            workplaceForbidden: forbidden,
          });
          if (forbidden) expect(dial?.phone).toBeUndefined();
          expect(dial?.phone === undefined).toBe(!dial?.verdict.allowed);
        }),
        { numRuns: 300 },
      );
    });

    it('a call the debtor’s inconvenient times defer is allowed, with its number, at the time it is deferred to', () => {
      fc.assert(
        fc.property(windows, instants, (inconvenient, at) => {
          const facts = usDebtor({ inconvenient });
          const number = { phone: HOME, workplaceForbidden: false };
          const dial = sut('call', facts, [], at, 'acc-1', number)!;
          if (dial.verdict.allowed || !dial.verdict.nextPermittedAt) return;
          const later = sut('call', facts, [], dial.verdict.nextPermittedAt, 'acc-1', number)!;
          expect(later).toMatchObject({ verdict: { allowed: true }, phone: HOME });
        }),
        { numRuns: 300 },
      );
    });
  });
});
