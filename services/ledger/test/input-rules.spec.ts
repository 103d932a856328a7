import { AppError, addCalendarDays, canonicalTimeZone, requireTextWithin } from '@collections/platform';
import { DAYS_AHEAD_OF_TODAY, DUE_DAYS_AHEAD_OF_TODAY, tooFarAhead } from '../src/ledger/domain/dates';

describe('the ledger input rules (pure)', () => {
  it('adds calendar days across months, years and leap days', () => {
    expect(addCalendarDays('2026-03-02', 1)).toBe('2026-03-03');
    expect(addCalendarDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addCalendarDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addCalendarDays('2026-03-02', 366)).toBe('2027-03-03');
    expect(addCalendarDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('allows a date up to tomorrow, and a due date up to 366 days ahead, naming the field otherwise', () => {
    expect(tooFarAhead('effective_date', '2026-03-03', '2026-03-02', DAYS_AHEAD_OF_TODAY)).toBeUndefined();
    expect(tooFarAhead('effective_date', '1999-01-01', '2026-03-02', DAYS_AHEAD_OF_TODAY)).toBeUndefined();
    expect(tooFarAhead('effective_date', '2026-03-04', '2026-03-02', DAYS_AHEAD_OF_TODAY)).toBe(
      "effective_date 2026-03-04 is too far in the future: at the latest 2026-03-03 (1 day after today, 2026-03-02, in the account's time zone)",
    );
    expect(tooFarAhead('due_date', '2027-03-03', '2026-03-02', DUE_DAYS_AHEAD_OF_TODAY)).toBeUndefined();
    expect(tooFarAhead('due_date', '9999-12-31', '2026-03-02', DUE_DAYS_AHEAD_OF_TODAY)).toMatch(
      /^due_date 9999-12-31 is too far in the future: at the latest 2027-03-03 \(366 days after today/,
    );
  });

  it('spells a time zone as Intl does, whatever its case, and refuses offsets and unknown names', () => {
    expect(canonicalTimeZone('america/bogota')).toBe('America/Bogota');
    expect(canonicalTimeZone('AMERICA/MEXICO_CITY')).toBe('America/Mexico_City');
    expect(canonicalTimeZone('America/Bogota')).toBe('America/Bogota');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    expect(canonicalTimeZone('etc/gmt+5')).toBe('Etc/GMT+5');
    expect(canonicalTimeZone('america/port-au-prince')).toBe('America/Port-au-Prince');
    for (const notAZone of ['+05:00', '-0500', 'America/Atlantis', '', ' America/Bogota', 'America/Bogota\u0000'])
      expect(canonicalTimeZone(notAZone)).toBeUndefined();
  });

  it('refuses the first text over its limit in characters, naming the field and not quoting the text', () => {
    const limits = { idempotency_key: 4, reference: 6 };
    expect(() => requireTextWithin(limits, { idempotency_key: 'abcd', reference: undefined })).not.toThrow();
    expect(() => requireTextWithin(limits, { idempotency_key: '😀😀😀😀' })).not.toThrow();
    let refused: unknown;
    try {
      requireTextWithin(limits, { idempotency_key: 'abc', reference: 'secret!' }, 'payments[2].');
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'payments[2].reference is longer than 6 characters',
      details: { field: 'payments[2].reference', maxLength: 6 },
    });
  });
});
