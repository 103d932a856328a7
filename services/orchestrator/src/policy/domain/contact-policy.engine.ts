import { parseMinuteOfDay } from '@collections/platform';
import { Channel, ContactCase, ContactDecision, ContactOutcome, DecisionReason, Hold } from './contact-case.types';
import { coPartyHoldStops, coPartyHoldWords } from './co-party-holds';
import {
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  formatCivilDay,
  formatMinuteOfDay,
  mergeMinuteRanges,
  weekStartOf,
  weekdayName,
} from './civil-day.calendar';
import { PublicHolidayCalendar } from './public-holiday.calendar';
import { assertValidRulePack } from './rule-pack.validator';
import {
  CapWindow,
  ChannelMixRule,
  CoPartyHoldRule,
  ContactHoursRule,
  DebtorInconvenienceRule,
  FrequencyCapRule,
  HoldRule,
  MinimumSpacingRule,
  PublicHolidayRule,
  QuietPeriodRule,
  RulePack,
  RuleSource,
  ValidationNoticeRule,
  WEEKDAYS,
} from './rule-pack.types';
import { LocalInstant, TimeZoneClock } from './time-zone.clock';
import { coveringEnd, inconvenientRangesFor } from './inconvenient-times';

/**
 * The contact-policy engine: decides whether one contact may happen now under a rule pack and,
 * when not, the earliest instant it may.
 *
 * Every time-dependent rule answers, for an instant t, either "satisfied" or a lower bound: the
 * earliest instant ≥ t at which it could be satisfied, given that it stays broken until then.
 * Jumping to the largest bound and asking again never skips an allowed instant, so the search
 * ends on the first allowed instant exactly (to the millisecond), DST included, in a handful of
 * steps instead of minute-by-minute scanning.
 */
export function evaluate(contactCase: ContactCase, pack: RulePack): ContactDecision {
  const compiled = compile(pack);
  const channelRules = compiled.byChannel.get(contactCase.channel);
  if (!channelRules) throw new TypeError(`unknown channel "${contactCase.channel}"`);
  const clock = TimeZoneClock.for(contactCase.timezone);
  const reasons: DecisionReason[] = [];

  const permanent = permanentReasons(contactCase, compiled);
  if (permanent) reasons.push(...permanent);

  const at = contactCase.at.getTime();
  const ctx = new EvaluationContext(contactCase, pack, clock, channelRules.usesHistory);
  const local = clock.local(at);
  let bound = SATISFIED;
  for (const check of channelRules.checks) {
    const b = check.bound(ctx, local);
    if (b === SATISFIED) continue;
    reasons.push({ ruleId: check.source.id, message: `${describe(check.source)} — ${check.explain(ctx, local)}` });
    if (b > bound) bound = b;
  }

  if (reasons.length === 0) return { allowed: true, reasons, nextPermittedAt: contactCase.at };
  if (permanent || bound === NEVER) return { allowed: false, reasons, nextPermittedAt: null };
  const next = firstAllowedFrom(bound, at, ctx, channelRules.checks);
  return { allowed: false, reasons, nextPermittedAt: next === null ? null : new Date(next) };
}

const SATISFIED = Number.NEGATIVE_INFINITY;
const NEVER = Number.POSITIVE_INFINITY;
/** Beyond this the engine answers "never" rather than search on (no pack closes a channel for years). */
const SEARCH_HORIZON_MS = 3 * 366 * MS_PER_DAY;
const MAX_SEARCH_STEPS = 2_000;

function firstAllowedFrom(
  start: number,
  at: number,
  ctx: EvaluationContext,
  checks: readonly TimeCheck[],
): number | null {
  let t = start;
  for (let step = 0; step < MAX_SEARCH_STEPS && t - at <= SEARCH_HORIZON_MS; step++) {
    const local = ctx.clock.local(t);
    let bound = SATISFIED;
    for (const check of checks) {
      const b = check.bound(ctx, local);
      if (b > bound) bound = b;
    }
    if (bound === SATISFIED) return t;
    if (bound === NEVER) return null;
    // Bounds are always later than t; the guard only keeps a faulty rule from looping forever.
    t = bound > t ? bound : t + MS_PER_MINUTE;
  }
  return null;
}

