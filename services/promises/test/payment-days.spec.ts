import fc from 'fast-check';
import { DEFAULT_TIME_ZONE, safeLocalDate } from '../src/accounts/account-profiles.repository';
import { addDays } from '../src/plans/domain/schedule';
import { earliestPaymentDay } from '../src/promises/payments-posted.consumer';

type Posted = Parameters<typeof earliestPaymentDay>[0][number];

// Instants from year 1 to 9999 (what toISOString writes as a plain date), and some beyond.
const instant = fc.date({
  min: new Date('0001-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});
const calendarDate = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe('payment days', () => {
  it('the UTC date of any sequence of instants is its ISO date, however the calls interleave', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            instant,
            instant.map((d) => new Date(d.getTime() - (d.getTime() % 86_400_000))),
          ),
          { minLength: 1, maxLength: 30 },
        ),
        (instants) => {
          for (const at of instants) expect(safeLocalDate(at, DEFAULT_TIME_ZONE)).toBe(at.toISOString().slice(0, 10));
        },
      ),
    );
  });

  it('the last millisecond of a day and the first of the next are two dates', () => {
    const midnight = Date.parse('2026-03-01T00:00:00Z');
    expect(safeLocalDate(new Date(midnight - 1), DEFAULT_TIME_ZONE)).toBe('2026-02-28');
    expect(safeLocalDate(new Date(midnight), DEFAULT_TIME_ZONE)).toBe('2026-03-01');
    expect(safeLocalDate(new Date(midnight - 1), DEFAULT_TIME_ZONE)).toBe('2026-02-28');
  });

  it('a batch’s earliest payment day is the earliest effective date or the day before the earliest posting (or today) in UTC', () => {
    const event = fc.record({
      effectiveDate: fc.option(calendarDate, { nil: undefined }),
      postedAt: fc.option(
        fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }),
        { nil: undefined },
      ),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 20 }), instant, (payloads, now) => {
        const events = payloads.map((payload) => ({ payload: { accountId: 'a', ...payload } }) as unknown as Posted);
        // Each payment's own day, as the consumer worked it out one by one before.
        const days = [
          addDays(now.toISOString().slice(0, 10), -1),
          ...payloads.map((p) => p.effectiveDate ?? addDays((p.postedAt ?? now).toISOString().slice(0, 10), -1)),
        ];
        expect(earliestPaymentDay(events, now)).toBe(days.sort()[0]);
      }),
    );
  });
});
