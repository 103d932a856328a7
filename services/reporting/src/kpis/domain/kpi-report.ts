import {
  BucketPair,
  Collection,
  PlacedAccount,
  bucketPairsOf,
  callOutcomeCounts,
  collectionEffectivenessIndex,
  contactCostMinor,
  costPerUnitCollectedOf,
  cureRateOf,
  daysSalesOutstanding,
  offerApprovalRateOf,
  optOutRate,
  postChargeOffRecoveryRateOf,
  promiseKeptRateOf,
  promiseToPayRateOf,
  recoveryRateOf,
  rightPartyContactRateOf,
  rollRateMatrixOf,
} from './kpis';

/** The facts one KPI report needs, read from the read model for one tenant, period and filter. */
export interface KpiFacts {
  fromDate: string;
  toDate: string;
  currency: string;
  /** Accounts placed (opened) in the period, with the balance owed at placement. */
  placed: PlacedAccount[];
  /** Payments net of their reversals, on the placed accounts, up to the end of the period. */
  cohortCollections: Collection[];
  /** Payments net of reversals on every account in the filter, dated within the period. */
  collectedInPeriodMinor: number;
  /**
   * Payments net of reversals made in the period on a day after their account's charge-off day, on
   * every charged-off account, and on those charged off with their balance kept owed only.
   */
  recoveredAfterChargeOffMinor: number;
  recoveredAfterChargeOffBalanceKeptMinor: number;
  /** Σ balance kept owed at charge-off of the accounts charged off with it kept on or before the period's end, and how many. */
  balanceKeptMinor: number;
  balanceKeptAccounts: number;
  beginningReceivableMinor: number;
  endingReceivableMinor: number;
  billedMinor: number;
  /** Aging bucket of each account the day before the period and on its last day. */
  bucketsAtStart: Map<string, string>;
  bucketsAtEnd: Map<string, string>;
  /** Buckets in aging order (fewest days past due first). */
  buckets: string[];
  /** Contact decisions in the period: allowed ones are contact attempts. */
  contactsAllowed: number;
  contactsRefused: number;
  promisesKept: number;
  /** Promises broken in the period and never kept. */
  promisesBroken: number;
  /** Offers held for a supervisor that expired in the period with no decision. */
  offersExpired: number;
  /** Offers held for a supervisor in the period (an agent's offer beyond the agent's limits). */
  offersHeld: number;
  /** Held offers a supervisor approved, and rejected, in the period. */
  offersApproved: number;
  offersRejected: number;
  /** (debtor, channel) pairs contacted in the period, and those that withdrew consent for it. */
  debtorsContacted: number;
  debtorsOptedOut: number;
  /** Refused contact decisions in the period per refusing rule id (a decision counts under each of its rules). */
  deniedByRule: Record<string, number>;
  /** Call outcomes recorded in the period, by outcome name (CALL_OUTCOME_…). */
  callOutcomes: Record<string, number>;
  /** Contacts sent in the period, by channel, and what one contact costs on each (minor units). */
  sentByChannel: Record<string, number>;
  channelCosts: Record<string, number>;
}

export interface KpiValue {
  name: string;
  value: number | null;
  inputs: string;
}

export interface KpiReport {
  fromDate: string;
  toDate: string;
  currency: string;
  accounts: number;
  kpis: KpiValue[];
  rollRates: { fromBucket: string; toBucket: string; rate: number | null }[];
}

const DAY = 86_400_000;
/** Days in a period, both ends included. */
export const daysInPeriod = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY) + 1;

const counts = (byKey: Record<string, number>) =>
  Object.keys(byKey)
    .sort()
    .map((k) => `${k}=${byKey[k]}`)
    .join(' ');

/**
 * The sums and counts the KPI formulas need, which a rollup can give without the facts of each
 * account: what `kpiTotals` derives from the facts, term for term.
 */
export interface KpiTotals {
  fromDate: string;
  toDate: string;
  currency: string;
  /** Accounts placed (opened) in the period and Σ their balance owed at placement. */
  accounts: number;
  placedMinor: number;
  /** Net collections on the placed accounts up to the end of the period: all, and within 30, 60, 90 days of placement. */
  cohortCollectedMinor: { all: number; within30: number; within60: number; within90: number };
  collectedInPeriodMinor: number;
  /**
   * Payments net of reversals made in the period on a day after their account's charge-off day, on
   * every charged-off account, and on those charged off with their balance kept owed only.
   */
  recoveredAfterChargeOffMinor: number;
  recoveredAfterChargeOffBalanceKeptMinor: number;
  /** Σ balance kept owed at charge-off of the accounts charged off with it kept on or before the period's end, and how many. */
  balanceKeptMinor: number;
  balanceKeptAccounts: number;
  beginningReceivableMinor: number;
  endingReceivableMinor: number;
  billedMinor: number;
  /** Accounts by (aging bucket the day before the period, bucket on its last day), for those present on both days. */
  bucketPairs: BucketPair[];
  buckets: string[];
  contactsAllowed: number;
  contactsRefused: number;
  promisesKept: number;
  promisesBroken: number;
  offersExpired: number;
  offersHeld: number;
  offersApproved: number;
  offersRejected: number;
  debtorsContacted: number;
  debtorsOptedOut: number;
  deniedByRule: Record<string, number>;
  callOutcomes: Record<string, number>;
  sentByChannel: Record<string, number>;
  channelCosts: Record<string, number>;
}

