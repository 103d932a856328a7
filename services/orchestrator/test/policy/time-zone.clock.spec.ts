import fc from 'fast-check';
import { PolicyErrorCode, PublicHolidayCalendar, TimeZoneClock } from '../../src/policy/domain';
import { readLocal } from './support/naive-policy.oracle';

const DAY = 86_400_000;
const wall = (isoLocal: string) => Date.parse(`${isoLocal}Z`);
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY;

describe(TimeZoneClock.name, () => {
  const ZONES = ['America/New_York', 'America/Santiago', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Asia/Beirut', 'UTC'];

  it("reads any instant on the debtor's wall clock exactly as Intl does", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2035-01-01') }),
        (zone, ms) => {
          const sut = TimeZoneClock.for(zone);
          const expected = readLocal(zone, ms);
          const local = sut.local(ms);
          expect({ day: local.day, minute: local.minute }).toEqual({
            day: expected.dayIndex,
            minute: expected.minutes,
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('finds the instant back from its wall-clock reading, even in the repeated hour', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2035-01-01') }),
        (zone, ms) => {
          const sut = TimeZoneClock.for(zone);
          expect(sut.instantOf(ms + sut.offsetAt(ms), ms)).toBe(ms);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('maps a wall time the clocks skip to the moment they jump', () => {
    const sut = TimeZoneClock.for('America/New_York');
    expect(new Date(sut.instantOf(wall('2025-03-09T02:30:00'))).toISOString()).toBe('2025-03-09T07:00:00.000Z');
  });

  it('maps a wall time that happens twice to its first occurrence, or the second when asked for a later one', () => {
    const sut = TimeZoneClock.for('America/New_York');
    const first = sut.instantOf(wall('2025-11-02T01:30:00'));
    expect(new Date(first).toISOString()).toBe('2025-11-02T05:30:00.000Z');
    expect(new Date(sut.instantOf(wall('2025-11-02T01:30:00'), first + 1)).toISOString()).toBe(
      '2025-11-02T06:30:00.000Z',
    );
  });

  it('starts a day at 01:00 where clocks skip midnight (Chile, first Sunday of September 2025)', () => {
    const sut = TimeZoneClock.for('America/Santiago');
    expect(new Date(sut.startOfDay(dayNumber('2025-09-07'))).toISOString()).toBe('2025-09-07T04:00:00.000Z');
  });

  it('handles a half-hour DST shift (Lord Howe Island)', () => {
    const sut = TimeZoneClock.for('Australia/Lord_Howe');
    expect(sut.offsetAt(Date.parse('2025-01-15T00:00:00Z'))).toBe(11 * 3_600_000);
    expect(sut.offsetAt(Date.parse('2025-07-15T00:00:00Z'))).toBe(10.5 * 3_600_000);
  });

  it('refuses a zone name Intl does not know', () => {
    expect(() => TimeZoneClock.for('Mars/Olympus_Mons')).toThrow(
      expect.objectContaining({ code: PolicyErrorCode.UnknownTimeZone }),
    );
    expect(TimeZoneClock.isKnownZone('America/Bogota')).toBe(true);
  });
});

describe(PublicHolidayCalendar.name, () => {
  it('names national public holidays and leaves ordinary days alone', () => {
    const sut = PublicHolidayCalendar.for('CO');
    expect(sut.holidayOn(dayNumber('2025-07-20'))).toBe('Día de la Independencia');
    expect(sut.holidayOn(dayNumber('2025-07-21'))).toBeUndefined();
  });

  it('adds a region’s own holidays when the region is given (São Paulo, 9 July)', () => {
    expect(PublicHolidayCalendar.for('BR').holidayOn(dayNumber('2025-07-09'))).toBeUndefined();
    expect(PublicHolidayCalendar.for('BR', 'SP').holidayOn(dayNumber('2025-07-09'))).toBeDefined();
    expect(PublicHolidayCalendar.for('BR', 'BR-SP').holidayOn(dayNumber('2025-07-09'))).toBeDefined();
  });

  it('ignores observances that are not public holidays (Valentine’s Day in the US)', () => {
    expect(PublicHolidayCalendar.for('US').holidayOn(dayNumber('2025-02-14'))).toBeUndefined();
  });

  it('refuses a region the calendar does not know', () => {
    expect(() => PublicHolidayCalendar.for('CL', 'ZZ')).toThrow(
      expect.objectContaining({ code: PolicyErrorCode.UnknownHolidayRegion }),
    );
  });
});
