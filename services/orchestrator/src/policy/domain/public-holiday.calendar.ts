import Holidays from 'date-holidays';
import { MS_PER_DAY, civilFromDays, daysFromCivil } from './civil-day.calendar';
import { PolicyError, PolicyErrorCode } from './policy.error';

/**
 * Public holidays per country (and region) from the maintained date-holidays calendar, as local
 * day numbers. Building a year costs milliseconds, so each country/region/year is built once per
 * process and every later lookup is a Map read.
 */
export class PublicHolidayCalendar {
  private static readonly calendars = new Map<string, PublicHolidayCalendar>();
  private static catalogue: Holidays | undefined;

  private readonly namesByYear = new Map<number, Map<number, string>>();

  private constructor(private readonly source: Holidays) {}

  /** Throws for a country or region date-holidays does not know. */
  static for(country: string, region?: string): PublicHolidayCalendar {
    const state = PublicHolidayCalendar.stateCode(country, region);
    const key = state ? `${country}-${state}` : country;
    const known = PublicHolidayCalendar.calendars.get(key);
    if (known) return known;
    if (!PublicHolidayCalendar.isKnownRegion(country, region)) {
      throw new PolicyError(
        PolicyErrorCode.UnknownHolidayRegion,
        region ? `no holiday calendar for region "${region}" of ${country}` : `no holiday calendar for ${country}`,
      );
    }
    const source = state
      ? new Holidays(country, state, { types: ['public'] })
      : new Holidays(country, { types: ['public'] });
    const calendar = new PublicHolidayCalendar(source);
    PublicHolidayCalendar.calendars.set(key, calendar);
    return calendar;
  }

  /** Accepts `SP` or `BR-SP` style region codes. */
  static isKnownRegion(country: string, region?: string): boolean {
    PublicHolidayCalendar.catalogue ??= new Holidays();
    const countries = PublicHolidayCalendar.catalogue.getCountries();
    if (!Object.prototype.hasOwnProperty.call(countries, country)) return false;
    const state = PublicHolidayCalendar.stateCode(country, region);
    if (!state) return true;
    const states = PublicHolidayCalendar.catalogue.getStates(country) ?? {};
    return Object.prototype.hasOwnProperty.call(states, state);
  }

  /** The holiday's name when local day `day` is a public holiday. */
  holidayOn(day: number): string | undefined {
    const year = civilFromDays(day).year;
    let names = this.namesByYear.get(year);
    if (!names) {
      names = this.buildYear(year);
      this.namesByYear.set(year, names);
    }
    return names.get(day);
  }

  private buildYear(year: number): Map<number, string> {
    const names = new Map<number, string>();
    for (const holiday of this.source.getHolidays(year)) {
      if (holiday.type !== 'public') continue;
      // `date` is the local calendar date ("YYYY-MM-DD hh:mm:ss"); a few holidays span days.
      const [y, m, d] = holiday.date.slice(0, 10).split('-').map(Number);
      const first = daysFromCivil(y, m, d);
      const span = Math.max(1, Math.round((holiday.end.getTime() - holiday.start.getTime()) / MS_PER_DAY));
      for (let i = 0; i < span; i++) {
        const day = first + i;
        const previous = names.get(day);
        names.set(day, previous ? `${previous} / ${holiday.name}` : holiday.name);
      }
    }
    return names;
  }

  private static stateCode(country: string, region?: string): string | undefined {
    if (!region) return undefined;
    const upper = region.toUpperCase();
    return upper.startsWith(`${country}-`) ? upper.slice(country.length + 1) : upper;
  }
}
