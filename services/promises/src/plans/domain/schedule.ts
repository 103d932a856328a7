import { AppError } from '@collections/platform';

export type Frequency = 'weekly' | 'biweekly' | 'monthly';

export interface Instalment {
  seq: number;
  dueDate: string;
  amountMinor: number;
}

export interface PlanTerms {
  totalMinor: number;
  downPaymentMinor: number;
  instalments: number;
  frequency: Frequency;
  /** Due date of the down payment (or of the first instalment when there is none). */
  firstDate: string;
}

const DAY = 86_400_000;

const shifted = new Map<string, string>();
/**
 * A calendar date (YYYY-MM-DD) moved by whole days. Memoised: a batch of payments reviews each
 * plan's schedule once per payment, and the due dates and offsets (grace, reminder) repeat.
 */
export function addDays(date: string, days: number): string {
  const key = `${date}|${days}`;
  let out = shifted.get(key);
  if (out === undefined) {
    out = new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
    if (shifted.size >= 100_000) shifted.clear();
    shifted.set(key, out);
  }
  return out;
}
const parse = (date: string) => new Date(`${date}T00:00:00Z`);
const iso = (d: Date) => d.toISOString().slice(0, 10);

function addMonthsClamped(date: string, months: number): string {
  const d = parse(date);
  const day = d.getUTCDate();
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return iso(target);
}

/**
 * The schedule of a payment plan: an optional down payment, then N instalments whose amounts
 * differ by at most one minor unit and add up exactly to the rest (the first ones take the
 * remainder). Monthly instalments keep the day of the month, clamped to short months.
 */
export function buildSchedule(t: PlanTerms): Instalment[] {
  if (!Number.isSafeInteger(t.totalMinor) || t.totalMinor <= 0)
    throw AppError.invalid('the plan total must be a positive amount');
  if (!Number.isSafeInteger(t.downPaymentMinor) || t.downPaymentMinor < 0 || t.downPaymentMinor >= t.totalMinor) {
    throw AppError.invalid('the down payment must be at least zero and below the total');
  }
  if (!Number.isInteger(t.instalments) || t.instalments < 1 || t.instalments > 120)
    throw AppError.invalid('instalments must be between 1 and 120');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(t.firstDate) || Number.isNaN(parse(t.firstDate).getTime()))
    throw AppError.invalid('first_date must be YYYY-MM-DD');
  const rest = t.totalMinor - t.downPaymentMinor;
  if (rest < t.instalments) throw AppError.invalid('each instalment must be at least one minor unit');
  const schedule: Instalment[] = [];
  if (t.downPaymentMinor > 0) schedule.push({ seq: 0, dueDate: t.firstDate, amountMinor: t.downPaymentMinor });
  const base = Math.floor(rest / t.instalments);
  const remainder = rest - base * t.instalments;
  const offset = t.downPaymentMinor > 0 ? 1 : 0;
  for (let i = 0; i < t.instalments; i++) {
    const k = i + offset;
    const dueDate =
      t.frequency === 'monthly'
        ? addMonthsClamped(t.firstDate, k)
        : iso(new Date(parse(t.firstDate).getTime() + k * (t.frequency === 'weekly' ? 7 : 14) * DAY));
    schedule.push({ seq: i + 1, dueDate, amountMinor: base + (i < remainder ? 1 : 0) });
  }
  return schedule;
}
