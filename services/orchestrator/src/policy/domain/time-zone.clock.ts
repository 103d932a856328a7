import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, weekdayOf } from './civil-day.calendar';
import { PolicyError, PolicyErrorCode } from './policy.error';

/** An instant read on the debtor's wall clock. */
export interface LocalInstant {
  /** Epoch milliseconds. */
  readonly ms: number;
  /** Local calendar day number (days since 1970-01-01). */
  readonly day: number;
  /** Minutes since local midnight, 0–1439. */
  readonly minute: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

const TRANSITION_HOUR = Number.NaN;
const MAX_CACHED_HOURS = 1_000_000;

/**
 * Converts between instants and one IANA zone's wall clock. Intl is the source of truth but is
 * slow (microseconds per call), so offsets are cached per UTC hour: no zone changes its offset
 * twice within an hour, so an hour whose first and last second share an offset has that offset
 * throughout; the rare hour that holds a transition is asked of Intl second by second.
 */
export class TimeZoneClock {
  private static readonly clocks = new Map<string, TimeZoneClock>();

  private readonly offsetByHour = new Map<number, number>();

  private constructor(
    readonly zone: string,
    private readonly formatter: Intl.DateTimeFormat,
  ) {}

  /** One clock per zone for the life of the process; throws for a name Intl does not know. */
  static for(zone: string): TimeZoneClock {
    const known = TimeZoneClock.clocks.get(zone);
    if (known) return known;
    let formatter: Intl.DateTimeFormat;
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new PolicyError(PolicyErrorCode.UnknownTimeZone, `"${zone}" is not an IANA time zone`);
    }
    const clock = new TimeZoneClock(zone, formatter);
    TimeZoneClock.clocks.set(zone, clock);
    return clock;
  }

  static isKnownZone(zone: string): boolean {
    try {
      TimeZoneClock.for(zone);
      return true;
    } catch {
      return false;
    }
  }

  /** Milliseconds to add to an instant to read it on this zone's wall clock. */
  offsetAt(ms: number): number {
    const hour = Math.floor(ms / MS_PER_HOUR);
    let offset = this.offsetByHour.get(hour);
    if (offset === undefined) {
      const first = this.intlOffset(hour * MS_PER_HOUR);
      const last = this.intlOffset(hour * MS_PER_HOUR + MS_PER_HOUR - 1000);
      offset = first === last ? first : TRANSITION_HOUR;
      if (this.offsetByHour.size >= MAX_CACHED_HOURS) this.offsetByHour.clear();
      this.offsetByHour.set(hour, offset);
    }
    return Number.isNaN(offset) ? this.intlOffset(ms) : offset;
  }

  local(ms: number): LocalInstant {
    const wall = ms + this.offsetAt(ms);
    const day = Math.floor(wall / MS_PER_DAY);
    return { ms, day, minute: Math.floor((wall - day * MS_PER_DAY) / MS_PER_MINUTE), weekday: weekdayOf(day) };
  }

  dayOf(ms: number): number {
    return Math.floor((ms + this.offsetAt(ms)) / MS_PER_DAY);
  }

  /**
   * The instant the wall clock reads `wallMs` (local time as if UTC). When the time occurs twice
   * (clocks go back), the first occurrence not before `notBefore`; when it never occurs (clocks
   * jump forward over it), the instant of the jump — the first moment the clock reads later.
   */
  instantOf(wallMs: number, notBefore = Number.NEGATIVE_INFINITY): number {
    const before = this.offsetAt(wallMs - MS_PER_DAY);
    const after = this.offsetAt(wallMs + MS_PER_DAY);
    if (before === after) return wallMs - before;
    const early = wallMs - Math.max(before, after);
    const late = wallMs - Math.min(before, after);
    const earlyValid = early + this.offsetAt(early) === wallMs;
    const lateValid = late + this.offsetAt(late) === wallMs;
    if (earlyValid && lateValid) return early >= notBefore ? early : late;
    if (earlyValid) return early;
    if (lateValid) return late;
    return this.transitionBetween(early, late);
  }

  /** The first instant of local day `day` (not always 00:00: some zones skip midnight). */
  startOfDay(day: number, notBefore?: number): number {
    return this.instantOf(day * MS_PER_DAY, notBefore);
  }

  /** First instant in (from, to] whose offset differs from the offset at `from`; transitions fall on whole seconds. */
  private transitionBetween(from: number, to: number): number {
    const initial = this.offsetAt(from);
    let lo = Math.floor(from / 1000);
    let hi = Math.ceil(to / 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid * 1000) === initial) lo = mid;
      else hi = mid;
    }
    return hi * 1000;
  }

  private intlOffset(ms: number): number {
    const seconds = ms - (((ms % 1000) + 1000) % 1000);
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.formatter.formatToParts(seconds)) {
      switch (part.type) {
        case 'year':
          year = Number(part.value);
          break;
        case 'month':
          month = Number(part.value);
          break;
        case 'day':
          day = Number(part.value);
          break;
        case 'hour':
          hour = Number(part.value) % 24;
          break;
        case 'minute':
          minute = Number(part.value);
          break;
        case 'second':
          second = Number(part.value);
          break;
        default:
          break;
      }
    }
    return Date.UTC(year, month - 1, day, hour, minute, second) - seconds;
  }
}
