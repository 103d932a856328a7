/**
 * Collections KPIs as pure functions over facts from the read model. Each formula is written
 * out in its comment; amounts are integer minor units of one currency, rates are fractions.
 * A ratio whose denominator is zero is `null` (not defined), never 0 or NaN.
 */

export interface PlacedAccount {
  accountId: string;
  /** Date the account entered collections (placement), YYYY-MM-DD. */
  placedOn: string;
  /** Balance owed at placement. */
  placedBalanceMinor: number;
}

export interface Collection {
  accountId: string;
  date: string;
  amountMinor: number;
}

export interface ContactAttempt {
  accountId: string;
  channel: string;
  /** true when the right party (the debtor) was reached. */
  rightPartyContact: boolean;
  promiseTaken: boolean;
  costMinor: number;
}

export interface PromiseOutcome {
  promiseId: string;
  kept: boolean | null; // null: not yet due
}

const ratio = (numerator: number, denominator: number): number | null =>
  denominator === 0 ? null : numerator / denominator;
const DAY = 86_400_000;
const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY);

/** Recovery rate = Σ collected / Σ balance placed (optionally only collections within N days of placement). */
export function recoveryRate(placed: PlacedAccount[], collections: Collection[], withinDays?: number): number | null {
  const placedOn = new Map(placed.map((p) => [p.accountId, p.placedOn]));
  const collected = collections
    .filter((c) => placedOn.has(c.accountId))
    .filter((c) => withinDays === undefined || daysBetween(placedOn.get(c.accountId)!, c.date) <= withinDays)
    .reduce((s, c) => s + c.amountMinor, 0);
  return ratio(
    collected,
    placed.reduce((s, p) => s + p.placedBalanceMinor, 0),
  );
}

/** Recovery rate from totals: Σ collected ÷ Σ placed. */
export function recoveryRateOf(collectedMinor: number, placedMinor: number): number | null {
  return ratio(collectedMinor, placedMinor);
}

/**
 * Post-charge-off recovery rate = Σ net collected after charge-off on the accounts charged off with
 * their balance kept owed ÷ Σ the balance they kept at charge-off.
 */
export function postChargeOffRecoveryRateOf(recoveredMinor: number, balanceKeptMinor: number): number | null {
  return ratio(recoveredMinor, balanceKeptMinor);
}

/** Right-party contact rate = attempts that reached the debtor / attempts. */
export function rightPartyContactRate(attempts: ContactAttempt[]): number | null {
  return ratio(attempts.filter((a) => a.rightPartyContact).length, attempts.length);
}

/** Promise-to-pay rate = right-party contacts that produced a promise / right-party contacts. */
export function promiseToPayRate(attempts: ContactAttempt[]): number | null {
  const rpc = attempts.filter((a) => a.rightPartyContact);
  return ratio(rpc.filter((a) => a.promiseTaken).length, rpc.length);
}

/** Promise-kept rate = kept promises / promises already due (kept or broken). */
export function promiseKeptRate(promises: PromiseOutcome[]): number | null {
  const due = promises.filter((p) => p.kept !== null);
  return ratio(due.filter((p) => p.kept).length, due.length);
}

/** Promise-kept rate from counts: kept ÷ (kept + broken). */
export function promiseKeptRateOf(kept: number, broken: number): number | null {
  return ratio(kept, kept + broken);
}

/**
 * Share of the held offers that ended in the period (approved, rejected, or expired with no
 * decision) which a supervisor approved; null when none ended.
 */
export function offerApprovalRateOf(approved: number, rejected: number, expired: number): number | null {
  return ratio(approved, approved + rejected + expired);
}

/**
 * Roll rates between aging buckets from one snapshot to the next: for each bucket, the share
 * of its accounts found in each bucket a period later (rows sum to 1 over accounts present in
 * both snapshots).
 */
export function rollRateMatrix(
  before: Map<string, string>,
  after: Map<string, string>,
  buckets: readonly string[],
): Record<string, Record<string, number | null>> {
  const matrix: Record<string, Record<string, number | null>> = {};
  for (const from of buckets) {
    const moved = [...before].filter(([id, b]) => b === from && after.has(id)).map(([id]) => after.get(id)!);
    matrix[from] = Object.fromEntries(
      buckets.map((to) => [to, ratio(moved.filter((b) => b === to).length, moved.length)]),
    );
  }
  return matrix;
}

/** Cure rate = delinquent accounts that are current a period later / delinquent accounts. */
export function cureRate(
  before: Map<string, string>,
  after: Map<string, string>,
  currentBucket = 'current',
): number | null {
  const delinquent = [...before].filter(([id, b]) => b !== currentBucket && after.has(id));
  return ratio(delinquent.filter(([id]) => after.get(id) === currentBucket).length, delinquent.length);
}

/** Accounts by their bucket in one snapshot and in the next (only accounts present in both). */
export interface BucketPair {
  from: string;
  to: string;
  accounts: number;
}

/** Counts the accounts of two snapshots by (bucket before, bucket after), in order of first appearance. */
export function bucketPairsOf(before: Map<string, string>, after: Map<string, string>): BucketPair[] {
  const pairs = new Map<string, BucketPair>();
  for (const [id, from] of before) {
    const to = after.get(id);
    if (to === undefined) continue;
    const key = JSON.stringify([from, to]);
    const pair = pairs.get(key) ?? { from, to, accounts: 0 };
    pair.accounts++;
    pairs.set(key, pair);
  }
  return [...pairs.values()];
}