function describe(rule: RuleSource): string {
  return `${rule.text} [${rule.citation}]`;
}

function permanentReasons(contactCase: ContactCase, compiled: CompiledPack): DecisionReason[] | null {
  let reasons: DecisionReason[] | null = null;
  const add = (rule: RuleSource, detail: string) => {
    reasons ??= [];
    reasons.push({ ruleId: rule.id, message: `${describe(rule)} — ${detail}` });
  };
  for (const hold of contactCase.holds) {
    const rule = compiled.holdRules.get(hold);
    if (rule) add(rule, `the account is on hold: ${hold}`);
  }
  // The debtor's own hold of the same kind already said it: one reason per kind of hold.
  for (const hold of new Set(contactCase.coPartyHolds ?? [])) {
    if (contactCase.holds.includes(hold)) continue;
    const rule = compiled.coPartyHoldRules.get(hold);
    if (rule && coPartyHoldStops(rule, contactCase))
      add(
        rule,
        `another party to the account (a co-obligor or guarantor) is on hold: ${coPartyHoldWords(rule, contactCase)}`,
      );
  }
  const { pack } = compiled;
  if (contactCase.optedOut.includes(contactCase.channel))
    add(pack.optOut, `the debtor opted out of ${contactCase.channel}`);
  if (pack.consent.required && !contactCase.consent.includes(contactCase.channel))
    add(
      pack.consent,
      contactCase.consent.length > 0
        ? `${contactCase.channel} is not among the channels the debtor authorised (${contactCase.consent.join(', ')})`
        : 'no channel authorised by the debtor on record',
    );
  const missing = missingCreditorDetails(contactCase, pack);
  if (missing) add(pack.creditorIdentification!, missing);
  if (pack.workplace && contactCase.workplaceForbidden && pack.workplace.channels.includes(contactCase.channel))
    add(
      pack.workplace,
      `the debtor's ${contactCase.channel} contact point is at a workplace whose employer forbids collection contact`,
    );
  return reasons;
}

/**
 * What of the creditor's identification the pack needs on this channel and the tenant has not
 * configured, in the rule's words; null when nothing is missing (or the caller did not say).
 */
function missingCreditorDetails(contactCase: ContactCase, pack: RulePack): string | null {
  const rule = pack.creditorIdentification;
  const { channel, creditor } = contactCase;
  if (!rule || creditor === undefined || !rule.channels.includes(channel)) return null;
  if (creditor === null || !rule.taxIdKinds.includes(creditor.taxIdKind)) return rule.missing;
  const details = rule.alsoRequires.filter((r) => r.channels.includes(channel)).flatMap((r) => r.details);
  const absent = [
    ...(details.includes('postal-address') && !creditor.postalAddress ? ['postal address'] : []),
    ...(details.includes('phone') && !creditor.phone ? ['contact phone'] : []),
  ];
  if (absent.length === 0) return null;
  return `the creditor's ${absent.join(' and ')} ${absent.length > 1 ? 'are' : 'is'} not configured (needed on ${channel})`;
}

// ---------------------------------------------------------------------------------------------
// Compilation: packs are data; each is turned once into per-channel check lists.

const CHANNEL_BITS: Readonly<Record<Channel, number>> = {
  call: 1,
  sms: 2,
  whatsapp: 4,
  email: 8,
  letter: 16,
  visit: 32,
};
const OUTCOME_BITS: Readonly<Record<ContactOutcome, number>> = { attempted: 1, delivered: 2, conversation: 4 };

function channelMask(channels: readonly Channel[]): number {
  let mask = 0;
  for (const c of channels) mask |= CHANNEL_BITS[c];
  return mask;
}

