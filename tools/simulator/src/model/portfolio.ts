import { Random } from '../random';
import { BILL_DECILES_TWD, RISK_CLASSES, RiskClass, TWD_PER_USD } from './calibration';
import { JURISDICTIONS, Jurisdiction } from './jurisdictions';

export type Channel = 'email' | 'sms' | 'whatsapp';

/** One simulated debtor with one account, and what the platform never sees: how they behave. */
export interface SimDebtor {
  index: number;
  debtorId: string;
  accountId: string;
  externalRef: string;
  /** Made up, but treated by the platform as PII like a real name. */
  displayName: string;
  jurisdiction: Jurisdiction;
  timeZone: string;
  email: string;
  phone: string;
  riskClass: RiskClass;
  /** Hidden: the chance of paying a statement's minimum by its due date. */
  propensity: number;
  /** Hidden: the channel they read; contacts elsewhere are likelier ignored or opted out of. */
  preferredChannel: Channel;
  /** How their payments reach the lender: a bank transfer (bank file) or the payment gateway. */
  paysBy: 'bank' | 'gateway';
  /** Days from a statement to its due date. */
  dueInDays: number;
  /** The first statement's amount (minor units). */
  firstBillMinor: number;
  creditLimitMinor: number;
}

const FIRST_NAMES = ['Ana', 'Luis', 'María', 'José', 'Carmen', 'Jorge', 'Lucía', 'Pedro', 'Sofía', 'Diego'];
const LAST_NAMES = ['Pérez', 'Gómez', 'Silva', 'Rojas', 'Smith', 'Santos', 'Torres', 'Díaz', 'Vargas', 'Costa'];

/** A bill size in US dollars from the UCI deciles, interpolated inside the drawn decile. */
function billUsd(rng: Random): number {
  const i = rng.int(0, 9);
  const lo = BILL_DECILES_TWD[i];
  const hi = BILL_DECILES_TWD[i + 1];
  return Math.max(5, (lo + (hi - lo) * rng.next()) / TWD_PER_USD);
}

/** The portfolio for a seed: `accounts` debtors across the jurisdictions, the same for the same seed. */
export function generatePortfolio(seed: string, accounts: number): SimDebtor[] {
  const root = new Random(`portfolio:${seed}`);
  const debtors: SimDebtor[] = [];
  // Ids carry the seed, so several seeds can share one platform (one run per seed and tenant).
  const tag = seed.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'x';
  for (let index = 0; index < accounts; index++) {
    const rng = root.fork(`debtor:${index}`);
    const jurisdiction = rng.weighted(JURISDICTIONS.map((j) => [j, j.weight] as const));
    const riskClass = rng.weighted(RISK_CLASSES.map((c) => [c, c.share] as const));
    // A Beta around the class's on-time rate (concentration 12): debtors of a class differ.
    const mean = 1 - riskClass.defaultRate;
    const propensity = rng.beta(mean * 12, (1 - mean) * 12);
    const scale = 10 ** jurisdiction.exponent * jurisdiction.perUsd;
    const firstBillMinor = Math.max(10 ** jurisdiction.exponent, Math.round(billUsd(rng) * scale));
    const id = String(index + 1).padStart(6, '0');
    const name = `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
    debtors.push({
      index,
      debtorId: `sim-${tag}-d-${id}`,
      accountId: `sim-${tag}-a-${id}`,
      externalRef: `SIM${tag}X${id}`,
      jurisdiction,
      timeZone: rng.pick(jurisdiction.timeZones),
      email: `debtor-${tag}-${id}@sim.example`,
      phone: `${jurisdiction.phonePrefix}${id.slice(-4)}`,
      riskClass: riskClass.name,
      propensity,
      preferredChannel: rng.weighted<Channel>([
        ['email', 0.35],
        ['sms', 0.3],
        ['whatsapp', 0.35],
      ]),
      paysBy: rng.chance(0.4) ? 'bank' : 'gateway',
      dueInDays: rng.int(10, 20),
      firstBillMinor,
      creditLimitMinor: Math.round(firstBillMinor * (1.5 + rng.next() * 2)),
      displayName: name,
    });
  }
  return debtors;
}
