import { formatCivilDay, weekdayOf } from './civil-day.calendar';
import { PublicHolidayCalendar } from './public-holiday.calendar';
import { RulePack, ValidationNoticeRule } from './rule-pack.types';
import { TimeZoneClock } from './time-zone.clock';

/**
 * The last day of a validation notice's validation period (`YYYY-MM-DD`, the debtor's local day):
 * the consumer is assumed to receive the notice `receiptBusinessDays` after it is sent (no
 * Saturday, Sunday or public holiday of the pack's country counted, §1006.34(b)(5)), and the period
 * ends `periodDays` after that day.
 */
export function validationPeriodEnd(
  sentAt: Date,
  timeZone: string,
  pack: Pick<RulePack, 'holidayCountry'> & { readonly validationNotice?: ValidationNoticeRule },
): string | null {
  const rule = pack.validationNotice;
  if (!rule) return null;
  const holidays = PublicHolidayCalendar.for(pack.holidayCountry);
  let day = TimeZoneClock.for(timeZone).dayOf(sentAt.getTime());
  for (let counted = 0; counted < rule.receiptBusinessDays;) {
    day++;
    const weekday = weekdayOf(day);
    if (weekday !== 0 && weekday !== 6 && holidays.holidayOn(day) === undefined) counted++;
  }
  return formatCivilDay(day + rule.periodDays);
}
