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

/**
 * Credits pay the oldest dues first. An amount is past due the day after its due date; days
 * past due count from the oldest due date not fully covered by the credits made by `asOf`.
 */
export function delinquencyAsOf(dues: readonly Due[], credits: readonly Credit[], asOf: string): Delinquency {
  let paid = 0;
  for (const c of credits) if (c.date <= asOf) paid += c.amount;
  const fallen = dues
    .filter((d) => d.dueDate < asOf && d.amount > 0)
    .sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0));
  let covered = Math.max(0, paid);
  let pastDue = 0;
  let oldestUnpaid: string | undefined;
  for (const d of fallen) {
    const part = Math.min(covered, d.amount);
    covered -= part;
    if (part < d.amount) {
      pastDue += d.amount - part;
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

/** Checks a tenant's bucket configuration: contiguous from 0, no gaps or overlaps, last open-ended. */
export function validateAgingBuckets(buckets: readonly AgingBucket[]): string[] {
  const problems: string[] = [];
  if (buckets.length === 0) return ['at least one bucket is required'];
  if (buckets[0].min !== 0) problems.push('the first bucket must start at 0 days');
  for (let i = 1; i < buckets.length; i++) {
    const prev = buckets[i - 1];
    if (prev.max === null) problems.push(`bucket ${prev.name} is open-ended but is not the last`);
    else if (buckets[i].min !== prev.max + 1) problems.push(`bucket ${buckets[i].name} must start at ${prev.max + 1}`);
  }
  if (buckets[buckets.length - 1].max !== null) problems.push('the last bucket must be open-ended');
  return problems;
}
