import { parseMinuteOfDay } from '@collections/platform';
import { Channel, ContactOutcome, Hold } from './contact-case.types';
import { PolicyError, PolicyErrorCode, PolicyViolation } from './policy.error';
import { rulePackViolations, scheduleViolations } from './rule-pack.validator';
import { TimeBarredDebtOverride, overrideLimitationPeriods } from './time-barred-debt';
import {
  CapWindow,
  ChannelMixRule,
  CoPartyHoldRule,
  ContactHoursRule,
  FrequencyCapRule,
  HoldRule,
  LocalTimeRange,
  MinimumSpacingRule,
  PublicHolidayRule,
  QuietPeriodRule,
  RulePack,
  RuleTrigger,
  WEEKDAYS,
  Weekday,
} from './rule-pack.types';

/**
 * A tenant's changes to a jurisdiction's pack. Rules are patched by id (only the fields given
 * change) or added; nothing can be removed. The result must be at least as strict as the pack.
 */
export interface TenantOverride {
  readonly tenantId: string;
  readonly version: string;
  readonly contactHours?: Readonly<
    Record<
      string,
      { readonly channels?: readonly Channel[]; readonly weekly?: Partial<Record<Weekday, readonly LocalTimeRange[]>> }
    >
  >;
  readonly publicHolidays?: Readonly<Record<string, { readonly channels?: readonly Channel[] }>>;
  readonly frequencyCaps?: Readonly<
    Record<string, Partial<Pick<FrequencyCapRule, 'appliesTo' | 'counts' | 'window' | 'max' | 'perDebt' | 'trigger'>>>
  >;
  readonly minimumSpacing?: Readonly<
    Record<string, Partial<Pick<MinimumSpacingRule, 'appliesTo' | 'counts' | 'minDaysBetween' | 'perDebt'>>>
  >;
  readonly channelMix?: Readonly<
    Record<
      string,
      Partial<Pick<ChannelMixRule, 'appliesTo' | 'counts' | 'window' | 'maxChannels' | 'perDebt' | 'trigger'>>
    >
  >;
  readonly quietPeriods?: Readonly<
    Record<string, Partial<Pick<QuietPeriodRule, 'appliesTo' | 'after' | 'days' | 'perDebt'>>>
  >;
  readonly consent?: { readonly required?: boolean };
  /** Every hold that stops contact for this tenant: the pack's holds, plus any the tenant adds. */
  readonly holds?: readonly Hold[];
  /**
   * Every hold of another party to a shared account (a co-obligor, a guarantor) that stops contact
   * about it for this tenant: the pack's co-party holds (their rules, a bankruptcy's chapters
   * included, kept as they are), plus any the tenant adds (each stopping on every such hold).
   */
  readonly coPartyHolds?: readonly Hold[];
  readonly auditRetentionDays?: number;
  /** Limitation periods the tenant adds or shortens (US: `noSuitWhenTimeBarred`); none can go. */
  readonly enforcement?: { readonly noSuitWhenTimeBarred?: TimeBarredDebtOverride };
  readonly add?: {
    readonly contactHours?: readonly ContactHoursRule[];
    readonly publicHolidays?: readonly PublicHolidayRule[];
    readonly frequencyCaps?: readonly FrequencyCapRule[];
    readonly minimumSpacing?: readonly MinimumSpacingRule[];
    readonly channelMix?: readonly ChannelMixRule[];
    readonly quietPeriods?: readonly QuietPeriodRule[];
  };
}

/**
 * The pack with the tenant's changes, or a PolicyError (TenantOverrideRejected) naming every path
 * that would loosen it: wider hours, higher caps, shorter windows or quiet periods, fewer channels
 * covered, fewer holds or co-party holds, consent no longer required, a shorter audit retention,
 * a longer or removed limitation period, or an unknown rule.
 * Keep the result per tenant: the engine compiles each pack object once.
 */
