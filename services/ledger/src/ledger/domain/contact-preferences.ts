/**
 * The debtor's own limits on contact, as the ledger keeps them: weekly times they said are
 * inconvenient (Regulation F §1006.6(b)(1)(i)), and contact points at a workplace whose employer
 * forbids collection contact (§1006.6(b)(3)). Checked when the command is built.
 */
import { AppError, parseMinuteOfDay } from '@collections/platform';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const CHANNELS = ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'] as const;
const MINUTES_PER_DAY = 24 * 60;

export interface InconvenientTime {
  readonly day: string;
  readonly from: string;
  readonly to: string;
  readonly channels: readonly string[];
}

/**
 * The first problem with a debtor's inconvenient times, naming the field (without its value:
 * `debtor.inconvenient_times[0].from must be a time HH:MM before 24:00`); null when there is none. A `to`
 * earlier than `from` runs past midnight; `to` may be `24:00`; `from` equal to `to` is empty.
 */
export function inconvenientTimesProblem(times: readonly InconvenientTime[], field: string): string | null {
  for (const [i, t] of times.entries()) {
    const at = `${field}[${i}]`;
    if (!(WEEKDAYS as readonly string[]).includes(t.day)) return `${at}.day must be one of ${WEEKDAYS.join(', ')}`;
    const from = parseMinuteOfDay(t.from);
    const to = parseMinuteOfDay(t.to);
    if (from === null || from >= MINUTES_PER_DAY) return `${at}.from must be a time HH:MM before 24:00`;
    if (to === null) return `${at}.to must be a time HH:MM (up to 24:00)`;
    if (from === to) return `${at}.to must differ from from (00:00 to 24:00 is a whole day)`;
    const unknown = t.channels.filter((c) => !(CHANNELS as readonly string[]).includes(c));
    if (unknown.length) return `${at}.channels must name only ${CHANNELS.join(', ')}`;
  }
  return null;
}

/**
 * A debtor's inconvenient times as stored and published, once checked (INVALID_ARGUMENT naming the
 * first bad field under `field`, never its value): as given, but each window's channels once and
 * in order. UpsertDebtor's and SetContactPreferences' one rule.
 */
export function validInconvenientTimes(times: readonly InconvenientTime[], field: string): InconvenientTime[] {
  const problem = inconvenientTimesProblem(times, field);
  if (problem) throw AppError.invalid(problem);
  return times.map((t) => ({ day: t.day, from: t.from, to: t.to, channels: [...new Set(t.channels)].sort() }));
}

/** Which channels each type of contact point carries. */
const CHANNELS_OF_TYPE: Readonly<Record<string, readonly string[]>> = {
  phone: ['call', 'sms', 'whatsapp'],
  email: ['email'],
  address: ['letter', 'visit'],
};

/**
 * The channels on which every contact point the debtor has (of the type that carries it) is at a
 * workplace whose employer forbids collection contact: where they have any other, it is used.
 */
export function workplaceForbiddenChannels(
  points: readonly { readonly type: string; readonly workplaceForbidden: boolean }[],
): string[] {
  const channels: string[] = [];
  for (const [type, carried] of Object.entries(CHANNELS_OF_TYPE)) {
    const ofType = points.filter((p) => p.type === type);
    if (ofType.length && ofType.every((p) => p.workplaceForbidden)) channels.push(...carried);
  }
  return channels;
}