function channelNames(mask: number): string {
  return (Object.keys(CHANNEL_BITS) as Channel[]).filter((c) => mask & CHANNEL_BITS[c]).join('/');
}

function popCount(mask: number): number {
  let n = 0;
  for (let m = mask; m; m &= m - 1) n++;
  return n;
}

interface ChannelRules {
  readonly checks: readonly TimeCheck[];
  readonly usesHistory: boolean;
}

interface CompiledPack {
  readonly pack: RulePack;
  readonly byChannel: ReadonlyMap<Channel, ChannelRules>;
  readonly holdRules: ReadonlyMap<Hold, HoldRule>;
  readonly coPartyHoldRules: ReadonlyMap<Hold, CoPartyHoldRule>;
}

const compiledPacks = new WeakMap<RulePack, CompiledPack>();

function compile(pack: RulePack): CompiledPack {
  const known = compiledPacks.get(pack);
  if (known) return known;
  assertValidRulePack(pack);
  const byChannel = new Map<Channel, ChannelRules>();
  for (const channel of Object.keys(CHANNEL_BITS) as Channel[]) {
    const checks: TimeCheck[] = [
      ...pack.contactHours.filter((r) => r.channels.includes(channel)).map((r) => new HoursCheck(r)),
      ...pack.publicHolidays.filter((r) => r.channels.includes(channel)).map((r) => new HolidayCheck(r)),
      ...pack.quietPeriods.filter((r) => r.appliesTo.includes(channel)).map((r) => new QuietPeriodCheck(r)),
      ...pack.minimumSpacing.filter((r) => r.appliesTo.includes(channel)).map((r) => new SpacingCheck(r)),
      ...pack.frequencyCaps.filter((r) => r.appliesTo.includes(channel)).map((r) => new CapCheck(r)),
      ...pack.channelMix.filter((r) => r.appliesTo.includes(channel)).map((r) => new ChannelMixCheck(r)),
      ...(pack.validationNotice?.appliesTo.includes(channel) ? [new ValidationNoticeCheck(pack.validationNotice)] : []),
      ...(pack.debtorInconvenience ? [new InconvenienceCheck(pack.debtorInconvenience)] : []),
    ];
    byChannel.set(channel, { checks, usesHistory: checks.some((c) => c.usesHistory) });
  }
  const compiled: CompiledPack = {
    pack,
    byChannel,
    holdRules: new Map(pack.holds.map((r) => [r.hold, r])),
    coPartyHoldRules: new Map((pack.coPartyHolds ?? []).map((r) => [r.hold, r])),
  };
  compiledPacks.set(pack, compiled);
  return compiled;
}

// ---------------------------------------------------------------------------------------------
// Evaluation context: the debtor's clock, holidays and history read once per decision.

interface HistoryEntry {
  readonly ms: number;
  readonly day: number;
  readonly channelBit: number;
  readonly outcomeBit: number;
  readonly sameDebt: boolean;
}

const NO_HISTORY: readonly HistoryEntry[] = [];

class EvaluationContext {
  /** Past contacts, oldest first, with their local day. */
  readonly history: readonly HistoryEntry[];
  readonly channelBit: number;
  /** The debtor's inconvenient times for the channel (`InconvenienceCheck`), read once per decision. */
  inconvenientRanges: number[][] | null | undefined;
  private holidays: PublicHolidayCalendar | undefined;

  constructor(
    readonly contactCase: ContactCase,
    readonly pack: RulePack,
    readonly clock: TimeZoneClock,
    usesHistory: boolean,
  ) {
    this.channelBit = CHANNEL_BITS[contactCase.channel];
    this.history = usesHistory ? readHistory(contactCase, clock) : NO_HISTORY;
  }

  holidayCalendar(): PublicHolidayCalendar {
    this.holidays ??= PublicHolidayCalendar.for(this.pack.holidayCountry, this.contactCase.region);
    return this.holidays;
  }

