const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A real day of the calendar written YYYY-MM-DD, from 0001-01-01 to 9999-12-31 (PostgreSQL has
 * no year 0). `Date.parse` alone is not a check: it takes 2026-02-30 (as 2026-03-02) and
 * 2026-04-31, which a `date` column then refuses.
 */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = CALENDAR_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

const MINUTE_OF_DAY = /^(\d{2}):(\d{2})$/;

/**
 * `HH:MM` (00:00–24:00) to minutes since midnight, or `null` when malformed: the times of day of
 * contact rules and of a debtor's inconvenient times (24:00 ends a day; 24:01 and 7:00 are refused).
 */
export function parseMinuteOfDay(text: string): number | null {
  const match = MINUTE_OF_DAY.exec(text);
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A UUID in its canonical 8-4-4-4-12 form, as a `uuid` column compares with (anything else would make it throw). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

const DAY_MS = 86_400_000;

/**
 * The calendar date `days` after `date` (before it when negative), both YYYY-MM-DD: calendar
 * arithmetic on the date itself, with no time of day or zone to shift it across midnight.
 */
export function addCalendarDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** A zone's name (`America/Bogota`, `Etc/GMT+5`, `UTC`), never an offset such as `+05:00`. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;
/** Valid names seen, by their lower case: at most the few hundred zones and links there are. */
const canonicalZones = new Map<string, string>();

/**
 * The canonical spelling of an IANA time zone, as this runtime's Intl resolves it
 * (`america/bogota` → `America/Bogota`, `US/Eastern` → `America/New_York`, `Etc/UTC` → `UTC`),
 * or undefined when `zone` is not one. Offsets (`+05:00`) are refused: PostgreSQL reads them as
 * POSIX zones, with the sign inverted. Store and publish what this returns, not what was sent,
 * so one zone is always written one way.
 */
export function canonicalTimeZone(zone: string): string | undefined {
  if (!ZONE_NAME.test(zone)) return undefined;
  const key = zone.toLowerCase();
  let canonical = canonicalZones.get(key);
  if (canonical === undefined) {
    try {
      canonical = new Intl.DateTimeFormat(undefined, { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      return undefined; // not cached: the names a caller may invent are endless
    }
    if (!ZONE_NAME.test(canonical)) return undefined;
    canonicalZones.set(key, canonical);
  }
  return canonical;
}