export function applyTenantOverride(pack: RulePack, override: TenantOverride): RulePack {
  const found: PolicyViolation[] = [];
  const problem = (path: string, text: string) => found.push({ path, problem: text });

  const contactHours = patchRules(
    'contactHours',
    pack.contactHours,
    override.contactHours,
    problem,
    (old, patch, path) => {
      keepsChannels(`${path}.channels`, old.channels, patch.channels, problem);
      const weekly = { ...old.weekly };
      for (const day of Object.keys(patch.weekly ?? {}) as Weekday[]) {
        const ranges = patch.weekly?.[day];
        if (!WEEKDAYS.includes(day) || !ranges) {
          problem(`${path}.weekly.${day}`, 'is not a weekday');
          continue;
        }
        ranges.forEach((range, i) => {
          if (!withinRanges(range, old.weekly[day]))
            problem(
              `${path}.weekly.${day}[${i}]`,
              `${range.from}–${range.to} reaches outside the pack's ${formatRanges(old.weekly[day])}`,
            );
        });
        weekly[day] = ranges;
      }
      scheduleViolations(weekly).forEach((v) => problem(`${path}.${v.path}`, v.problem));
      return { ...old, channels: patch.channels ?? old.channels, weekly };
    },
  );

  const publicHolidays = patchRules(
    'publicHolidays',
    pack.publicHolidays,
    override.publicHolidays,
    problem,
    (old, patch, path) => {
      keepsChannels(`${path}.channels`, old.channels, patch.channels, problem);
      return { ...old, ...patch };
    },
  );

  const frequencyCaps = patchRules(
    'frequencyCaps',
    pack.frequencyCaps,
    override.frequencyCaps,
    problem,
    (old, patch, path) => {
      const next = { ...old, ...patch };
      if (next.max > old.max) problem(`${path}.max`, `${next.max} is above the pack's ${old.max}`);
      keepsChannels(`${path}.appliesTo`, old.appliesTo, patch.appliesTo, problem);
      keepsChannels(`${path}.counts`, old.counts, patch.counts, problem);
      keepsWindow(`${path}.window`, old.window, next.window, problem);
      keepsDebtScope(`${path}.perDebt`, old.perDebt, next.perDebt, problem);
      keepsTrigger(`${path}.trigger`, old.trigger, next.trigger, problem);
      return next;
    },
  );

  const minimumSpacing = patchRules(
    'minimumSpacing',
    pack.minimumSpacing,
    override.minimumSpacing,
    problem,
    (old, patch, path) => {
      const next = { ...old, ...patch };
      if (next.minDaysBetween < old.minDaysBetween)
        problem(`${path}.minDaysBetween`, `${next.minDaysBetween} is below the pack's ${old.minDaysBetween}`);
      keepsChannels(`${path}.appliesTo`, old.appliesTo, patch.appliesTo, problem);
      keepsChannels(`${path}.counts`, old.counts, patch.counts, problem);
      keepsDebtScope(`${path}.perDebt`, old.perDebt, next.perDebt, problem);
      return next;
    },
  );

  const channelMix = patchRules('channelMix', pack.channelMix, override.channelMix, problem, (old, patch, path) => {
    const next = { ...old, ...patch };
    if (next.maxChannels > old.maxChannels)
      problem(`${path}.maxChannels`, `${next.maxChannels} is above the pack's ${old.maxChannels}`);
    keepsChannels(`${path}.appliesTo`, old.appliesTo, patch.appliesTo, problem);
    keepsChannels(`${path}.counts`, old.counts, patch.counts, problem);
    keepsWindow(`${path}.window`, old.window, next.window, problem);
    keepsDebtScope(`${path}.perDebt`, old.perDebt, next.perDebt, problem);
    keepsTrigger(`${path}.trigger`, old.trigger, next.trigger, problem);
    return next;
  });

  const quietPeriods = patchRules(
    'quietPeriods',
    pack.quietPeriods,
    override.quietPeriods,
    problem,
    (old, patch, path) => {
      const next = { ...old, ...patch };
      if (next.days < old.days) problem(`${path}.days`, `${next.days} is below the pack's ${old.days}`);
      keepsChannels(`${path}.appliesTo`, old.appliesTo, patch.appliesTo, problem);
      keepsChannels(`${path}.after.channels`, old.after.channels, patch.after?.channels, problem);
      keepsOutcomes(`${path}.after.outcomes`, old.after.outcomes, patch.after?.outcomes, problem);
      keepsDebtScope(`${path}.perDebt`, old.perDebt, next.perDebt, problem);
      return next;
    },
  );

  const consentRequired = override.consent?.required ?? pack.consent.required;
  if (pack.consent.required && !consentRequired)
    problem('consent.required', 'the pack requires the debtor to authorise each channel');

  const holds: HoldRule[] = [...pack.holds];
  if (override.holds !== undefined && !Array.isArray(override.holds)) problem('holds', 'must be a list of holds');
  else if (override.holds) {
    for (const rule of pack.holds)
      if (!override.holds.includes(rule.hold))
        problem(`holds.${rule.hold}`, 'is dropped; the pack stops contact on it');
    for (const hold of override.holds)
      if (!holds.some((r) => r.hold === hold))
        holds.push({
          id: `${pack.jurisdiction}-HOLD-${hold.toUpperCase()}-${override.tenantId}`,
          hold,
          basis: 'platform-policy',
          text: `No contact while the account is on hold (${hold}), by the tenant's policy`,
          citation: `tenant ${override.tenantId} policy ${override.version}`,
        });
  }

  const coPartyHolds = overrideCoPartyHolds(pack, override, problem);

  const oldRetention = pack.auditRetention.minimumDays;
  const retention = override.auditRetentionDays ?? oldRetention;
  if (oldRetention !== null && (retention === null || retention < oldRetention))
    problem('auditRetentionDays', `${retention} is below the pack's ${oldRetention} days`);

  for (const key of Object.keys(override.enforcement ?? {}))
    if (key !== 'noSuitWhenTimeBarred') problem(`enforcement.${key}`, 'cannot be changed by an override');
  const timeBarred = overrideLimitationPeriods(
    pack.enforcement?.noSuitWhenTimeBarred,
    override.enforcement?.noSuitWhenTimeBarred,
    'enforcement.noSuitWhenTimeBarred',
    problem,
  );

  const result: RulePack = {
    ...pack,
    version: `${pack.version}+${override.tenantId}.${override.version}`,
    name: `${pack.name} (tenant ${override.tenantId})`,
    contactHours: [...contactHours, ...(override.add?.contactHours ?? [])],
    publicHolidays: [...publicHolidays, ...(override.add?.publicHolidays ?? [])],
    frequencyCaps: [...frequencyCaps, ...(override.add?.frequencyCaps ?? [])],
    minimumSpacing: [...minimumSpacing, ...(override.add?.minimumSpacing ?? [])],
    channelMix: [...channelMix, ...(override.add?.channelMix ?? [])],
    quietPeriods: [...quietPeriods, ...(override.add?.quietPeriods ?? [])],
    consent: { ...pack.consent, required: consentRequired },
    holds,
    ...(coPartyHolds ? { coPartyHolds } : {}),
    auditRetention: { ...pack.auditRetention, minimumDays: retention },
    ...(timeBarred ? { enforcement: { ...pack.enforcement, noSuitWhenTimeBarred: timeBarred } } : {}),
  };
  if (found.length === 0) found.push(...rulePackViolations(result));
  if (found.length)
    throw new PolicyError(
      PolicyErrorCode.TenantOverrideRejected,
      `tenant ${override.tenantId} override ${override.version} of ${pack.jurisdiction}@${pack.version} rejected`,
      found,
    );
  return result;
}

