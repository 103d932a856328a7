import { DataSource } from 'typeorm';
import { BucketPair, Collection, PlacedAccount } from './domain/kpis';
import { balanceKeptIn, chargeOffDay } from './kpi-rollup';

export interface KpiFilter {
  tenantId: string;
  segment: string | null;
  modelVersion: string | null;
  channel: string | null;
  currency: string;
}

/**
 * The accounts a filter selects ($1 tenant, $2 segment, $3 model version, $4 currency); every
 * query below starts from it, so a fact of an account the filter excludes never counts.
 */
const ACCOUNTS = `acct AS (
  SELECT account_id, opened_on FROM account_fact
   WHERE tenant_id = $1 AND opened_on IS NOT NULL AND currency = $4
     AND ($2::text IS NULL OR segment = $2) AND ($3::text IS NULL OR model_version = $3))`;

/** Payments net of their reversals, dated by the day they were made (`paid_on`). */
const NET_PAYMENTS = `net AS (
  SELECT p.account_id, p.paid_on,
         p.amount_minor - coalesce(r.amount_minor, 0) AS amount_minor
    FROM payment_fact p JOIN acct a ON a.account_id = p.account_id
    LEFT JOIN payment_reversal_fact r ON r.tenant_id = p.tenant_id AND r.payment_id = p.payment_id
   WHERE p.tenant_id = $1 AND p.currency = $4)`;

/** The rollup rows of the accounts a filter selects ($1 tenant, $2 segment, $3 model version, $4 currency). */
const ROLLUP = `kpi_rollup WHERE tenant_id = $1 AND currency = $4
  AND ($2::text IS NULL OR segment = $2) AND ($3::text IS NULL OR model_version = $3)`;

/** Totals of a period read from the KPI rollup. */
export interface RollupTotals {
  accounts: number;
  placedMinor: number;
  cohortCollectedMinor: { all: number; within30: number; within60: number; within90: number };
  collectedInPeriodMinor: number;
  beginningReceivableMinor: number;
  endingReceivableMinor: number;
  billedMinor: number;
  contactsAllowed: number;
  contactsRefused: number;
  promisesKept: number;
  promisesBroken: number;
  offersExpired: number;
  offersHeld: number;
  offersApproved: number;
  offersRejected: number;
  recoveredAfterChargeOffMinor: number;
  recoveredAfterChargeOffBalanceKeptMinor: number;
  balanceKeptMinor: number;
  balanceKeptAccounts: number;
}

/** The post-charge-off sums of a period (`KpiTotals` says what each is). */
export type ChargeOffTotals = Pick<
  RollupTotals,
  | 'recoveredAfterChargeOffMinor'
  | 'recoveredAfterChargeOffBalanceKeptMinor'
  | 'balanceKeptMinor'
  | 'balanceKeptAccounts'
>;

/** Reads the KPI read model; every query is scoped to one tenant. */
export class KpisRepository {
  constructor(private readonly db: DataSource) {}

  private params(f: KpiFilter): unknown[] {
    return [f.tenantId, f.segment, f.modelVersion, f.currency];
  }