  startOfDay(day: number, notBefore: number): number {
    return this.clock.startOfDay(day, notBefore);
  }
}

function readHistory(contactCase: ContactCase, clock: TimeZoneClock): HistoryEntry[] {
  const entries: HistoryEntry[] = [];
  let sorted = true;
  for (const past of contactCase.history) {
    const ms = past.at.getTime();
    if (entries.length && entries[entries.length - 1].ms > ms) sorted = false;
    entries.push({
      ms,
      day: clock.dayOf(ms),
      channelBit: CHANNEL_BITS[past.channel],
      outcomeBit: OUTCOME_BITS[past.outcome],
      sameDebt: past.debtId === contactCase.debtId,
    });
  }
  if (!sorted) entries.sort((a, b) => a.ms - b.ms);
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Checks. `bound` returns SATISFIED, NEVER, or the earliest instant > local.ms worth asking again.

interface TimeCheck {
  readonly source: RuleSource;
  readonly usesHistory: boolean;
  bound(ctx: EvaluationContext, local: LocalInstant): number;
  /** What about this contact breaks the rule, for the reason shown to people. */
  explain(ctx: EvaluationContext, local: LocalInstant): string;
}

function localWhen(ctx: EvaluationContext, local: LocalInstant): string {
  return `it is ${weekdayName(local.weekday)} ${formatCivilDay(local.day)} ${formatMinuteOfDay(local.minute)} in ${ctx.clock.zone}`;
}

/**
 * A debt collector's contact about a debt more than `withinDays` after the debt's first
 * communication (the earliest past contact about it), while its validation notice is not sent:
 * never, until the notice is sent. Not checked when the case does not say (`validationNotice`
 * absent) or the tenant is not a debt collector (`null`).
 */
class ValidationNoticeCheck implements TimeCheck {
  readonly usesHistory = true;

  constructor(readonly source: ValidationNoticeRule) {}

  private deadline(ctx: EvaluationContext): number | null {
    const notice = ctx.contactCase.validationNotice;
    if (!notice || notice.sentAt !== null) return null;
    const first = ctx.history.find((h) => h.sameDebt);
    return first ? first.ms + this.source.withinDays * MS_PER_DAY : null;
  }

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    const deadline = this.deadline(ctx);
    return deadline === null || local.ms <= deadline ? SATISFIED : NEVER;
  }

  explain(ctx: EvaluationContext): string {
    const first = ctx.history.find((h) => h.sameDebt)!;
    return (
      `no validation notice has been sent for the debt, whose first communication was on ` +
      `${formatCivilDay(first.day)} in ${ctx.clock.zone}, more than ${this.source.withinDays} days ago`
    );
  }
}

/**
 * Times the debtor said are inconvenient: inside one (for this channel), the contact waits for its
 * end, and past midnight into the next day's window where one runs on; a week closed through on
 * this channel is never. Not checked when the case names none.
 */
class InconvenienceCheck implements TimeCheck {
  readonly usesHistory = false;

  constructor(readonly source: DebtorInconvenienceRule) {}

