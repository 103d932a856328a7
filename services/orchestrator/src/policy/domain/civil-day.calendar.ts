/**
 * Local calendar days as integers (days since 1970-01-01 on the debtor's wall clock), so that
 * day, week and rolling-window arithmetic is integer arithmetic instead of Date objects.
 */

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

/** Howard Hinnant's civil_from_days: proleptic Gregorian, exact for any day number. */
export function civilFromDays(dayNumber: number): CivilDate {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysFromCivil(year: number, month: number, day: number): number {
  return Math.floor(Date.UTC(year, month - 1, day) / MS_PER_DAY);
}

/** 0 = Sunday … 6 = Saturday; day 0 (1970-01-01) was a Thursday. */
export function weekdayOf(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

/** The Monday that starts the week holding `dayNumber`. */
export function weekStartOf(dayNumber: number): number {
  return dayNumber - ((weekdayOf(dayNumber) + 6) % 7);
}

export function weekdayName(weekday: number): string {
  return WEEKDAY_NAMES[weekday];
}

export function formatCivilDay(dayNumber: number): string {
  const { year, month, day } = civilFromDays(dayNumber);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

export function formatMinuteOfDay(minute: number): string {
  return `${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}`;
}

/**
 * Minute ranges `[from, to)` as one sorted list of bounds, `[from0, to0, from1, to1, ...]`, ranges
 * that overlap or touch joined. Sorts `pairs` in place.
 */
export function mergeMinuteRanges(pairs: [number, number][]): number[] {
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [from, to] of pairs) {
    const last = merged.length - 1;
    if (last > 0 && from <= merged[last]) merged[last] = Math.max(merged[last], to);
    else merged.push(from, to);
  }
  return merged;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
