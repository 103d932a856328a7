import { CHANNELS, Channel, ContactCase, ContactOutcome, Hold, Jurisdiction, PastContact } from '../domain';

/** Deterministic synthetic debtors for benchmarks: the same seed gives the same portfolio. */

export function seededRandom(seed: number): () => number {
  // mulberry32: tiny, fast, good enough to spread synthetic data.
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Where debtors of each jurisdiction live, weighted towards the big zones. */
export const ZONES_BY_JURISDICTION: Readonly<Record<Jurisdiction, readonly string[]>> = {
  US: [
    'America/New_York',
    'America/New_York',
    'America/Chicago',
    'America/Denver',
    'America/Los_Angeles',
    'America/Phoenix',
    'Pacific/Honolulu',
  ],
  CO: ['America/Bogota'],
  MX: ['America/Mexico_City', 'America/Mexico_City', 'America/Monterrey', 'America/Tijuana', 'America/Cancun'],
  CL: ['America/Santiago', 'America/Santiago', 'America/Santiago', 'Pacific/Easter'],
  PE: ['America/Lima'],
  BR: ['America/Sao_Paulo', 'America/Sao_Paulo', 'America/Manaus', 'America/Fortaleza'],
  EC: ['America/Guayaquil', 'America/Guayaquil', 'Pacific/Galapagos'],
  AT: ['Europe/Vienna'],
  BE: ['Europe/Brussels'],
  BG: ['Europe/Sofia'],
  HR: ['Europe/Zagreb'],
  CY: ['Asia/Nicosia'],
  CZ: ['Europe/Prague'],
  DK: ['Europe/Copenhagen'],
  EE: ['Europe/Tallinn'],
  FI: ['Europe/Helsinki'],
  FR: ['Europe/Paris'],
  DE: ['Europe/Berlin'],
  GR: ['Europe/Athens'],
  IE: ['Europe/Dublin'],
  IT: ['Europe/Rome'],
  LV: ['Europe/Riga'],
  LT: ['Europe/Vilnius'],
  LU: ['Europe/Luxembourg'],
  MT: ['Europe/Malta'],
  NL: ['Europe/Amsterdam'],
  PL: ['Europe/Warsaw'],
  PT: ['Europe/Lisbon', 'Europe/Lisbon', 'Atlantic/Azores', 'Atlantic/Madeira'],
  RO: ['Europe/Bucharest'],
  SK: ['Europe/Bratislava'],
  SI: ['Europe/Ljubljana'],
  ES: ['Europe/Madrid', 'Europe/Madrid', 'Europe/Madrid', 'Atlantic/Canary'],
  SE: ['Europe/Stockholm'],
  HU: ['Europe/Budapest'],
};

const JURISDICTION_MIX: readonly Jurisdiction[] = [
  'US',
  'US',
  'US',
  'CO',
  'CO',
  'MX',
  'MX',
  'CL',
  'PE',
  'BR',
  'BR',
  'EC',
];
const OUTCOMES: readonly ContactOutcome[] = [
  'attempted',
  'attempted',
  'attempted',
  'delivered',
  'delivered',
  'conversation',
];
const RARE_HOLDS: readonly Hold[] = ['dispute', 'bankruptcy', 'attorney', 'cease_communication', 'deceased'];

export interface SyntheticDebtor {
  jurisdiction: Jurisdiction;
  /** Days past due, which drives the synthetic strategy's channel choice. */
  daysPastDue: number;
  contactCase: ContactCase;
}

const DAY_MS = 86_400_000;

/**
 * A typical debtor as the dispatcher sees one: a few contacts in the last fortnight (0–8), one or
 * two debts, sometimes restricted consent or an opt-out, rarely a hold.
 */
export function syntheticDebtor(random: () => number, at: number, index: number): SyntheticDebtor {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const jurisdiction = pick(JURISDICTION_MIX);
  const debtId = `debt-${index}`;
  const history: PastContact[] = [];
  const contacts = Math.floor(random() * 9);
  for (let i = 0; i < contacts; i++) {
    history.push({
      channel: pick(CHANNELS),
      at: new Date(at - Math.floor(random() * 14 * DAY_MS)),
      outcome: pick(OUTCOMES),
      debtId: random() < 0.85 ? debtId : `debt-${index}-b`,
    });
  }
  history.sort((a, b) => a.at.getTime() - b.at.getTime());
  // Most debtors authorised every channel; some only a few (none, now and then).
  const consent: Channel[] = random() < 0.3 ? CHANNELS.filter(() => random() < 0.6) : [...CHANNELS];
  return {
    jurisdiction,
    daysPastDue: 1 + Math.floor(random() * 180),
    contactCase: {
      timezone: pick(ZONES_BY_JURISDICTION[jurisdiction]),
      channel: pick(CHANNELS),
      at: new Date(at),
      debtId,
      history,
      consent,
      optedOut: random() < 0.05 ? [pick(CHANNELS)] : [],
      holds: random() < 0.02 ? [pick(RARE_HOLDS)] : [],
    },
  };
}