/** The totals of per-account facts. */
export function kpiTotals(f: KpiFacts): KpiTotals {
  const placedOn = new Map(f.placed.map((p) => [p.accountId, p.placedOn]));
  const cohortCollected = (withinDays?: number) =>
    f.cohortCollections
      .filter((c) => placedOn.has(c.accountId))
      .filter((c) => withinDays === undefined || daysInPeriod(placedOn.get(c.accountId)!, c.date) - 1 <= withinDays)
      .reduce((s, c) => s + c.amountMinor, 0);
  const { placed, cohortCollections, bucketsAtStart, bucketsAtEnd, ...rest } = f;
  void cohortCollections;
  return {
    ...rest,
    accounts: placed.length,
    placedMinor: placed.reduce((s, p) => s + p.placedBalanceMinor, 0),
    cohortCollectedMinor: {
      all: cohortCollected(),
      within30: cohortCollected(30),
      within60: cohortCollected(60),
      within90: cohortCollected(90),
    },
    bucketPairs: bucketPairsOf(bucketsAtStart, bucketsAtEnd),
  };
}

/** Applies the KPI formulas (./kpis.ts) to the facts; the order of `kpis` is the documented one. */
export function kpiReport(f: KpiFacts): KpiReport {
  return kpiReportOf(kpiTotals(f));
}

