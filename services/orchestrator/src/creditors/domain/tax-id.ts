import { TaxIdKind } from '../../policy/domain';

/** A tax id as validated: its kind and its canonical written form (CNPJ and CPF punctuated, RFC upper-case). */
export interface TaxId {
  readonly kind: TaxIdKind;
  readonly value: string;
}

/** The kinds of tax id a creditor in each country may be identified by; any kind elsewhere. */
export const TAX_ID_KINDS_OF: Readonly<Record<string, readonly TaxIdKind[]>> = {
  BR: ['CNPJ', 'CPF'],
  MX: ['RFC'],
};

/**
 * A CNPJ, numeric or alphanumeric (Receita Federal, IN RFB 2.229/2024: from July 2026 the first 12
 * characters may be letters), with punctuation or without: mod-11 check digits over the characters'
 * values (ASCII − 48), weights 2–9 from the right. Canonical form `AA.AAA.AAA/AAAA-DD`.
 */
export function parseCnpj(text: string): string | null {
  const raw = text.toUpperCase().replace(/[.\-/\s]/g, '');
  if (!/^[0-9A-Z]{12}[0-9]{2}$/.test(raw) || /^(.)\1{13}$/.test(raw)) return null;
  const values = [...raw].map((c) => c.charCodeAt(0) - 48);
  const digit = (n: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[i] * (((n - 1 - i) % 8) + 2);
    const r = sum % 11;
    return r < 2 ? 0 : 11 - r;
  };
  if (digit(12) !== values[12] || digit(13) !== values[13]) return null;
  return `${raw.slice(0, 2)}.${raw.slice(2, 5)}.${raw.slice(5, 8)}/${raw.slice(8, 12)}-${raw.slice(12)}`;
}

/** A CPF with punctuation or without: two mod-11 check digits. Canonical form `DDD.DDD.DDD-DD`. */
export function parseCpf(text: string): string | null {
  const raw = text.replace(/[.\-\s]/g, '');
  if (!/^\d{11}$/.test(raw) || /^(\d)\1{10}$/.test(raw)) return null;
  const d = [...raw].map(Number);
  const digit = (n: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[i] * (n + 1 - i);
    const r = (sum * 10) % 11;
    return r === 10 ? 0 : r;
  };
  if (digit(9) !== d[9] || digit(10) !== d[10]) return null;
  return `${raw.slice(0, 3)}.${raw.slice(3, 6)}.${raw.slice(6, 9)}-${raw.slice(9)}`;
}

/**
 * An RFC's format (SAT): 3 letters for a company (persona moral) or 4 for a person (persona
 * física), the date of incorporation or birth as YYMMDD (a real month and day), and a 3-character
 * homoclave whose last is a digit or `A`. Upper-case, no separators.
 */
export function parseRfc(text: string): string | null {
  const raw = text.toUpperCase().replace(/[-\s]/g, '');
  const m = /^([A-ZÑ&]{3,4})(\d{2})(\d{2})(\d{2})([A-Z0-9]{2}[0-9A])$/.exec(raw);
  if (!m) return null;
  const month = Number(m[3]);
  const day = Number(m[4]);
  const daysIn = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (month < 1 || month > 12 || day < 1 || day > daysIn[month - 1]) return null;
  return raw;
}

/** A US Employer Identification Number: nine digits, written `DD-DDDDDDD`. */
export function parseEin(text: string): string | null {
  const raw = text.replace(/[-\s]/g, '');
  return /^\d{9}$/.test(raw) ? `${raw.slice(0, 2)}-${raw.slice(2)}` : null;
}

/** The canonical form of `text` as a tax id of `kind`, or null when it is not one. */
export function parseTaxId(kind: TaxIdKind, text: string): string | null {
  switch (kind) {
    case 'CNPJ':
      return parseCnpj(text);
    case 'CPF':
      return parseCpf(text);
    case 'RFC':
      return parseRfc(text);
    case 'EIN':
      return parseEin(text);
    case 'OTHER': {
      const trimmed = text.trim();
      return trimmed.length > 0 && trimmed.length <= 40 && !/[\r\n]/.test(trimmed) ? trimmed : null;
    }
  }
}

/** What a valid tax id of `kind` looks like, for the error that names the field. */
export const TAX_ID_FORMS: Readonly<Record<TaxIdKind, string>> = {
  CNPJ: 'a CNPJ with valid check digits (14 characters, e.g. 11.222.333/0001-81)',
  CPF: 'a CPF with valid check digits (11 digits, e.g. 123.456.789-09)',
  RFC: 'an RFC (3 or 4 letters, YYMMDD, 3-character homoclave, e.g. ABC010203AB1)',
  EIN: 'an EIN (9 digits, e.g. 12-3456789)',
  OTHER: 'a tax id of 1 to 40 characters on one line',
};