  private ranges(ctx: EvaluationContext): number[][] | null {
    const { inconvenient, channel } = ctx.contactCase;
    return inconvenientRangesFor(inconvenient, channel, this.source.defaultChannels);
  }

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    if (ctx.inconvenientRanges === undefined) ctx.inconvenientRanges = this.ranges(ctx);
    const ranges = ctx.inconvenientRanges;
    if (!ranges) return SATISFIED;
    let end = coveringEnd(ranges[local.weekday], local.minute);
    if (end === null) return SATISFIED;
    let day = local.day;
    while (end === MINUTES_PER_DAY) {
      if (++day - local.day > 7) return NEVER;
      end = coveringEnd(ranges[(local.weekday + day - local.day) % 7], 0) ?? 0;
    }
    return ctx.clock.instantOf(day * MS_PER_DAY + end * MS_PER_MINUTE, local.ms);
  }

  explain(ctx: EvaluationContext, local: LocalInstant): string {
    const ranges = this.ranges(ctx)!;
    const today = ranges[local.weekday];
    const end = coveringEnd(today, local.minute)!;
    let from = 0;
    for (let i = 0; i < today.length; i += 2)
      if (today[i] <= local.minute && local.minute < today[i + 1]) from = today[i];
    const day = weekdayName(local.weekday);
    return (
      `the debtor said ${day} ${formatMinuteOfDay(from)}–${formatMinuteOfDay(end)} is inconvenient for ` +
      `${ctx.contactCase.channel}; ${localWhen(ctx, local)}`
    );
  }
}

const MINUTES_PER_DAY = 24 * 60;

class HoursCheck implements TimeCheck {
  readonly usesHistory = false;
  /** Per weekday (0 = Sunday), sorted merged [from, to) minute pairs, flattened. */
  private readonly ranges: readonly (readonly number[])[];

  constructor(readonly source: ContactHoursRule) {
    this.ranges = WEEKDAYS.map((day) => mergeRanges(source.weekly[day]));
  }

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    const today = this.ranges[local.weekday];
    for (let i = 0; i < today.length; i += 2)
      if (local.minute >= today[i] && local.minute < today[i + 1]) return SATISFIED;
    for (let ahead = 0; ahead <= 7; ahead++) {
      const ranges = this.ranges[(local.weekday + ahead) % 7];
      for (let i = 0; i < ranges.length; i += 2) {
        if (ahead === 0 && ranges[i] <= local.minute) continue;
        return ctx.clock.instantOf((local.day + ahead) * MS_PER_DAY + ranges[i] * MS_PER_MINUTE, local.ms);
      }
    }
    return NEVER;
  }

  explain(ctx: EvaluationContext, local: LocalInstant): string {
    const today = this.ranges[local.weekday];
    const day = weekdayName(local.weekday);
    if (today.length === 0) return `no contact on ${day}s; ${localWhen(ctx, local)}`;
    const hours: string[] = [];
    for (let i = 0; i < today.length; i += 2)
      hours.push(`${formatMinuteOfDay(today[i])}–${formatMinuteOfDay(today[i + 1])}`);
    return `${day} hours are ${hours.join(', ')}; ${localWhen(ctx, local)}`;
  }
}

function mergeRanges(ranges: readonly { from: string; to: string }[]): number[] {
  return mergeMinuteRanges(ranges.map((r) => [parseMinuteOfDay(r.from) ?? 0, parseMinuteOfDay(r.to) ?? 0]));
}

class HolidayCheck implements TimeCheck {
  readonly usesHistory = false;

  constructor(readonly source: PublicHolidayRule) {}

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    const calendar = ctx.holidayCalendar();
    if (calendar.holidayOn(local.day) === undefined) return SATISFIED;
    let day = local.day + 1;
    while (calendar.holidayOn(day) !== undefined) if (++day - local.day > 366) return NEVER;
    return ctx.startOfDay(day, local.ms);
  }

  explain(ctx: EvaluationContext, local: LocalInstant): string {
    const region = ctx.contactCase.region ? ` (${ctx.contactCase.region})` : '';
    const name = ctx.holidayCalendar().holidayOn(local.day);
    return `${formatCivilDay(local.day)} is a public holiday in ${ctx.pack.holidayCountry}${region}: ${name}`;
  }
}

/** Shared by quiet periods and minimum spacing: the latest triggering contact closes `days` days. */
function latestTriggerDay(
  ctx: EvaluationContext,
  local: LocalInstant,
  channels: number,
  outcomes: number,
  perDebt: boolean,
): number | undefined {
  let latest: number | undefined;
  for (const e of ctx.history) {
    if (e.ms > local.ms) break;
    if (!(e.channelBit & channels) || !(e.outcomeBit & outcomes) || (perDebt && !e.sameDebt)) continue;
    if (e.day <= local.day && (latest === undefined || e.day > latest)) latest = e.day;
  }
  return latest;
}

