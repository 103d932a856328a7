import { parseMinuteOfDay } from '@collections/platform';
import { isBankruptcyChapter } from '@collections/contracts';
import { BANKRUPTCY_CHAPTERS, CHANNELS, CONTACT_OUTCOMES, HOLDS, JURISDICTIONS } from './contact-case.types';
import { PolicyError, PolicyErrorCode, PolicyViolation } from './policy.error';
import { PublicHolidayCalendar } from './public-holiday.calendar';
import { CapWindow, RulePack, RuleSource, WEEKDAYS, WeeklySchedule } from './rule-pack.types';
import { limitationPeriodViolations } from './time-barred-debt';

/** Every problem in a pack, with its path; empty when the engine can run it. */
export function rulePackViolations(pack: RulePack): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  const problem = (path: string, text: string) => found.push({ path, problem: text });
  const seenIds = new Set<string>();
  const source = (path: string, rule: RuleSource) => {
    if (!rule.id) problem(`${path}.id`, 'is empty');
    else if (seenIds.has(rule.id)) problem(`${path}.id`, `"${rule.id}" is used by another rule`);
    seenIds.add(rule.id);
    if (!rule.text?.trim()) problem(`${path}.text`, 'is empty: every rule must explain itself');
    if (!rule.citation?.trim()) problem(`${path}.citation`, 'is empty: every rule must cite its source');
  };
  const channels = (path: string, list: readonly string[]) => {
    if (list.length === 0) problem(path, 'names no channel');
    for (const c of list) if (!(CHANNELS as readonly string[]).includes(c)) problem(path, `has unknown channel "${c}"`);
  };
  const window = (path: string, w: CapWindow) => {
    if (w.kind === 'rolling-days' && !(Number.isInteger(w.days) && w.days >= 1))
      problem(`${path}.days`, 'must be a whole number of days ≥ 1');
    if (w.kind === 'rolling-hours' && !(Number.isInteger(w.hours) && w.hours >= 1))
      problem(`${path}.hours`, 'must be a whole number of hours ≥ 1');
  };
  const calendarOnlyTrigger = (path: string, trigger: string, w: CapWindow) => {
    if (trigger !== 'always' && trigger !== 'after-direct-contact-in-window')
      problem(path, `unknown trigger "${trigger}"`);
    if (trigger === 'after-direct-contact-in-window' && w.kind !== 'calendar-day' && w.kind !== 'calendar-week')
      problem(path, 'a direct-contact trigger needs a calendar window');
  };

  if (!(JURISDICTIONS as readonly string[]).includes(pack.jurisdiction))
    problem('jurisdiction', `"${pack.jurisdiction}" is unknown`);
  if (!pack.version) problem('version', 'is empty');

  pack.contactHours.forEach((rule, i) => {
    const path = `contactHours[${i}]`;
    source(path, rule);
    channels(`${path}.channels`, rule.channels);
    scheduleViolations(rule.weekly).forEach((v) => problem(`${path}.${v.path}`, v.problem));
  });
  pack.publicHolidays.forEach((rule, i) => {
    source(`publicHolidays[${i}]`, rule);
    channels(`publicHolidays[${i}].channels`, rule.channels);
  });
  if (pack.publicHolidays.length && !PublicHolidayCalendar.isKnownRegion(pack.holidayCountry))
    problem('holidayCountry', `"${pack.holidayCountry}" has no holiday calendar`);
  pack.frequencyCaps.forEach((rule, i) => {
    const path = `frequencyCaps[${i}]`;
    source(path, rule);
    channels(`${path}.appliesTo`, rule.appliesTo);
    channels(`${path}.counts`, rule.counts);
    window(`${path}.window`, rule.window);
    calendarOnlyTrigger(`${path}.trigger`, rule.trigger, rule.window);
    if (!(Number.isInteger(rule.max) && rule.max >= 1)) problem(`${path}.max`, 'must be a whole number ≥ 1');
  });
  pack.minimumSpacing.forEach((rule, i) => {
    const path = `minimumSpacing[${i}]`;
    source(path, rule);
    channels(`${path}.appliesTo`, rule.appliesTo);
    channels(`${path}.counts`, rule.counts);
    if (!(Number.isInteger(rule.minDaysBetween) && rule.minDaysBetween >= 1))
      problem(`${path}.minDaysBetween`, 'must be a whole number ≥ 1');
  });
  pack.channelMix.forEach((rule, i) => {
    const path = `channelMix[${i}]`;
    source(path, rule);
    channels(`${path}.appliesTo`, rule.appliesTo);
    channels(`${path}.counts`, rule.counts);
    window(`${path}.window`, rule.window);
    calendarOnlyTrigger(`${path}.trigger`, rule.trigger, rule.window);
    if (!(Number.isInteger(rule.maxChannels) && rule.maxChannels >= 1))
      problem(`${path}.maxChannels`, 'must be a whole number ≥ 1');
  });
  pack.quietPeriods.forEach((rule, i) => {
    const path = `quietPeriods[${i}]`;
    source(path, rule);
    channels(`${path}.appliesTo`, rule.appliesTo);
    channels(`${path}.after.channels`, rule.after.channels);
    if (rule.after.outcomes.length === 0) problem(`${path}.after.outcomes`, 'names no outcome');
    for (const o of rule.after.outcomes)
      if (!(CONTACT_OUTCOMES as readonly string[]).includes(o)) problem(`${path}.after.outcomes`, `has unknown "${o}"`);
    if (!(Number.isInteger(rule.days) && rule.days >= 1)) problem(`${path}.days`, 'must be a whole number ≥ 1');
  });
  source('consent', pack.consent);
  source('optOut', pack.optOut);
  if (pack.optOutNotice) {
    source('optOutNotice', pack.optOutNotice);
    channels('optOutNotice.channels', pack.optOutNotice.channels);
  }
  const identify = pack.creditorIdentification;
  if (identify) {
    source('creditorIdentification', identify);
    channels('creditorIdentification.channels', identify.channels);
    if (identify.taxIdKinds.length === 0) problem('creditorIdentification.taxIdKinds', 'names no kind of tax id');
    identify.alsoRequires.forEach((r, i) => channels(`creditorIdentification.alsoRequires[${i}].channels`, r.channels));
  }
  const notice = pack.validationNotice;
  if (notice) {
    source('validationNotice', notice);
    channels('validationNotice.noticeChannels', notice.noticeChannels);
    channels('validationNotice.appliesTo', notice.appliesTo);
    if (notice.noticeChannels.length === 0) problem('validationNotice.noticeChannels', 'names no channel');
    if (notice.noticeChannels.some((c) => notice.appliesTo.includes(c)))
      problem('validationNotice.appliesTo', 'names a channel the notice itself is sent on');
    for (const key of ['withinDays', 'receiptBusinessDays', 'periodDays'] as const)
      if (!(Number.isInteger(notice[key]) && notice[key] >= 1))
        problem(`validationNotice.${key}`, 'must be a whole number ≥ 1');
  }
  if (pack.enforcement?.forbearanceFirst) source('enforcement.forbearanceFirst', pack.enforcement.forbearanceFirst);
  const timeBarred = pack.enforcement?.noSuitWhenTimeBarred;
  if (timeBarred) {
    source('enforcement.noSuitWhenTimeBarred', timeBarred);
    found.push(...limitationPeriodViolations(timeBarred, 'enforcement.noSuitWhenTimeBarred'));
  }
  if (pack.debtorInconvenience) {
    source('debtorInconvenience', pack.debtorInconvenience);
    channels('debtorInconvenience.defaultChannels', pack.debtorInconvenience.defaultChannels);
  }
  if (pack.workplace) {
    source('workplace', pack.workplace);
    channels('workplace.channels', pack.workplace.channels);
  }
  const holds = new Set<string>();
  pack.holds.forEach((rule, i) => {
    source(`holds[${i}]`, rule);
    if (!(HOLDS as readonly string[]).includes(rule.hold)) problem(`holds[${i}].hold`, `"${rule.hold}" is unknown`);
    if (holds.has(rule.hold)) problem(`holds[${i}].hold`, `"${rule.hold}" is listed twice`);
    holds.add(rule.hold);
  });
  const coPartyHolds = new Set<string>();
  (pack.coPartyHolds ?? []).forEach((rule, i) => {
    const path = `coPartyHolds[${i}]`;
    source(path, rule);
    if (!(HOLDS as readonly string[]).includes(rule.hold)) problem(`${path}.hold`, `"${rule.hold}" is unknown`);
    else if (!holds.has(rule.hold))
      problem(
        `${path}.hold`,
        `"${rule.hold}" is no hold of the pack: another party's hold cannot stop more than the debtor's own`,
      );
    if (coPartyHolds.has(rule.hold)) problem(`${path}.hold`, `"${rule.hold}" is listed twice`);
    coPartyHolds.add(rule.hold);
    const chapters = rule.bankruptcyChapters;
    if (chapters === undefined) return;
    if (rule.hold !== 'bankruptcy') problem(`${path}.bankruptcyChapters`, 'only a bankruptcy has a chapter');
    else if (chapters.length === 0)
      problem(`${path}.bankruptcyChapters`, 'names no chapter: leave it out for every bankruptcy');
    chapters.forEach((chapter, j) => {
      if (!isBankruptcyChapter(chapter))
        problem(
          `${path}.bankruptcyChapters[${j}]`,
          `${String(chapter)} is no chapter (${BANKRUPTCY_CHAPTERS.join(', ')})`,
        );
      if (chapters.indexOf(chapter) !== j) problem(`${path}.bankruptcyChapters[${j}]`, `${chapter} is listed twice`);
    });
  });
  const days = pack.auditRetention.minimumDays;
  if (days !== null && !(Number.isInteger(days) && days >= 1))
    problem('auditRetention.minimumDays', 'must be null or a whole number of days ≥ 1');
  return found;
}

export function assertValidRulePack(pack: RulePack): void {
  const found = rulePackViolations(pack);
  if (found.length)
    throw new PolicyError(
      PolicyErrorCode.InvalidRulePack,
      `rule pack ${pack.jurisdiction}@${pack.version} is invalid`,
      found,
    );
}

export function scheduleViolations(weekly: WeeklySchedule): PolicyViolation[] {
  const found: PolicyViolation[] = [];
  for (const day of WEEKDAYS) {
    const ranges = weekly[day];
    if (!Array.isArray(ranges)) {
      found.push({ path: `weekly.${day}`, problem: 'is missing (use [] for a closed day)' });
      continue;
    }
    ranges.forEach((range, i) => {
      const from = parseMinuteOfDay(range.from);
      const to = parseMinuteOfDay(range.to);
      if (from === null || to === null || from >= to)
        found.push({ path: `weekly.${day}[${i}]`, problem: `"${range.from}–${range.to}" is not a HH:MM range` });
    });
  }
  return found;
}
