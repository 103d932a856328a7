/** An amount that fell due on a calendar date (statement minimum, instalment). */
export interface Due {
  dueDate: string;
  amount: number;
}

/** A credit that reduced what is owed, on the calendar date it took effect. */
export interface Credit {
  date: string;
  amount: number;
}

/** Aging buckets as day ranges; configurable per tenant. `max` null = open-ended. */
export interface AgingBucket {
  name: string;
  min: number;
  max: number | null;
}

export const DEFAULT_AGING_BUCKETS: readonly AgingBucket[] = Object.freeze([
  { name: 'current', min: 0, max: 0 },
  { name: '1-30', min: 1, max: 30 },
  { name: '31-60', min: 31, max: 60 },
  { name: '61-90', min: 61, max: 90 },
  { name: '91-120', min: 91, max: 120 },
  { name: '121-180', min: 121, max: 180 },
  { name: '181+', min: 181, max: null },
]);

const DAY = 86_400_000;

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);
}

export interface Delinquency {
  daysPastDue: number;
  pastDue: number;
}

/** A due with the part of it that credits have covered. */
export interface CoveredDue extends Due {
  covered: number;
}

/**
 * Credits made by `asOf` pay the oldest dues first (same-day dues in the order given); a net
 * negative credit total covers nothing. Every positive due is returned, oldest first, with the
 * part covered: instalment schedules show it, days past due are derived from it.
 */
export function coverDues(dues: readonly Due[], credits: readonly Credit[], asOf: string): CoveredDue[] {
  let paid = 0;
  for (const c of credits) if (c.date <= asOf) paid += c.amount;
  let left = Math.max(0, paid);
  return dues
    .filter((d) => d.amount > 0)
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.dueDate < b.d.dueDate ? -1 : a.d.dueDate > b.d.dueDate ? 1 : a.i - b.i))
    .map(({ d }) => {
      const covered = Math.min(left, d.amount);
      left -= covered;
      return { dueDate: d.dueDate, amount: d.amount, covered };
    });
}

/**
 * The one definition of delinquency, for statement minimums and loan instalments alike. An
 * amount is past due the day after its due date; days past due count from the oldest due date
 * not fully covered by the credits made by `asOf` (see `coverDues`).
 */
export function delinquencyAsOf(dues: readonly Due[], credits: readonly Credit[], asOf: string): Delinquency {
  let pastDue = 0;
  let oldestUnpaid: string | undefined;
  for (const d of coverDues(dues, credits, asOf)) {
    if (d.dueDate >= asOf) break;
    if (d.covered < d.amount) {
      pastDue += d.amount - d.covered;
      oldestUnpaid ??= d.dueDate;
    }
  }
  return { daysPastDue: oldestUnpaid ? daysBetween(oldestUnpaid, asOf) : 0, pastDue };
}

export function agingBucket(daysPastDue: number, buckets: readonly AgingBucket[] = DEFAULT_AGING_BUCKETS): string {
  const bucket = buckets.find((b) => daysPastDue >= b.min && (b.max === null || daysPastDue <= b.max));
  if (!bucket) throw new Error(`no aging bucket covers ${daysPastDue} days past due`);
  return bucket.name;
}

/**
 * Checks a tenant's bucket configuration: labelled, contiguous from 0 or 1 (a configuration
 * starting at 1 gets a `current` bucket for 0 days, see `withCurrentBucket`), no gaps or
 * overlaps, the last open-ended.
 */
export function validateAgingBuckets(buckets: readonly AgingBucket[]): string[] {
  const problems: string[] = [];
  if (buckets.length === 0) return ['at least one bucket is required'];
  if (buckets.length > 50) problems.push('at most 50 buckets');
  if (buckets[0].min !== 0 && buckets[0].min !== 1) problems.push('the first bucket must start at 0 or 1 days');
  const names = new Set<string>();
  for (const b of buckets) {
    if (!b.name || b.name.length > 40) problems.push('every bucket needs a label of 1 to 40 characters');
    else if (names.has(b.name)) problems.push(`label ${b.name} is used twice`);
    names.add(b.name);
    if (!Number.isSafeInteger(b.min) || (b.max !== null && !Number.isSafeInteger(b.max)))
      problems.push(`bucket ${b.name} must have whole-day bounds`);
    else if (b.max !== null && b.max < b.min) problems.push(`bucket ${b.name} ends before it starts`);
  }
  if (buckets[0].min === 1 && names.has(CURRENT)) problems.push(`label ${CURRENT} is reserved for 0 days past due`);
  for (let i = 1; i < buckets.length; i++) {
    const prev = buckets[i - 1];
    if (prev.max === null) problems.push(`bucket ${prev.name} is open-ended but is not the last`);
    else if (buckets[i].min !== prev.max + 1) problems.push(`bucket ${buckets[i].name} must start at ${prev.max + 1}`);
  }
  if (buckets[buckets.length - 1].max !== null) problems.push('the last bucket must be open-ended');
  return problems;
}

const CURRENT = 'current';

/** A valid configuration covering every day count: one starting at 1 gets `current` for 0 days. */
export function withCurrentBucket(buckets: readonly AgingBucket[]): AgingBucket[] {
  return buckets[0]?.min === 1 ? [{ name: CURRENT, min: 0, max: 0 }, ...buckets] : [...buckets];
}
