import { AppError } from './errors';

/**
 * An amount in integer minor units (cents, centavos, fils) of an ISO 4217 currency.
 * Never a float: 0.1 + 0.2 errors compound across a ledger's lifetime.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

const SUPPORTED_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/**
 * ISO 4217 minor units where CLDR (what Intl reports) differs. CLDR's `digits` is a display
 * convention — e.g. ICU 78 says COP 0, IDR 0, IQD 0 — whereas ledgers, banks and payment
 * processors exchange amounts in ISO minor units. Pinning these also keeps stored amounts
 * stable across Node/ICU upgrades.
 */
const ISO_4217_MINOR_UNITS: Readonly<Record<string, number>> = {
  AFN: 2,
  ALL: 2,
  COP: 2,
  HUF: 2,
  IDR: 2,
  IQD: 3,
  IRR: 2,
  KPW: 2,
  LAK: 2,
  LBP: 2,
  MGA: 2,
  MMK: 2,
  PKR: 2,
  SLL: 2,
  SOS: 2,
  SYP: 2,
  YER: 2,
};

export function isCurrencyCode(code: string): boolean {
  return SUPPORTED_CURRENCIES.has(code);
}

function assertCurrency(currency: string): void {
  if (!isCurrencyCode(currency)) {
    throw AppError.invalid(`not an ISO 4217 currency code: ${JSON.stringify(currency)}`, { currency });
  }
}

const minorUnitDigitsCache = new Map<string, number>();

/** Digits after the decimal point in this currency's minor unit: USD 2, JPY 0, COP 2, KWD 3. */
export function minorUnitDigits(currency: string): number {
  const cached = minorUnitDigitsCache.get(currency);
  if (cached !== undefined) return cached;
  assertCurrency(currency);
  const digits =
    ISO_4217_MINOR_UNITS[currency] ??
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
    2;
  minorUnitDigitsCache.set(currency, digits);
  return digits;
}

export function money(amountMinor: number, currency: string): Money {
  if (!Number.isSafeInteger(amountMinor)) {
    throw AppError.invalid(`amount must be a safe integer number of minor units, got ${amountMinor}`, {
      amountMinor: String(amountMinor),
    });
  }
  assertCurrency(currency);
  // `+ 0` turns -0 into 0 so equal amounts serialize identically.
  return Object.freeze({ amountMinor: amountMinor + 0, currency });
}

function assertSameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw AppError.invalid(`currency mismatch: ${a.currency} vs ${b.currency}`, {
      left: a.currency,
      right: b.currency,
    });
  }
}

function checkedMoney(amountMinor: number, currency: string, operation: string): Money {
  if (!Number.isSafeInteger(amountMinor)) {
    throw AppError.invalid(`${operation} overflows the safe integer range of minor units`, { currency });
  }
  return money(amountMinor, currency);
}

export function addMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return checkedMoney(a.amountMinor + b.amountMinor, a.currency, 'addition');
}

export function subtractMoney(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return checkedMoney(a.amountMinor - b.amountMinor, a.currency, 'subtraction');
}

export function negateMoney(m: Money): Money {
  return money(-m.amountMinor, m.currency);
}

export function isZeroMoney(m: Money): boolean {
  return m.amountMinor === 0;
}

/** -1, 0 or 1, for Array.prototype.sort and comparisons; throws on currency mismatch. */
export function compareMoney(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amountMinor < b.amountMinor ? -1 : a.amountMinor > b.amountMinor ? 1 : 0;
}

/** Exact decimal with a '.' separator and no grouping: 1234 USD -> "12.34", -5 KWD -> "-0.005". */
export function toDecimalString(m: Money): string {
  const digits = minorUnitDigits(m.currency);
  const negative = m.amountMinor < 0;
  const magnitude = BigInt(m.amountMinor) * (negative ? -1n : 1n);
  const padded = magnitude.toString().padStart(digits + 1, '0');
  const whole = digits === 0 ? padded : padded.slice(0, -digits);
  const fraction = digits === 0 ? '' : `.${padded.slice(-digits)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/**
 * Locale-aware display, e.g. "$1,234.56" or "-$ 1.234,50". Intl receives the exact decimal
 * string (Intl.NumberFormat v3), so large amounts never pass through a float.
 */
export function formatMoney(m: Money, locale: string): string {
  const digits = minorUnitDigits(m.currency);
  const formatter = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: m.currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return formatter.format(toDecimalString(m) as Intl.StringNumericLiteral);
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/** "12.34" USD -> 1234. Rejects signs other than '-', grouping, exponents and excess decimals. */
export function parseDecimalToMinor(decimal: string, currency: string): number {
  const digits = minorUnitDigits(currency);
  const match = DECIMAL.exec(decimal);
  if (!match) {
    throw AppError.invalid(`not a decimal amount: ${JSON.stringify(decimal)}`, { decimal, currency });
  }
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > digits) {
    throw AppError.invalid(`${currency} allows at most ${digits} decimal places, got ${JSON.stringify(decimal)}`, {
      decimal,
      currency,
    });
  }
  const magnitude = BigInt(whole + fraction.padEnd(digits, '0'));
  const minor = sign ? -magnitude : magnitude;
  if (minor > BigInt(Number.MAX_SAFE_INTEGER) || minor < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw AppError.invalid(`amount out of range: ${JSON.stringify(decimal)}`, { decimal, currency });
  }
  return Number(minor) + 0;
}