/** Applies the KPI formulas to the totals of the facts. */
export function kpiReportOf(f: KpiTotals): KpiReport {
  const placedMinor = f.placedMinor;
  const cohortCollected = (withinDays?: number) =>
    withinDays === undefined
      ? f.cohortCollectedMinor.all
      : f.cohortCollectedMinor[`within${withinDays}` as 'within30' | 'within60' | 'within90'];
  const recovery = (withinDays?: 30 | 60 | 90): KpiValue => ({
    name: withinDays === undefined ? 'recovery_rate' : `recovery_rate_${withinDays}d`,
    value: recoveryRateOf(cohortCollected(withinDays), placedMinor),
    inputs: `collected=${cohortCollected(withinDays)} placed=${placedMinor} accounts=${f.accounts}`,
  });
  const delinquentAtStart = f.bucketPairs.filter((p) => p.from !== 'current').reduce((s, p) => s + p.accounts, 0);
  const cured = f.bucketPairs
    .filter((p) => p.from !== 'current' && p.to === 'current')
    .reduce((s, p) => s + p.accounts, 0);
  const days = daysInPeriod(f.fromDate, f.toDate);
  const receivables = `beginning=${f.beginningReceivableMinor} billed=${f.billedMinor} ending=${f.endingReceivableMinor}`;
  const matrix = rollRateMatrixOf(f.bucketPairs, f.buckets);
  const calls = callOutcomeCounts(f.callOutcomes);
  const costMinor = contactCostMinor(f.sentByChannel, (c) => f.channelCosts[c] ?? 0);
  const sentCosts = Object.keys(f.sentByChannel)
    .sort()
    .map((c) => `${c}=${f.sentByChannel[c]}x${f.channelCosts[c] ?? 0}`)
    .join(' ');

  const kpis: KpiValue[] = [
    recovery(),
    recovery(30),
    recovery(60),
    recovery(90),
    {
      name: 'collected_minor',
      value: f.collectedInPeriodMinor,
      inputs: 'payments in the period net of reversals',
    },
    {
      name: 'post_charge_off_recovered_minor',
      value: f.recoveredAfterChargeOffMinor,
      inputs: 'payments in the period net of reversals, made after their account was charged off',
    },
    {
      name: 'post_charge_off_recovery_rate',
      value: postChargeOffRecoveryRateOf(f.recoveredAfterChargeOffBalanceKeptMinor, f.balanceKeptMinor),
      inputs: `recovered=${f.recoveredAfterChargeOffBalanceKeptMinor} balance_kept=${f.balanceKeptMinor} accounts=${f.balanceKeptAccounts}`,
    },
    {
      name: 'cure_rate',
      value: cureRateOf(f.bucketPairs),
      inputs: `cured=${cured} delinquent_at_start=${delinquentAtStart}`,
    },
    {
      name: 'collection_effectiveness_index',
      value: collectionEffectivenessIndex({
        beginningReceivableMinor: f.beginningReceivableMinor,
        billedMinor: f.billedMinor,
        endingReceivableMinor: f.endingReceivableMinor,
        collectedMinor: f.collectedInPeriodMinor,
      }),
      inputs: `collected=${f.collectedInPeriodMinor} ${receivables}`,
    },
    {
      name: 'days_sales_outstanding',
      value: daysSalesOutstanding(f.endingReceivableMinor, f.billedMinor, days),
      inputs: `ending=${f.endingReceivableMinor} billed=${f.billedMinor} days=${days}`,
    },
    {
      name: 'contact_attempts',
      value: f.contactsAllowed,
      inputs: `allowed=${f.contactsAllowed} refused=${f.contactsRefused}`,
    },
    { name: 'promises_kept', value: f.promisesKept, inputs: 'PromiseKept events in the period' },
    {
      name: 'right_party_contact_rate',
      value: rightPartyContactRateOf(f.callOutcomes),
      inputs: `right_party=${calls.rightParty} call_outcomes=${calls.outcomes}`,
    },
    {
      name: 'promise_to_pay_rate',
      value: promiseToPayRateOf(f.callOutcomes),
      inputs: `promises=${calls.promises} right_party=${calls.rightParty}`,
    },
    {
      name: 'promise_kept_rate',
      value: promiseKeptRateOf(f.promisesKept, f.promisesBroken),
      inputs: `kept=${f.promisesKept} broken=${f.promisesBroken}`,
    },
    {
      name: 'offers_expired',
      value: f.offersExpired,
      inputs: "offers beyond an agent's limits that expired in the period with no supervisor's decision",
    },
    {
      name: 'offers_held',
      value: f.offersHeld,
      inputs: "offers beyond an agent's limits held in the period for a supervisor's decision",
    },
    { name: 'offers_approved', value: f.offersApproved, inputs: 'held offers a supervisor approved in the period' },
    { name: 'offers_rejected', value: f.offersRejected, inputs: 'held offers a supervisor rejected in the period' },
    {
      name: 'offer_approval_rate',
      value: offerApprovalRateOf(f.offersApproved, f.offersRejected, f.offersExpired),
      inputs: `approved=${f.offersApproved} rejected=${f.offersRejected} expired=${f.offersExpired}`,
    },
    {
      name: 'cost_per_unit_collected',
      value: costPerUnitCollectedOf(costMinor, f.collectedInPeriodMinor),
      inputs: `cost=${costMinor} collected=${f.collectedInPeriodMinor} sent=${sentCosts}`.trimEnd(),
    },
    {
      name: 'opt_out_rate',
      value: optOutRate(f.debtorsContacted, f.debtorsOptedOut),
      inputs: `opted_out=${f.debtorsOptedOut} contacted=${f.debtorsContacted}`,
    },
    {
      name: 'contacts_denied',
      value: f.contactsRefused,
      inputs:
        `refused=${f.contactsRefused} decided=${f.contactsAllowed + f.contactsRefused} ${counts(f.deniedByRule)}`.trimEnd(),
    },
    ...Object.keys(f.deniedByRule)
      .sort()
      .map((rule) => ({
        name: `contacts_denied:${rule}`,
        value: f.deniedByRule[rule],
        inputs: 'refused decisions citing the rule',
      })),
  ];
  return {
    fromDate: f.fromDate,
    toDate: f.toDate,
    currency: f.currency,
    accounts: f.accounts,
    kpis,
    rollRates: f.buckets.flatMap((from) =>
      f.buckets.map((to) => ({ fromBucket: from, toBucket: to, rate: matrix[from][to] })),
    ),
  };
}

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The KPI table as CSV (RFC 4180): one row per KPI, then one per roll rate; empty value = not defined. */
export function kpiReportCsv(r: KpiReport): string {
  const rows: string[][] = [['kpi', 'value', 'from_date', 'to_date', 'currency', 'inputs']];
  const value = (v: number | null) => (v === null ? '' : String(v));
  for (const k of r.kpis) rows.push([k.name, value(k.value), r.fromDate, r.toDate, r.currency, k.inputs]);
  for (const rr of r.rollRates) {
    rows.push([`roll_rate:${rr.fromBucket}->${rr.toBucket}`, value(rr.rate), r.fromDate, r.toDate, r.currency, '']);
  }
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}