const ANY_OUTCOME = OUTCOME_BITS.attempted | OUTCOME_BITS.delivered | OUTCOME_BITS.conversation;

class QuietPeriodCheck implements TimeCheck {
  readonly usesHistory = true;
  private readonly channels: number;
  private readonly outcomes: number;

  constructor(readonly source: QuietPeriodRule) {
    this.channels = channelMask(source.after.channels);
    this.outcomes = source.after.outcomes.reduce((m, o) => m | OUTCOME_BITS[o], 0);
  }

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    const day = latestTriggerDay(ctx, local, this.channels, this.outcomes, this.source.perDebt);
    if (day === undefined || local.day - day >= this.source.days) return SATISFIED;
    return ctx.startOfDay(day + this.source.days, local.ms);
  }

  explain(ctx: EvaluationContext, local: LocalInstant): string {
    const day = latestTriggerDay(ctx, local, this.channels, this.outcomes, this.source.perDebt) ?? local.day;
    const what = `${channelNames(this.channels)} ${this.source.after.outcomes.join('/')}`;
    const about = this.source.perDebt ? ' about this debt' : '';
    return `${what}${about} on ${formatCivilDay(day)}; no ${channelNames(channelMask(this.source.appliesTo))} before ${formatCivilDay(day + this.source.days)} (debtor's local date)`;
  }
}

class SpacingCheck implements TimeCheck {
  readonly usesHistory = true;
  private readonly counts: number;

  constructor(readonly source: MinimumSpacingRule) {
    this.counts = channelMask(source.counts);
  }

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    const day = latestTriggerDay(ctx, local, this.counts, ANY_OUTCOME, this.source.perDebt);
    if (day === undefined || local.day - day >= this.source.minDaysBetween) return SATISFIED;
    return ctx.startOfDay(day + this.source.minDaysBetween, local.ms);
  }

  explain(ctx: EvaluationContext, local: LocalInstant): string {
    const day = latestTriggerDay(ctx, local, this.counts, ANY_OUTCOME, this.source.perDebt) ?? local.day;
    return `last ${channelNames(this.counts)} contact on ${formatCivilDay(day)}; the next may come on ${formatCivilDay(day + this.source.minDaysBetween)} at the earliest (debtor's local date)`;
  }
}

interface DayRange {
  first: number;
  last: number;
}

function calendarWindow(window: CapWindow, day: number): DayRange {
  switch (window.kind) {
    case 'calendar-day':
      return { first: day, last: day };
    case 'calendar-week': {
      const monday = weekStartOf(day);
      return { first: monday, last: monday + 6 };
    }
    case 'rolling-days':
      return { first: day - window.days + 1, last: day };
    case 'rolling-hours':
      throw new TypeError('rolling-hours windows are not day ranges');
  }
}

function describeWindow(window: CapWindow, day: number): string {
  switch (window.kind) {
    case 'calendar-day':
      return `on ${formatCivilDay(day)}`;
    case 'calendar-week': {
      const { first, last } = calendarWindow(window, day);
      return `in the week ${formatCivilDay(first)}–${formatCivilDay(last)}`;
    }
    case 'rolling-days': {
      const { first, last } = calendarWindow(window, day);
      return `in the ${window.days} days ${formatCivilDay(first)}–${formatCivilDay(last)}`;
    }
    case 'rolling-hours':
      return `in the last ${window.hours} hours`;
  }
}

class CapCheck implements TimeCheck {
  readonly usesHistory = true;
  private readonly counts: number;

