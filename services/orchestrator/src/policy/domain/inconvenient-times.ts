import { CHANNELS, Channel, InconvenientWindow, WeekdayName } from './contact-case.types';
import { parseMinuteOfDay } from '@collections/platform';
import { mergeMinuteRanges } from './civil-day.calendar';
import { PolicyViolation } from './policy.error';

/** Sunday first, as `LocalInstant.weekday` counts. */
export const WEEKDAY_NAMES: readonly WeekdayName[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const MINUTES_PER_DAY = 24 * 60;

/**
 * Every problem in a list of inconvenient times, each with its path (`inconvenient[2].from`):
 * days are `sun`…`sat`, times `HH:MM` (`to` may be `24:00`), `from` before `24:00` and unequal to
 * `to` (a `to` earlier than `from` runs past midnight), channels known.
 */
export function inconvenientWindowViolations(windows: unknown, path = 'inconvenient'): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  const problem = (at: string, text: string) => found.push({ path: at, problem: text });
  if (!Array.isArray(windows)) return [{ path, problem: 'must be an array of {day, from, to, channels?}' }];
  windows.forEach((w: unknown, i: number) => {
    const at = `${path}[${i}]`;
    if (typeof w !== 'object' || w === null || Array.isArray(w)) return problem(at, 'must be an object');
    const { day, from, to, channels } = w as Record<string, unknown>;
    if (typeof day !== 'string' || !(WEEKDAY_NAMES as readonly string[]).includes(day))
      problem(`${at}.day`, `${JSON.stringify(day)} is not one of ${WEEKDAY_NAMES.join(', ')}`);
    const fromMinute = typeof from === 'string' ? parseMinuteOfDay(from) : null;
    const toMinute = typeof to === 'string' ? parseMinuteOfDay(to) : null;
    if (fromMinute === null || fromMinute >= MINUTES_PER_DAY)
      problem(`${at}.from`, `${JSON.stringify(from)} is not a time HH:MM before 24:00`);
    if (toMinute === null) problem(`${at}.to`, `${JSON.stringify(to)} is not a time HH:MM (up to 24:00)`);
    else if (fromMinute !== null && fromMinute === toMinute)
      problem(`${at}.to`, `equals from: a window needs a length (use 00:00–24:00 for a whole day)`);
    if (channels !== undefined && channels !== null) {
      if (!Array.isArray(channels)) problem(`${at}.channels`, `must be an array of ${CHANNELS.join(', ')}`);
      else
        channels.forEach((c: unknown, j: number) => {
          if (typeof c !== 'string' || !(CHANNELS as readonly string[]).includes(c))
            problem(`${at}.channels[${j}]`, `${JSON.stringify(c)} is not one of ${CHANNELS.join(', ')}`);
        });
    }
  });
  return found;
}

/**
 * The debtor's inconvenient times for `channel` as merged `[from, to)` minute ranges per weekday
 * (0 = Sunday), an overnight window split at midnight; null when none applies to the channel.
 * A window that names no channel applies to `defaultChannels`.
 */
export function inconvenientRangesFor(
  windows: readonly InconvenientWindow[] | undefined,
  channel: Channel,
  defaultChannels: readonly Channel[],
): number[][] | null {
  if (!windows?.length) return null;
  const byDay: [number, number][][] = WEEKDAY_NAMES.map(() => []);
  for (const w of windows) {
    const channels = w.channels?.length ? w.channels : defaultChannels;
    if (!channels.includes(channel)) continue;
    const weekday = WEEKDAY_NAMES.indexOf(w.day);
    const from = parseMinuteOfDay(w.from);
    const to = parseMinuteOfDay(w.to);
    if (weekday < 0 || from === null || to === null || from === to) continue;
    if (from < to) byDay[weekday].push([from, to]);
    else {
      byDay[weekday].push([from, MINUTES_PER_DAY]);
      if (to > 0) byDay[(weekday + 1) % 7].push([0, to]);
    }
  }
  if (byDay.every((d) => d.length === 0)) return null;
  return byDay.map((pairs) => mergeMinuteRanges(pairs));
}

/** The end (exclusive minute) of the merged range holding `minute`, or null when none does. */
export function coveringEnd(ranges: readonly number[], minute: number): number | null {
  for (let i = 0; i < ranges.length; i += 2) if (minute >= ranges[i] && minute < ranges[i + 1]) return ranges[i + 1];
  return null;
}
