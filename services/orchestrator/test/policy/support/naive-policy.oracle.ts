import Holidays from 'date-holidays';
import { CapWindow, Channel, ContactCase, ContactOutcome, RulePack, Weekday } from '../../../src/policy/domain';

/**
 * A deliberately simple, slow second reading of a rule pack, to check the engine against. It
 * shares no code with the engine: local time comes from a fresh Intl formatter per question,
 * days are compared as `YYYY-MM-DD` strings turned into UTC dates, holidays come straight from
 * date-holidays, and every rule is read by looping over the whole history.
 */

const DAY_MS = 86_400_000;

interface LocalReading {
  date: string;
  dayIndex: number;
  minutes: number;
  weekday: Weekday;
}

export function readLocal(timezone: string, ms: number): LocalReading {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const date = `${get('year')}-${get('month')}-${get('day')}`;
  return {
    date,
    dayIndex: Date.parse(`${date}T00:00:00Z`) / DAY_MS,
    minutes: (Number(get('hour')) % 24) * 60 + Number(get('minute')),
    weekday: get('weekday').toLowerCase().slice(0, 3) as Weekday,
  };
}

const holidayDates = new Map<string, Set<string>>();

export function isPublicHoliday(country: string, region: string | undefined, date: string): boolean {
  const year = Number(date.slice(0, 4));
  const key = `${country}/${region ?? ''}/${year}`;
  let dates = holidayDates.get(key);
  if (!dates) {
    const source = region ? new Holidays(country, region) : new Holidays(country);
    dates = new Set(
      source
        .getHolidays(year)
        .filter((h) => h.type === 'public')
        .map((h) => h.date.slice(0, 10)),
    );
    holidayDates.set(key, dates);
  }
  return dates.has(date);
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/**
 * Whether the pack blocks the contact whatever the time: a hold, an opt-out, no consent, a
 * workplace whose employer forbids contact.
 */
export function naiveBlockedForGood(c: ContactCase, pack: RulePack): boolean {
  if (c.holds.some((h) => pack.holds.some((r) => r.hold === h))) return true;
  if (c.optedOut.includes(c.channel)) return true;
  if (pack.workplace && c.workplaceForbidden && pack.workplace.channels.includes(c.channel)) return true;
  return pack.consent.required && !c.consent.includes(c.channel);
}

/** The names of the rules that `pack` says the contact on `c.channel` at `ms` breaks. */
export function naiveBrokenRules(c: ContactCase, pack: RulePack, ms: number): string[] {
  const broken: string[] = [];
  if (naiveBlockedForGood(c, pack)) broken.push('permanent');
  const now = readLocal(c.timezone, ms);
  const past = c.history
    .filter((h) => h.at.getTime() <= ms)
    .map((h) => ({ ...h, ms: h.at.getTime(), local: readLocal(c.timezone, h.at.getTime()) }))
    .sort((a, b) => a.ms - b.ms);

  for (const rule of pack.contactHours) {
    if (!rule.channels.includes(c.channel)) continue;
    const open = rule.weekly[now.weekday].some(
      (r) => minutesOf(r.from) <= now.minutes && now.minutes < minutesOf(r.to),
    );
    if (!open) broken.push(rule.id);
  }
  for (const rule of pack.publicHolidays) {
    if (rule.channels.includes(c.channel) && isPublicHoliday(pack.holidayCountry, c.region, now.date))
      broken.push(rule.id);
  }

  const counted = (channels: readonly Channel[], perDebt: boolean) =>
    past.filter((h) => channels.includes(h.channel) && (!perDebt || h.debtId === c.debtId));
  const inWindow = (window: CapWindow, h: { ms: number; local: LocalReading }) => {
    switch (window.kind) {
      case 'calendar-day':
        return h.local.date === now.date;
      case 'calendar-week': {
        const mondayOffset = (new Date(now.dayIndex * DAY_MS).getUTCDay() + 6) % 7;
        const monday = now.dayIndex - mondayOffset;
        return h.local.dayIndex >= monday && h.local.dayIndex <= monday + 6;
      }
      case 'rolling-days':
        return h.local.dayIndex > now.dayIndex - window.days && h.local.dayIndex <= now.dayIndex;
      case 'rolling-hours':
        return h.ms > ms - window.hours * 3_600_000;
    }
  };
  const isDirect = (o: ContactOutcome) => o === 'conversation';

  for (const rule of pack.frequencyCaps) {
    if (!rule.appliesTo.includes(c.channel)) continue;
    const inside = counted(rule.counts, rule.perDebt).filter((h) => inWindow(rule.window, h));
    if (rule.trigger === 'after-direct-contact-in-window' && !inside.some((h) => isDirect(h.outcome))) continue;
    if (inside.length + 1 > rule.max) broken.push(rule.id);
  }
  for (const rule of pack.channelMix) {
    if (!rule.appliesTo.includes(c.channel)) continue;
    const inside = counted(rule.counts, rule.perDebt).filter((h) => inWindow(rule.window, h));
    const first = rule.trigger === 'always' ? 0 : inside.findIndex((h) => isDirect(h.outcome));
    if (first < 0) continue;
    const used = new Set([...inside.slice(first).map((h) => h.channel), c.channel]);
    if (used.size > rule.maxChannels) broken.push(rule.id);
  }
  for (const rule of pack.minimumSpacing) {
    if (!rule.appliesTo.includes(c.channel)) continue;
    const tooClose = counted(rule.counts, rule.perDebt).some(
      (h) => h.local.dayIndex <= now.dayIndex && now.dayIndex - h.local.dayIndex < rule.minDaysBetween,
    );
    if (tooClose) broken.push(rule.id);
  }
  for (const rule of pack.quietPeriods) {
    if (!rule.appliesTo.includes(c.channel)) continue;
    const quiet = counted(rule.after.channels, rule.perDebt).some(
      (h) =>
        rule.after.outcomes.includes(h.outcome) &&
        h.local.dayIndex <= now.dayIndex &&
        now.dayIndex - h.local.dayIndex < rule.days,
    );
    if (quiet) broken.push(rule.id);
  }
  const inconvenience = pack.debtorInconvenience;
  if (inconvenience) {
    const dayBefore = WEEK[(WEEK.indexOf(now.weekday) + 6) % 7];
    const inside = (c.inconvenient ?? []).some((w) => {
      const channels = w.channels?.length ? w.channels : inconvenience.defaultChannels;
      if (!channels.includes(c.channel)) return false;
      const from = minutesOf(w.from);
      const to = minutesOf(w.to);
      if (from < to) return w.day === now.weekday && from <= now.minutes && now.minutes < to;
      // Overnight: from `from` on its day to `to` on the next.
      return (w.day === now.weekday && now.minutes >= from) || (w.day === dayBefore && now.minutes < to);
    });
    if (inside) broken.push(inconvenience.id);
  }
  return broken;
}

const WEEK: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
