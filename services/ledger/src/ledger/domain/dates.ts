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

/**
 * The earliest opening date an account may have. Nothing collectable today was opened before
 * it; a year such as 0001 or 1066 is a default or a typing error in the source system, and an
 * account opened then would age (and sort) before every real one.
 */
export const EARLIEST_OPENED_ON = '1900-01-01';

/**
 * Why `openedOn` (a valid YYYY-MM-DD) cannot be an account's opening date, `today` being the
 * account's (in its time zone); undefined when it can. An account opens by tomorrow at the
 * latest, as anything that has happened on it (DAYS_AHEAD_OF_TODAY), and not before
 * EARLIEST_OPENED_ON.
 */
export function openedOnProblem(openedOn: string, today: string): string | undefined {
  if (openedOn < EARLIEST_OPENED_ON)
    return `opened_on ${openedOn} is too far in the past: at the earliest ${EARLIEST_OPENED_ON}`;
  return tooFarAhead('opened_on', openedOn, today, DAYS_AHEAD_OF_TODAY);
}

/**
 * Why `date` (a valid YYYY-MM-DD), given as `field` of something that happened on an account,
 * cannot be: it is before the account's opening date. Undefined when it is on or after it.
 */
export function beforeOpening(field: string, date: string, openedOn: string): string | undefined {
  if (date >= openedOn) return undefined;
  return `${field} ${date} is before the account's opening date (opened_on ${openedOn})`;
}
