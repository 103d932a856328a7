import { addCalendarDays } from '@collections/platform';

/**
 * How far after today, in the account's time zone, the date of something that has happened may
 * be: a posting's effective date, a statement's date. One day, for a caller whose own "today"
 * is already tomorrow there (a bank or a service a few time zones east, a clock a little ahead at
 * midnight); later than that it has not happened yet, and a charge dated 9999-12-31 would be in
 * every balance, charge-off and settlement from the moment it posts.
 */
export const DAYS_AHEAD_OF_TODAY = 1;

/** How far after today a statement may fall due: a year (366 days, leap years included). */
export const DUE_DAYS_AHEAD_OF_TODAY = 366;

/**
 * Why `date` (a valid YYYY-MM-DD) is too far after `today` (the account's) for `field`, which may
 * be at most `daysAhead` days after it; undefined when it is not.
 */
export function tooFarAhead(field: string, date: string, today: string, daysAhead: number): string | undefined {
  const latest = addCalendarDays(today, daysAhead);
  if (date <= latest) return undefined;
  return `${field} ${date} is too far in the future: at the latest ${latest} (${daysAhead} day${
    daysAhead === 1 ? '' : 's'
  } after today, ${today}, in the account's time zone)`;
}