  async currencies(tenantId: string): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT DISTINCT currency FROM account_fact WHERE tenant_id = $1 AND currency IS NOT NULL ORDER BY currency`,
      [tenantId],
    )) as { currency: string }[];
    return rows.map((r) => r.currency.trim());
  }

  /** Accounts opened in the period, with the balance owed at the end of their opening day. */
  async placed(f: KpiFilter, from: string, to: string): Promise<PlacedAccount[]> {
    const rows = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT a.account_id, a.opened_on::text AS placed_on, coalesce(
         (SELECT b.total_minor FROM balance_fact b
           WHERE b.tenant_id = $1 AND b.account_id = a.account_id AND b.as_of_date <= a.opened_on
           ORDER BY b.as_of_date DESC, b.event_time DESC, b.caused_by_entry_id DESC LIMIT 1),
         (SELECT b.total_minor FROM balance_fact b WHERE b.tenant_id = $1 AND b.account_id = a.account_id
           ORDER BY b.as_of_date, b.event_time, b.caused_by_entry_id LIMIT 1), 0)::bigint AS placed_minor
         FROM acct a WHERE a.opened_on BETWEEN $5 AND $6 ORDER BY a.account_id`,
      [...this.params(f), from, to],
    )) as { account_id: string; placed_on: string; placed_minor: string }[];
    return rows.map((r) => ({
      accountId: r.account_id,
      placedOn: r.placed_on,
      placedBalanceMinor: Number(r.placed_minor),
    }));
  }

  /** Net payments on the given accounts up to a day. */
  async collections(f: KpiFilter, accountIds: string[], to: string): Promise<Collection[]> {
    const rows = (await this.db.query(
      `WITH ${ACCOUNTS}, ${NET_PAYMENTS}
       SELECT account_id, paid_on::text AS paid_on, sum(amount_minor)::bigint AS amount_minor FROM net
        WHERE account_id = ANY($5) AND paid_on <= $6 GROUP BY account_id, paid_on
       HAVING sum(amount_minor) <> 0 ORDER BY account_id, paid_on`,
      [...this.params(f), accountIds, to],
    )) as { account_id: string; paid_on: string; amount_minor: string }[];
    return rows.map((r) => ({ accountId: r.account_id, date: r.paid_on, amountMinor: Number(r.amount_minor) }));
  }

  async collectedBetween(f: KpiFilter, from: string, to: string): Promise<number> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}, ${NET_PAYMENTS}
       SELECT coalesce(sum(amount_minor), 0)::bigint AS total FROM net WHERE paid_on BETWEEN $5 AND $6`,
      [...this.params(f), from, to],
    )) as { total: string }[];
    return Number(row.total);
  }

  /**
   * Net payments made in the period on a day after their account's charge-off day (all, and those on
   * accounts charged off with their balance kept), and the balance kept at charge-off of the accounts
   * charged off with it kept on or before the period's end (and how many).
   */
  async chargeOffTotals(f: KpiFilter, from: string, to: string): Promise<ChargeOffTotals> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}, ${NET_PAYMENTS},
       co AS (SELECT c.account_id, ${chargeOffDay('c')} AS charged_off_on, ${balanceKeptIn('c', '$4')} AS kept,
                     c.balance_kept_minor
                FROM account_fact c JOIN acct a USING (account_id)
               WHERE c.tenant_id = $1 AND c.charged_off_at IS NOT NULL),
       recovered AS (SELECT n.amount_minor, co.kept FROM net n JOIN co USING (account_id)
                      WHERE n.paid_on > co.charged_off_on AND n.paid_on BETWEEN $5 AND $6)
       SELECT (SELECT coalesce(sum(amount_minor), 0) FROM recovered)::bigint AS recovered,
              (SELECT coalesce(sum(amount_minor), 0) FROM recovered WHERE kept)::bigint AS recovered_kept,
              (SELECT coalesce(sum(balance_kept_minor), 0) FROM co WHERE kept AND charged_off_on <= $6)::bigint AS kept,
              (SELECT count(*) FROM co WHERE kept AND charged_off_on <= $6)::bigint AS kept_accounts`,
      [...this.params(f), from, to],
    )) as Record<string, string>[];
    return {
      recoveredAfterChargeOffMinor: Number(row.recovered),
      recoveredAfterChargeOffBalanceKeptMinor: Number(row.recovered_kept),
      balanceKeptMinor: Number(row.kept),
      balanceKeptAccounts: Number(row.kept_accounts),
    };
  }

  /** Σ over the accounts of the latest balance dated on or before the day. */
  async receivableAsOf(f: KpiFilter, day: string): Promise<number> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT coalesce(sum(total_minor), 0)::bigint AS total FROM (
         SELECT DISTINCT ON (b.account_id) b.total_minor FROM balance_fact b JOIN acct a ON a.account_id = b.account_id
          WHERE b.tenant_id = $1 AND b.currency = $4 AND b.as_of_date <= $5
          ORDER BY b.account_id, b.as_of_date DESC, b.event_time DESC, b.caused_by_entry_id DESC) latest`,
      [...this.params(f), day],
    )) as { total: string }[];
    return Number(row.total);
  }

  async billedBetween(f: KpiFilter, from: string, to: string): Promise<number> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT coalesce(sum(s.amount_due_minor), 0)::bigint AS total FROM statement_fact s JOIN acct a USING (account_id)
        WHERE s.tenant_id = $1 AND s.currency = $4 AND s.statement_date BETWEEN $5 AND $6`,
      [...this.params(f), from, to],
    )) as { total: string }[];
    return Number(row.total);
  }

  /** Aging bucket of every account opened by the day: its latest aging fact, else 'current'. */
  async bucketsAsOf(f: KpiFilter, day: string): Promise<Map<string, string>> {
    const rows = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT a.account_id, coalesce(
         (SELECT d.aging_bucket FROM delinquency_fact d
           WHERE d.tenant_id = $1 AND d.account_id = a.account_id AND d.as_of_date <= $5
           ORDER BY d.as_of_date DESC LIMIT 1), 'current') AS aging_bucket
         FROM acct a WHERE a.opened_on <= $5 ORDER BY a.account_id`,
      [...this.params(f), day],
    )) as { account_id: string; aging_bucket: string }[];
    return new Map(rows.map((r) => [r.account_id, r.aging_bucket]));
  }

  /** The tenant's buckets seen in aging facts, fewest days past due first ('current' always first). */
  async buckets(tenantId: string): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT aging_bucket FROM delinquency_fact WHERE tenant_id = $1
        GROUP BY aging_bucket ORDER BY min(days_past_due), aging_bucket`,
      [tenantId],
    )) as { aging_bucket: string }[];
    return ['current', ...rows.map((r) => r.aging_bucket).filter((b) => b !== 'current')];
  }

  async contacts(f: KpiFilter, from: string, to: string): Promise<{ allowed: number; refused: number }> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT count(*) FILTER (WHERE c.allowed)::int AS allowed, count(*) FILTER (WHERE NOT c.allowed)::int AS refused
         FROM contact_fact c JOIN acct a USING (account_id)
        WHERE c.tenant_id = $1 AND ($5::text IS NULL OR c.channel = $5)
          AND (c.decided_at AT TIME ZONE 'UTC')::date BETWEEN $6 AND $7`,
      [...this.params(f), f.channel, from, to],
    )) as { allowed: number; refused: number }[];
    return row;
  }

  async promisesKept(f: KpiFilter, from: string, to: string): Promise<number> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT count(*)::int AS n FROM promise_kept_fact k JOIN acct a USING (account_id)
        WHERE k.tenant_id = $1 AND (k.kept_at AT TIME ZONE 'UTC')::date BETWEEN $5 AND $6`,
      [...this.params(f), from, to],
    )) as { n: number }[];
    return row.n;
  }

  /** Promises (and plan instalments) broken in the period that were never kept, even late. */
  async promisesBroken(f: KpiFilter, from: string, to: string): Promise<number> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT count(*)::int AS n FROM promise_broken_fact b JOIN acct a USING (account_id)
        WHERE b.tenant_id = $1 AND (b.broken_at AT TIME ZONE 'UTC')::date BETWEEN $5 AND $6
          AND NOT EXISTS (SELECT 1 FROM promise_kept_fact k WHERE k.tenant_id = $1 AND k.promise_id = b.promise_id)`,
      [...this.params(f), from, to],
    )) as { n: number }[];
    return row.n;
  }

  /** Offers held for a supervisor that expired in the period with no decision. */
  async offersExpired(f: KpiFilter, from: string, to: string): Promise<number> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT count(*)::int AS n FROM offer_expiry_fact o JOIN acct a USING (account_id)
        WHERE o.tenant_id = $1 AND (o.expired_at AT TIME ZONE 'UTC')::date BETWEEN $5 AND $6`,
      [...this.params(f), from, to],
    )) as { n: number }[];
    return row.n;
  }

  /** Offers held for a supervisor in the period, and those a supervisor approved or rejected in it. */
  async offerApprovals(
    f: KpiFilter,
    from: string,
    to: string,
  ): Promise<{ offersHeld: number; offersApproved: number; offersRejected: number }> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT count(*) FILTER (WHERE (o.requested_at AT TIME ZONE 'UTC')::date BETWEEN $5 AND $6)::int AS held,
              count(*) FILTER (WHERE (o.decided_at AT TIME ZONE 'UTC')::date BETWEEN $5 AND $6
                                 AND o.decision = 'approved')::int AS approved,
              count(*) FILTER (WHERE (o.decided_at AT TIME ZONE 'UTC')::date BETWEEN $5 AND $6
                                 AND o.decision = 'rejected')::int AS rejected
         FROM offer_approval_fact o JOIN acct a USING (account_id)
        WHERE o.tenant_id = $1`,
      [...this.params(f), from, to],
    )) as { held: number; approved: number; rejected: number }[];
    return { offersHeld: row.held, offersApproved: row.approved, offersRejected: row.rejected };
  }

  /**
   * Debtors contacted (an allowed contact on one of their accounts) on a channel in the period,
   * and how many of those withdrew their consent for that channel in the period; as
   * (debtor, channel) pairs.
   */
  async optOuts(f: KpiFilter, from: string, to: string): Promise<{ contacted: number; optedOut: number }> {
    const [row] = (await this.db.query(
      `WITH ${ACCOUNTS},
       contacted AS (
         SELECT DISTINCT d.debtor_id, c.channel FROM contact_fact c JOIN acct a USING (account_id)
           JOIN account_debtor_fact d ON d.tenant_id = c.tenant_id AND d.account_id = c.account_id
          WHERE c.tenant_id = $1 AND c.allowed AND ($5::text IS NULL OR c.channel = $5)
            AND (c.decided_at AT TIME ZONE 'UTC')::date BETWEEN $6 AND $7)
       SELECT count(*)::int AS contacted,
              count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM consent_fact k WHERE k.tenant_id = $1 AND k.debtor_id = contacted.debtor_id
                   AND k.channel = contacted.channel AND NOT k.granted
                   AND (k.event_time AT TIME ZONE 'UTC')::date BETWEEN $6 AND $7))::int AS opted_out
         FROM contacted`,
      [...this.params(f), f.channel, from, to],
    )) as { contacted: number; opted_out: number }[];
    return { contacted: row.contacted, optedOut: row.opted_out };
  }

  /** Refused contact decisions in the period per refusing rule (a decision counts under each of its rules). */
  async deniedByRule(f: KpiFilter, from: string, to: string): Promise<Record<string, number>> {
    const rows = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT rule, count(*)::int AS n FROM contact_fact c JOIN acct a USING (account_id)
         CROSS JOIN LATERAL unnest(c.denial_rules) AS rule
        WHERE c.tenant_id = $1 AND NOT c.allowed AND ($5::text IS NULL OR c.channel = $5)
          AND (c.decided_at AT TIME ZONE 'UTC')::date BETWEEN $6 AND $7
        GROUP BY rule ORDER BY rule`,
      [...this.params(f), f.channel, from, to],
    )) as { rule: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.rule, r.n]));
  }

  /** Call outcomes recorded in the period by outcome; none when the channel filter names another channel than calls. */
  async callOutcomes(f: KpiFilter, from: string, to: string): Promise<Record<string, number>> {
    const rows = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT o.outcome, count(*)::int AS n FROM call_outcome_fact o JOIN acct a USING (account_id)
        WHERE o.tenant_id = $1 AND ($5::text IS NULL OR $5 = 'CHANNEL_CALL')
          AND (o.recorded_at AT TIME ZONE 'UTC')::date BETWEEN $6 AND $7
        GROUP BY o.outcome ORDER BY o.outcome`,
      [...this.params(f), f.channel, from, to],
    )) as { outcome: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
  }

  /** Contacts sent in the period by channel. */
  async sentByChannel(f: KpiFilter, from: string, to: string): Promise<Record<string, number>> {
    const rows = (await this.db.query(
      `WITH ${ACCOUNTS}
       SELECT s.channel, count(*)::int AS n FROM contact_sent_fact s JOIN acct a USING (account_id)
        WHERE s.tenant_id = $1 AND ($5::text IS NULL OR s.channel = $5)
          AND (s.sent_at AT TIME ZONE 'UTC')::date BETWEEN $6 AND $7
        GROUP BY s.channel ORDER BY s.channel`,
      [...this.params(f), f.channel, from, to],
    )) as { channel: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.channel, r.n]));
  }

  /** The period's sums from the rollup ($5 from, $6 to, $7 the day before from, $8 channel). */
  async rollupTotals(f: KpiFilter, from: string, to: string, dayBefore: string): Promise<RollupTotals> {
    const [r] = (await this.db.query(
      `SELECT
         coalesce(sum(n) FILTER (WHERE kind = 'placed' AND d1 >= $5), 0)::bigint AS accounts,
         coalesce(sum(v) FILTER (WHERE kind = 'placed' AND d1 >= $5), 0)::bigint AS placed,
         coalesce(sum(v) FILTER (WHERE kind = 'cohort' AND d1 >= $5 AND d2 <= $6), 0)::bigint AS cohort,
         coalesce(sum(v) FILTER (WHERE kind = 'cohort' AND d1 >= $5 AND d2 <= $6 AND d2 - d1 <= 30), 0)::bigint AS cohort30,
         coalesce(sum(v) FILTER (WHERE kind = 'cohort' AND d1 >= $5 AND d2 <= $6 AND d2 - d1 <= 60), 0)::bigint AS cohort60,
         coalesce(sum(v) FILTER (WHERE kind = 'cohort' AND d1 >= $5 AND d2 <= $6 AND d2 - d1 <= 90), 0)::bigint AS cohort90,
         coalesce(sum(v) FILTER (WHERE kind = 'collected' AND d1 >= $5), 0)::bigint AS collected,
         coalesce(sum(v) FILTER (WHERE kind = 'receivable' AND d1 <= $7), 0)::bigint AS beginning,
         coalesce(sum(v) FILTER (WHERE kind = 'receivable'), 0)::bigint AS ending,
         coalesce(sum(v) FILTER (WHERE kind = 'billed' AND d1 >= $5), 0)::bigint AS billed,
         coalesce(sum(n) FILTER (WHERE kind = 'decision' AND d1 >= $5 AND k2 = 't' AND ($8::text IS NULL OR k1 = $8)), 0)::bigint AS allowed,
         coalesce(sum(n) FILTER (WHERE kind = 'decision' AND d1 >= $5 AND k2 = 'f' AND ($8::text IS NULL OR k1 = $8)), 0)::bigint AS refused,
         coalesce(sum(n) FILTER (WHERE kind = 'kept' AND d1 >= $5), 0)::bigint AS kept,
         coalesce(sum(n) FILTER (WHERE kind = 'broken' AND d1 >= $5), 0)::bigint AS broken,
         coalesce(sum(n) FILTER (WHERE kind = 'offer_expired' AND d1 >= $5), 0)::bigint AS offers_expired,
         coalesce(sum(n) FILTER (WHERE kind = 'offer_held' AND d1 >= $5), 0)::bigint AS offers_held,
         coalesce(sum(n) FILTER (WHERE kind = 'offer_decided' AND d1 >= $5 AND k2 = 'approved'), 0)::bigint AS offers_approved,
         coalesce(sum(n) FILTER (WHERE kind = 'offer_decided' AND d1 >= $5 AND k2 = 'rejected'), 0)::bigint AS offers_rejected,
         coalesce(sum(v) FILTER (WHERE kind = 'post_charge_off' AND d1 >= $5), 0)::bigint AS recovered,
         coalesce(sum(v) FILTER (WHERE kind = 'post_charge_off' AND d1 >= $5 AND k1 = 't'), 0)::bigint AS recovered_kept,
         coalesce(sum(v) FILTER (WHERE kind = 'charged_off' AND k1 = 't'), 0)::bigint AS balance_kept,
         coalesce(sum(n) FILTER (WHERE kind = 'charged_off' AND k1 = 't'), 0)::bigint AS balance_kept_accounts
         FROM ${ROLLUP}
          AND kind IN ('placed', 'cohort', 'collected', 'receivable', 'billed', 'decision', 'kept', 'broken',
                       'post_charge_off', 'charged_off', 'offer_expired', 'offer_held', 'offer_decided') AND d1 <= $6`,
      [...this.params(f), from, to, dayBefore, f.channel],
    )) as Record<string, string>[];
    const n = (k: string) => Number(r[k]);
    return {
      accounts: n('accounts'),
      placedMinor: n('placed'),
      cohortCollectedMinor: {
        all: n('cohort'),
        within30: n('cohort30'),
        within60: n('cohort60'),
        within90: n('cohort90'),
      },
      collectedInPeriodMinor: n('collected'),
      beginningReceivableMinor: n('beginning'),
      endingReceivableMinor: n('ending'),
      billedMinor: n('billed'),
      contactsAllowed: n('allowed'),
      contactsRefused: n('refused'),
      promisesKept: n('kept'),
      promisesBroken: n('broken'),
      offersExpired: n('offers_expired'),
      offersHeld: n('offers_held'),
      offersApproved: n('offers_approved'),
      offersRejected: n('offers_rejected'),
      recoveredAfterChargeOffMinor: n('recovered'),
      recoveredAfterChargeOffBalanceKeptMinor: n('recovered_kept'),
      balanceKeptMinor: n('balance_kept'),
      balanceKeptAccounts: n('balance_kept_accounts'),
    };
  }

  /** Accounts present on day t1 and on day t2 (t1 < t2) by their aging bucket on each, from the rollup. */
  async rollupBucketPairs(f: KpiFilter, t1: string, t2: string): Promise<BucketPair[]> {
    const rows = (await this.db.query(
      `SELECT k1 AS from_bucket, k2 AS to_bucket, sum(n)::bigint AS accounts FROM ${ROLLUP}
          AND kind = 'aging_pair' AND d1 <= $5 AND d2 <= $6
        GROUP BY k1, k2 HAVING sum(n) <> 0 ORDER BY k1, k2`,
      [...this.params(f), t1, t2],
    )) as { from_bucket: string; to_bucket: string; accounts: string }[];
    return rows.map((r) => ({ from: r.from_bucket, to: r.to_bucket, accounts: Number(r.accounts) }));
  }

  /** The tenant's buckets seen in aging facts, fewest days past due first ('current' always first), from the rollup. */
  async rollupBuckets(tenantId: string): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT k1 AS aging_bucket FROM kpi_rollup WHERE tenant_id = $1 AND kind = 'aging_bucket' AND n <> 0
        GROUP BY k1 ORDER BY min(k2::int), k1`,
      [tenantId],
    )) as { aging_bucket: string }[];
    return ['current', ...rows.map((r) => r.aging_bucket).filter((b) => b !== 'current')];
  }

  /** Counts by key in the period from the rollup: refusals by rule, call outcomes, contacts sent by channel. */
  async rollupCounts(
    f: KpiFilter,
    from: string,
    to: string,
  ): Promise<{
    deniedByRule: Record<string, number>;
    callOutcomes: Record<string, number>;
    sentByChannel: Record<string, number>;
  }> {
    const rows = (await this.db.query(
      `SELECT kind, CASE WHEN kind = 'denied' THEN k2 ELSE k1 END AS key, sum(n)::bigint AS n FROM ${ROLLUP}
          AND kind IN ('denied', 'call_outcome', 'sent') AND d1 BETWEEN $5 AND $6
          AND CASE WHEN kind = 'call_outcome' THEN ($7::text IS NULL OR $7 = 'CHANNEL_CALL') ELSE ($7::text IS NULL OR k1 = $7) END
        GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2`,
      [...this.params(f), from, to, f.channel],
    )) as { kind: string; key: string; n: string }[];
    const of = (kind: string) =>
      Object.fromEntries(rows.filter((r) => r.kind === kind).map((r) => [r.key, Number(r.n)]));
    return { deniedByRule: of('denied'), callOutcomes: of('call_outcome'), sentByChannel: of('sent') };
  }
}