  constructor(readonly source: FrequencyCapRule) {
    this.counts = channelMask(source.counts);
  }

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    const { window, max } = this.source;
    const matched = this.matching(ctx, local);
    if (matched === null || matched.length < max) return SATISFIED;
    switch (window.kind) {
      case 'calendar-day':
      case 'calendar-week':
        return ctx.startOfDay(calendarWindow(window, local.day).last + 1, local.ms);
      case 'rolling-days': {
        // The window slides a day at a time; it is clear once the max-th most recent contact leaves it.
        const days = matched.map((e) => e.day).sort((a, b) => b - a);
        return ctx.startOfDay(days[max - 1] + window.days, local.ms);
      }
      case 'rolling-hours': {
        const times = matched.map((e) => e.ms).sort((a, b) => b - a);
        return times[max - 1] + window.hours * MS_PER_HOUR;
      }
    }
  }

  explain(ctx: EvaluationContext, local: LocalInstant): string {
    const count = this.matching(ctx, local)?.length ?? 0;
    const about = this.source.perDebt ? ' about this debt' : '';
    const after = this.source.trigger === 'always' ? '' : ' after a direct contact';
    return `${count} ${channelNames(this.counts)} contact(s)${about} already ${describeWindow(this.source.window, local.day)}${after}; at most ${this.source.max} allowed`;
  }

  /** Counted contacts in the window, or null when the rule's trigger has not fired. */
  private matching(ctx: EvaluationContext, local: LocalInstant): HistoryEntry[] | null {
    const { window, perDebt, trigger } = this.source;
    const matched: HistoryEntry[] = [];
    let directContact = false;
    const range = window.kind === 'rolling-hours' ? null : calendarWindow(window, local.day);
    const since = window.kind === 'rolling-hours' ? local.ms - window.hours * MS_PER_HOUR : 0;
    for (const e of ctx.history) {
      if (e.ms > local.ms) break;
      if (!(e.channelBit & this.counts) || (perDebt && !e.sameDebt)) continue;
      if (range ? e.day < range.first || e.day > range.last : e.ms <= since) continue;
      matched.push(e);
      if (e.outcomeBit === OUTCOME_BITS.conversation) directContact = true;
    }
    if (trigger === 'after-direct-contact-in-window' && !directContact) return null;
    return matched;
  }
}

class ChannelMixCheck implements TimeCheck {
  readonly usesHistory = true;
  private readonly counts: number;

  constructor(readonly source: ChannelMixRule) {
    this.counts = channelMask(source.counts);
  }

  bound(ctx: EvaluationContext, local: LocalInstant): number {
    const used = this.channelsUsed(ctx, local);
    if (used === null || popCount(used | ctx.channelBit) <= this.source.maxChannels) return SATISFIED;
    return ctx.startOfDay(calendarWindow(this.source.window, local.day).last + 1, local.ms);
  }

  explain(ctx: EvaluationContext, local: LocalInstant): string {
    const used = this.channelsUsed(ctx, local) ?? 0;
    const after = this.source.trigger === 'always' ? '' : ' since the direct contact';
    return `${channelNames(used)} already used ${describeWindow(this.source.window, local.day)}${after}; ${ctx.contactCase.channel} would make ${popCount(used | ctx.channelBit)} channels, at most ${this.source.maxChannels} allowed`;
  }

  /** Channels of counted contacts in the window (from the first direct contact on, when triggered). */
  private channelsUsed(ctx: EvaluationContext, local: LocalInstant): number | null {
    const { first, last } = calendarWindow(this.source.window, local.day);
    const triggered = this.source.trigger === 'after-direct-contact-in-window';
    let started = !triggered;
    let used = 0;
    for (const e of ctx.history) {
      if (e.ms > local.ms) break;
      if (!(e.channelBit & this.counts) || (this.source.perDebt && !e.sameDebt) || e.day < first || e.day > last)
        continue;
      if (!started && e.outcomeBit === OUTCOME_BITS.conversation) started = true;
      if (started) used |= e.channelBit;
    }
    return started ? used : null;
  }
}