/** `rollRateMatrix` from the counts of accounts by (bucket before, bucket after). */
export function rollRateMatrixOf(
  pairs: readonly BucketPair[],
  buckets: readonly string[],
): Record<string, Record<string, number | null>> {
  const count = (p: (x: BucketPair) => boolean) => pairs.filter(p).reduce((s, x) => s + x.accounts, 0);
  const matrix: Record<string, Record<string, number | null>> = {};
  for (const from of buckets) {
    const moved = count((x) => x.from === from);
    matrix[from] = Object.fromEntries(
      buckets.map((to) => [
        to,
        ratio(
          count((x) => x.from === from && x.to === to),
          moved,
        ),
      ]),
    );
  }
  return matrix;
}

/** `cureRate` from the counts of accounts by (bucket before, bucket after). */
export function cureRateOf(pairs: readonly BucketPair[], currentBucket = 'current'): number | null {
  const delinquent = pairs.filter((p) => p.from !== currentBucket);
  return ratio(
    delinquent.filter((p) => p.to === currentBucket).reduce((s, p) => s + p.accounts, 0),
    delinquent.reduce((s, p) => s + p.accounts, 0),
  );
}

/**
 * Collection effectiveness index = collected in the period /
 * (receivable at the start + amounts billed in the period − receivable still due at the end).
 */
export function collectionEffectivenessIndex(p: {
  beginningReceivableMinor: number;
  billedMinor: number;
  endingReceivableMinor: number;
  collectedMinor: number;
}): number | null {
  return ratio(p.collectedMinor, p.beginningReceivableMinor + p.billedMinor - p.endingReceivableMinor);
}

/** Days sales outstanding = receivable at the end / amounts billed in the period × days in the period. */
export function daysSalesOutstanding(endingReceivableMinor: number, billedMinor: number, days: number): number | null {
  const r = ratio(endingReceivableMinor, billedMinor);
  return r === null ? null : r * days;
}

/** Cost per unit collected = Σ contact costs / Σ collected (cost of collecting one unit of currency). */
export function costPerUnitCollected(attempts: ContactAttempt[], collections: Collection[]): number | null {
  return ratio(
    attempts.reduce((s, a) => s + a.costMinor, 0),
    collections.reduce((s, c) => s + c.amountMinor, 0),
  );
}

/** Opt-out rate = debtors who opted out of a channel / debtors contacted on it. */
export function optOutRate(contactedDebtors: number, optedOut: number): number | null {
  return ratio(optedOut, contactedDebtors);
}

/**
 * Call outcomes in which the debtor was reached (the right party): they answered and spoke, whatever
 * they said. NO_ANSWER and WRONG_PARTY are attempts that did not reach them.
 */
export const RIGHT_PARTY_OUTCOMES: readonly string[] = [
  'CALL_OUTCOME_RIGHT_PARTY_CONTACT',
  'CALL_OUTCOME_PROMISE',
  'CALL_OUTCOME_REFUSAL',
  'CALL_OUTCOME_DISPUTE',
];

/** Right-party contacts among recorded call outcomes (counts by outcome name; UNSPECIFIED is not an outcome). */
export function callOutcomeCounts(byOutcome: Readonly<Record<string, number>>): {
  outcomes: number;
  rightParty: number;
  promises: number;
} {
  const entries = Object.entries(byOutcome).filter(([o]) => o !== 'CALL_OUTCOME_UNSPECIFIED');
  return {
    outcomes: entries.reduce((s, [, n]) => s + n, 0),
    rightParty: entries.filter(([o]) => RIGHT_PARTY_OUTCOMES.includes(o)).reduce((s, [, n]) => s + n, 0),
    promises: byOutcome.CALL_OUTCOME_PROMISE ?? 0,
  };
}

/** Right-party contact rate from call outcomes = outcomes that reached the debtor ÷ call outcomes. */
export function rightPartyContactRateOf(byOutcome: Readonly<Record<string, number>>): number | null {
  const c = callOutcomeCounts(byOutcome);
  return ratio(c.rightParty, c.outcomes);
}

/** Promise-to-pay rate from call outcomes = PROMISE outcomes ÷ right-party outcomes. */
export function promiseToPayRateOf(byOutcome: Readonly<Record<string, number>>): number | null {
  const c = callOutcomeCounts(byOutcome);
  return ratio(c.promises, c.rightParty);
}

/** The rule id of a refusal reason written `<rule id>: <message>` (the whole reason when it has no colon). */
export function ruleIdOf(reason: string): string {
  const i = reason.indexOf(':');
  const id = (i < 0 ? reason : reason.slice(0, i)).trim() || 'unspecified';
  return id.startsWith('no-') ? AWAITING_FACTS : id;
}

/**
 * One bucket for the planner's own refusals for want of facts (`no-due-date`, `no-strategy`,
 * `no-debtor-facts`, `no-rule-pack`, `no-channel`): which of them a decision cites depends on which
 * event reached the orchestrator first, and none of them is the contact law refusing.
 */
export const AWAITING_FACTS = 'awaiting-facts';

/** Σ over channels of contacts sent × the channel's cost per contact (minor units). */
export function contactCostMinor(
  sentByChannel: Readonly<Record<string, number>>,
  costOf: (channel: string) => number,
): number {
  return Object.entries(sentByChannel).reduce((s, [channel, n]) => s + n * costOf(channel), 0);
}

/** Cost per unit collected = Σ contact costs ÷ Σ collected (both minor units of one currency). */
export function costPerUnitCollectedOf(costMinor: number, collectedMinor: number): number | null {
  return ratio(costMinor, collectedMinor);
}
