import { minorUnitDigits, money, toDecimalString } from '@collections/platform';

/**
 * An amount in ISO 4217 minor units as a debtor reads it. Amounts travel in ISO minor units
 * (COP has 2: centavos), but the peso is shown whole in practice — CLDR, and so Intl, displays
 * COP with no decimals. A message must never misstate a debt, though: whole units are shown
 * only when the amount has no fraction at the display precision; otherwise every ISO digit is.
 * So 250.000,00 COP reads "$ 250.000" and 250.000,50 COP reads "$ 250.000,50".
 * Thousands are always grouped, where CLDR leaves four digits whole in some locales (es-ES, it-IT,
 * pl-PL): an amount owed reads alike at every size, "1 234,56 zł" as "12 345,67 zł".
 */
export function formatMessageMoney(amountMinor: number, currency: string, locale: string): string {
  const isoDigits = minorUnitDigits(currency);
  const displayDigits = Math.min(
    isoDigits,
    new Intl.NumberFormat(locale, { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? isoDigits,
  );
  const exact = amountMinor % 10 ** (isoDigits - displayDigits) === 0;
  const digits = exact ? displayDigits : isoDigits;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    useGrouping: 'always',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(toDecimalString(money(amountMinor, currency)) as Intl.StringNumericLiteral);
}