type Problem = (path: string, text: string) => void;

/**
 * The pack's co-party holds with the tenant's added (undefined: the override names none). A hold
 * the pack already has keeps its rule: listing `bankruptcy` leaves the US co-debtor stay's chapters
 * (12, 13, or none on record) as they are, never looser; one the pack lacks stops on every such
 * hold of another party (a bankruptcy under any chapter). The validator wants each among `holds`.
 */
function overrideCoPartyHolds(pack: RulePack, override: TenantOverride, problem: Problem) {
  if (override.coPartyHolds === undefined) return undefined;
  const rules: CoPartyHoldRule[] = [...(pack.coPartyHolds ?? [])];
  if (!Array.isArray(override.coPartyHolds)) {
    problem('coPartyHolds', 'must be a list of holds');
    return rules;
  }
  for (const rule of pack.coPartyHolds ?? [])
    if (!override.coPartyHolds.includes(rule.hold))
      problem(`coPartyHolds.${rule.hold}`, 'is dropped; the pack stops contact about the shared account on it');
  for (const hold of override.coPartyHolds)
    if (!rules.some((r) => r.hold === hold))
      rules.push({
        id: `${pack.jurisdiction}-CO-PARTY-HOLD-${String(hold).toUpperCase().replace(/_/g, '-')}-${override.tenantId}`,
        hold,
        basis: 'platform-policy',
        text: `No contact about a shared account while another party to it (a co-obligor, a guarantor) is on hold (${hold}), by the tenant's policy`,
        citation: `tenant ${override.tenantId} policy ${override.version}`,
      });
  return rules;
}

