import { Jurisdiction } from '../../src/policy/domain';

/** Where a test's debtor lives: the jurisdiction and what the ledger records with it. */
export interface Country {
  code: Jurisdiction;
  timeZone: string;
  language: string;
  currency: string;
  /** UTC offset of the zone in March 2026, in hours. */
  offset: number;
}

/** `hour`:00 local on `date` in `country`'s zone. */
export const localTime = (country: Country, date: string, hour: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + (hour - country.offset) * 3_600_000);

/** The text of a quoted-printable UTF-8 e-mail body. */
export const unQuote = (body: string) =>
  Buffer.from(
    body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
    'latin1',
  ).toString('utf8');
