/** A jurisdiction the platform supports, as the simulator places debtors in it. */
export interface Jurisdiction {
  country: 'US' | 'CO' | 'MX' | 'CL' | 'PE' | 'BR' | 'EC';
  currency: string;
  /** Decimal places of the currency (ISO 4217 minor units). */
  exponent: number;
  /** Local currency units per US dollar, to size balances alike everywhere. */
  perUsd: number;
  timeZones: readonly string[];
  language: string;
  phonePrefix: string;
  /** Share of the simulated portfolio. */
  weight: number;
}

export const JURISDICTIONS: readonly Jurisdiction[] = [
  {
    country: 'US',
    currency: 'USD',
    exponent: 2,
    perUsd: 1,
    timeZones: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'],
    language: 'en',
    phonePrefix: '+1202555',
    weight: 3,
  },
  {
    country: 'CO',
    currency: 'COP',
    exponent: 2,
    perUsd: 4_000,
    timeZones: ['America/Bogota'],
    language: 'es',
    phonePrefix: '+57300555',
    weight: 2,
  },
  {
    country: 'MX',
    currency: 'MXN',
    exponent: 2,
    perUsd: 17,
    timeZones: ['America/Mexico_City', 'America/Monterrey', 'America/Tijuana'],
    language: 'es',
    phonePrefix: '+52155555',
    weight: 2,
  },
  {
    country: 'CL',
    currency: 'CLP',
    exponent: 0,
    perUsd: 900,
    timeZones: ['America/Santiago'],
    language: 'es',
    phonePrefix: '+5692555',
    weight: 1,
  },
  {
    country: 'PE',
    currency: 'PEN',
    exponent: 2,
    perUsd: 3.7,
    timeZones: ['America/Lima'],
    language: 'es',
    phonePrefix: '+5191555',
    weight: 1,
  },
  {
    country: 'BR',
    currency: 'BRL',
    exponent: 2,
    perUsd: 5,
    timeZones: ['America/Sao_Paulo', 'America/Manaus', 'America/Recife'],
    language: 'pt',
    phonePrefix: '+5511955',
    weight: 2,
  },
  {
    country: 'EC',
    currency: 'USD',
    exponent: 2,
    perUsd: 1,
    timeZones: ['America/Guayaquil'],
    language: 'es',
    phonePrefix: '+5939955',
    weight: 1,
  },
];

/** `1234` minor units of a 2-decimal currency → `"12.34"` (bank files carry decimals). */
export function decimalOf(minor: number, exponent: number): string {
  if (exponent === 0) return String(minor);
  const s = String(Math.abs(minor)).padStart(exponent + 1, '0');
  return `${minor < 0 ? '-' : ''}${s.slice(0, -exponent)}.${s.slice(-exponent)}`;
}