function patchRules<R extends { readonly id: string }, P>(
  section: string,
  rules: readonly R[],
  patches: Readonly<Record<string, P>> | undefined,
  problem: Problem,
  patchOne: (old: R, patch: P, path: string) => R,
): R[] {
  for (const id of Object.keys(patches ?? {}))
    if (!rules.some((r) => r.id === id)) problem(`${section}.${id}`, 'is not a rule of this pack');
  return rules.map((rule) => {
    const patch = patches?.[rule.id];
    return patch === undefined ? rule : patchOne(rule, patch, `${section}.${rule.id}`);
  });
}

function keepsChannels(
  path: string,
  old: readonly Channel[],
  next: readonly Channel[] | undefined,
  problem: Problem,
): void {
  const dropped = old.filter((c) => !(next ?? old).includes(c));
  if (dropped.length) problem(path, `drops ${dropped.join(', ')}`);
}

function keepsOutcomes(
  path: string,
  old: readonly ContactOutcome[],
  next: readonly ContactOutcome[] | undefined,
  problem: Problem,
): void {
  const dropped = old.filter((o) => !(next ?? old).includes(o));
  if (dropped.length) problem(path, `drops ${dropped.join(', ')}`);
}

function keepsDebtScope(path: string, old: boolean, next: boolean, problem: Problem): void {
  if (!old && next) problem(path, "counting only this debt's contacts counts fewer than the pack");
}

function keepsTrigger(path: string, old: RuleTrigger, next: RuleTrigger, problem: Problem): void {
  if (old === 'always' && next !== 'always')
    problem(path, 'would bind only after a direct contact; the pack binds always');
}

function keepsWindow(path: string, old: CapWindow, next: CapWindow, problem: Problem): void {
  if (!windowCovers(next, old))
    problem(path, `${describeWindowKind(next)} does not cover the pack's ${describeWindowKind(old)}`);
}

/** Whether every period `inner` counts over lies inside some period `outer` counts over. */
export function windowCovers(outer: CapWindow, inner: CapWindow): boolean {
  switch (inner.kind) {
    case 'calendar-day':
      return outer.kind === 'rolling-hours' ? outer.hours >= 25 : true;
    case 'calendar-week':
      if (outer.kind === 'calendar-week') return true;
      if (outer.kind === 'rolling-days') return outer.days >= 7;
      if (outer.kind === 'rolling-hours') return outer.hours >= 7 * 24 + 1;
      return false;
    case 'rolling-days':
      if (outer.kind === 'rolling-days') return outer.days >= inner.days;
      if (outer.kind === 'rolling-hours') return outer.hours >= inner.days * 24 + 1;
      return inner.days === 1;
    case 'rolling-hours':
      if (outer.kind === 'rolling-hours') return outer.hours >= inner.hours;
      // A local day lasts at least 23 hours, so `hours` span at most ceil(hours / 23) + 1 days.
      if (outer.kind === 'rolling-days') return outer.days >= Math.ceil(inner.hours / 23) + 1;
      return false;
  }
}

function describeWindowKind(w: CapWindow): string {
  if (w.kind === 'rolling-days') return `${w.days} rolling days`;
  if (w.kind === 'rolling-hours') return `${w.hours} rolling hours`;
  return w.kind;
}

function withinRanges(range: LocalTimeRange, allowed: readonly LocalTimeRange[]): boolean {
  const from = parseMinuteOfDay(range.from);
  const to = parseMinuteOfDay(range.to);
  if (from === null || to === null) return true; // reported by the schedule check
  // Merge touching ranges first, so 08:00–12:00 + 12:00–20:00 admits 10:00–14:00.
  const merged: [number, number][] = [];
  for (const [f, t] of allowed
    .map((a) => [parseMinuteOfDay(a.from) ?? 0, parseMinuteOfDay(a.to) ?? 0] as [number, number])
    .sort((a, b) => a[0] - b[0])) {
    const last = merged[merged.length - 1];
    if (last && f <= last[1]) last[1] = Math.max(last[1], t);
    else merged.push([f, t]);
  }
  return merged.some(([f, t]) => f <= from && to <= t);
}

function formatRanges(ranges: readonly LocalTimeRange[]): string {
  return ranges.length ? ranges.map((r) => `${r.from}–${r.to}`).join(', ') : 'closed day';
}
