/**
 * The KPI rollup: per tenant, account group (currency, segment, model version — what a KPI query
 * filters accounts by) and day, the sums a KPI query needs, so that a query over a period adds up
 * at most days × groups rows instead of reading every fact of every account.
 *
 * What an account adds to the rollup is a pure function of its facts (`contributionSql`). The
 * projections keep the rollup equal to Σ over accounts of that function without recomputing it
 * (`withKpiRollup`): in the transaction that writes a batch of facts they compute, once for the
 * batch, the contribution of every account the batch touches before the writes and after them
 * (only the kinds the batch's facts can change), and add the difference, summed by key, to
 * `kpi_rollup`. A redelivered, republished, late or out-of-order event therefore moves the rollup
 * exactly as far as it moves the facts, and a fact that changes what group an account is in (its
 * opening, its segment) moves all of the account's contribution from the old group to the new
 * one. A KPI query reads `kpi_rollup` as it is.
 *
 * Kinds (d1, d2, k1, k2 → n, v; days are UTC, but a payment's day is its `paid_on`):
 * - `placed`: opening day → accounts, balance owed at the end of the opening day;
 * - `cohort`: opening day, payment day → net collected (payments net of their reversals);
 * - `collected`: payment day → net collected;
 * - `receivable`: day → change of Σ the latest balance dated on or before the day;
 * - `billed`: statement day → amount due;
 * - `aging_pair`: corner (x, y) of the days on which the account was in bucket k1 on day x and
 *   in bucket k2 on day y → ±1, so that Σ over x ≤ t1, y ≤ t2 counts the accounts in k1 on t1 and
 *   in k2 on t2 (t1 < t2; a two-dimensional prefix sum of one rectangle per pair of aging spans);
 * - `decision`: decision day, channel, allowed ('t'/'f') → decisions;
 * - `denied`: decision day, channel, rule → refused decisions citing the rule;
 * - `sent`: sent day, channel → contacts sent;
 * - `call_outcome`: recorded day, outcome → call outcomes;
 * - `kept`: kept day → promises kept; `broken`: broken day → promises broken and never kept;
 * - `aging_bucket`: bucket, days past due → aging facts (tenant-wide, no group; the bucket order);
 * - `charged_off`: charge-off day, balance kept ('t' when charged off with its balance kept owed in
 *   the account's currency, else 'f') → accounts charged off, balance kept at charge-off (0 for 'f');
 * - `post_charge_off`: payment day, balance kept (as above) → net collected on a day after the
 *   account's charge-off day;
 * - `offer_expired`: expiry day, kind of offer ('plan', 'settlement') → offers held for a
 *   supervisor that expired with no decision;
 * - `offer_held`: request day, kind of offer → offers held for a supervisor;
 * - `offer_decided`: decision day, kind of offer, decision ('approved', 'rejected') → offers a
 *   supervisor decided on.
 */
export const ROLLUP_KINDS = [
  'placed',
  'cohort',
  'collected',
  'receivable',
  'billed',
  'aging_pair',
  'decision',
  'denied',
  'sent',
  'call_outcome',
  'kept',
  'broken',
  'aging_bucket',
  'charged_off',
  'post_charge_off',
  'offer_expired',
  'offer_held',
  'offer_decided',
] as const;
export type RollupKind = (typeof ROLLUP_KINDS)[number];
/** The kinds before migration 1763900020700 (`offer_held`, `offer_decided`: they read `offer_approval_fact`). */
export const KINDS_BEFORE_OFFER_APPROVALS: readonly RollupKind[] = ROLLUP_KINDS.filter(
  (k) => k !== 'offer_held' && k !== 'offer_decided',
);
/** The kinds before migration 1763900020600 (`offer_expired`, which reads `offer_expiry_fact`). */
export const KINDS_BEFORE_OFFER_EXPIRY: readonly RollupKind[] = KINDS_BEFORE_OFFER_APPROVALS.filter(
  (k) => k !== 'offer_expired',
);
/**
 * The kinds before migration 1763900018800 (the post-charge-off kinds, which read columns of
 * `account_fact` that migration adds): what the migrations before it build the rollup and its
 * functions with.
 */
export const KINDS_BEFORE_CHARGE_OFF: readonly RollupKind[] = KINDS_BEFORE_OFFER_EXPIRY.filter(
  (k) => k !== 'charged_off' && k !== 'post_charge_off',
);

/** The rollup's columns, in the order every contribution query selects them. */
export const ROLLUP_COLUMNS = 'tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2, n, v';
const KEY = 'tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2';

const G = 'a.tenant_id, a.currency, a.segment, a.model_version';
const utcDay = (col: string) => `(${col} AT TIME ZONE 'UTC')::date`;

/**
 * The day a payment (`p`, a payment_fact row) counts on: the day it was made, as projected into
 * `paid_on` (migration 1763900014600). Migrations before that one build the rollup and its
 * function with the day it was dated by until then, `POSTED_UTC_DAY`: its posting day in UTC.
 */
export const PAID_ON = 'p.paid_on';
export const POSTED_UTC_DAY = utcDay('p.posted_at');

/**
 * The day an account (`f`, an account_fact row) was charged off: AccountChargedOff.effective_date, a
 * day of the account's calendar; from an event without one, the day of the event in the account's
 * time zone (UTC while no opening naming one was projected), as a payment's day.
 */
export const chargeOffDay = (f: string) =>
  `coalesce(${f}.charged_off_on, (${f}.charged_off_at AT TIME ZONE coalesce(${f}.time_zone, 'UTC'))::date)`;
/** Whether the account (`f`) was charged off with its balance kept owed in the currency `currency` (SQL). */
export const balanceKeptIn = (f: string, currency: string) =>
  `(${f}.balance_kept_minor IS NOT NULL AND rtrim(${f}.balance_kept_currency) = ${currency})`;

/** One SELECT per kind over the CTEs below, each giving the rollup's columns. */
const PARTS: Record<RollupKind, string> = {
  placed: `SELECT ${G}, 'placed', a.opened_on, a.opened_on, '', '', 1::bigint, coalesce(
      (SELECT b.total_minor FROM balance_fact b
        WHERE b.tenant_id = a.tenant_id AND b.account_id = a.account_id AND b.as_of_date <= a.opened_on
        ORDER BY b.as_of_date DESC, b.event_time DESC, b.caused_by_entry_id DESC LIMIT 1),
      (SELECT b.total_minor FROM balance_fact b WHERE b.tenant_id = a.tenant_id AND b.account_id = a.account_id
        ORDER BY b.as_of_date, b.event_time, b.caused_by_entry_id LIMIT 1), 0)::bigint
    FROM acct a`,
  cohort: `SELECT ${G}, 'cohort', a.opened_on, a.paid_on, '', '', 0::bigint, a.amount_minor FROM net a`,
  collected: `SELECT ${G}, 'collected', a.paid_on, a.paid_on, '', '', 0::bigint, a.amount_minor FROM net a`,
  receivable: `SELECT ${G}, 'receivable', a.as_of_date, a.as_of_date, '', '', 0::bigint,
      a.total_minor - coalesce(lag(a.total_minor) OVER (PARTITION BY a.tenant_id, a.account_id ORDER BY a.as_of_date), 0)
    FROM (SELECT DISTINCT ON (b.tenant_id, b.account_id, b.as_of_date) ${G}, b.account_id, b.as_of_date, b.total_minor
            FROM acct a JOIN balance_fact b
              ON b.tenant_id = a.tenant_id AND b.account_id = a.account_id AND b.currency = a.currency
           ORDER BY b.tenant_id, b.account_id, b.as_of_date, b.event_time DESC, b.caused_by_entry_id DESC) a`,
  billed: `SELECT ${G}, 'billed', s.statement_date, s.statement_date, '', '', 0::bigint, s.amount_due_minor
    FROM acct a JOIN statement_fact s ON s.tenant_id = a.tenant_id AND s.account_id = a.account_id AND s.currency = a.currency`,
  aging_pair: `SELECT ${G}, 'aging_pair', c.x, c.y, a.from_bucket, a.to_bucket, c.w, 0::bigint
    FROM aging_pairs a CROSS JOIN LATERAL (VALUES (a.s1, a.s2, 1::bigint), (a.e1, a.s2, -1::bigint),
                                                  (a.s1, a.e2, -1::bigint), (a.e1, a.e2, 1::bigint)) AS c(x, y, w)
   WHERE c.x IS NOT NULL AND c.y IS NOT NULL`,
  decision: `SELECT ${G}, 'decision', ${utcDay('c.decided_at')}, ${utcDay('c.decided_at')}, c.channel,
      CASE WHEN c.allowed THEN 't' ELSE 'f' END, 1::bigint, 0::bigint
    FROM acct a JOIN contact_fact c ON c.tenant_id = a.tenant_id AND c.account_id = a.account_id`,
  denied: `SELECT ${G}, 'denied', ${utcDay('c.decided_at')}, ${utcDay('c.decided_at')}, c.channel, rule, 1::bigint, 0::bigint
    FROM acct a JOIN contact_fact c ON c.tenant_id = a.tenant_id AND c.account_id = a.account_id
    CROSS JOIN LATERAL unnest(c.denial_rules) AS rule WHERE NOT c.allowed`,
  sent: `SELECT ${G}, 'sent', ${utcDay('s.sent_at')}, ${utcDay('s.sent_at')}, s.channel, '', 1::bigint, 0::bigint
    FROM acct a JOIN contact_sent_fact s ON s.tenant_id = a.tenant_id AND s.account_id = a.account_id`,
  call_outcome: `SELECT ${G}, 'call_outcome', ${utcDay('o.recorded_at')}, ${utcDay('o.recorded_at')}, o.outcome, '', 1::bigint, 0::bigint
    FROM acct a JOIN call_outcome_fact o ON o.tenant_id = a.tenant_id AND o.account_id = a.account_id`,
  kept: `SELECT ${G}, 'kept', ${utcDay('k.kept_at')}, ${utcDay('k.kept_at')}, '', '', 1::bigint, 0::bigint
    FROM acct a JOIN promise_kept_fact k ON k.tenant_id = a.tenant_id AND k.account_id = a.account_id`,
  broken: `SELECT ${G}, 'broken', ${utcDay('b.broken_at')}, ${utcDay('b.broken_at')}, '', '', 1::bigint, 0::bigint
    FROM acct a JOIN promise_broken_fact b ON b.tenant_id = a.tenant_id AND b.account_id = a.account_id
   WHERE NOT EXISTS (SELECT 1 FROM promise_kept_fact k WHERE k.tenant_id = b.tenant_id AND k.promise_id = b.promise_id)`,
  aging_bucket: `SELECT d.tenant_id, '', '', '', 'aging_bucket', date '2000-01-01', date '2000-01-01', d.aging_bucket,
      d.days_past_due::text, 1::bigint, 0::bigint
    FROM delinquency_fact d WHERE SCOPE_D`,
  charged_off: `SELECT ${G}, 'charged_off', a.charged_off_on, a.charged_off_on, a.kept, '', 1::bigint, a.kept_minor
    FROM charge_offs a`,
  post_charge_off: `SELECT ${G}, 'post_charge_off', a.paid_on, a.paid_on, c.kept, '', 0::bigint, a.amount_minor
    FROM net a JOIN charge_offs c ON c.tenant_id = a.tenant_id AND c.account_id = a.account_id
   WHERE a.paid_on > c.charged_off_on`,
  offer_expired: `SELECT ${G}, 'offer_expired', ${utcDay('o.expired_at')}, ${utcDay('o.expired_at')}, o.kind, '', 1::bigint, 0::bigint
    FROM acct a JOIN offer_expiry_fact o ON o.tenant_id = a.tenant_id AND o.account_id = a.account_id`,
  offer_held: `SELECT ${G}, 'offer_held', ${utcDay('o.requested_at')}, ${utcDay('o.requested_at')}, o.kind, '', 1::bigint, 0::bigint
    FROM acct a JOIN offer_approval_fact o ON o.tenant_id = a.tenant_id AND o.account_id = a.account_id`,
  offer_decided: `SELECT ${G}, 'offer_decided', ${utcDay('o.decided_at')}, ${utcDay('o.decided_at')}, o.kind, o.decision,
      1::bigint, 0::bigint
    FROM acct a JOIN offer_approval_fact o ON o.tenant_id = a.tenant_id AND o.account_id = a.account_id
   WHERE o.decided_at IS NOT NULL`,
};

/**
 * The accounts in scope with their group: opened (a KPI counts no account before its opening
 * fact) and in a currency. Segment and model version are '' when unknown (a filter never names '').
 */
const ACCT = `acct AS (
  SELECT tenant_id, account_id, opened_on, rtrim(currency) AS currency,
         coalesce(segment, '') AS segment, coalesce(model_version, '') AS model_version
    FROM account_fact WHERE opened_on IS NOT NULL AND currency IS NOT NULL AND SCOPE)`;

/** Payments of the accounts in their currency, net of their reversals, by the day they count on (`paidOn`). */
const net = (paidOn: string) => `net AS (
  SELECT ${G}, a.account_id, a.opened_on, ${paidOn} AS paid_on,
         p.amount_minor - coalesce(r.amount_minor, 0) AS amount_minor
    FROM acct a JOIN payment_fact p ON p.tenant_id = a.tenant_id AND p.account_id = a.account_id AND p.currency = a.currency
    LEFT JOIN payment_reversal_fact r ON r.tenant_id = p.tenant_id AND r.payment_id = p.payment_id)`;

/** The accounts charged off: their charge-off day and the balance kept owed at it ('t') or none ('f', 0). */
const CHARGE_OFFS = `charge_offs AS (
  SELECT ${G}, a.account_id, ${chargeOffDay('f')} AS charged_off_on,
         CASE WHEN ${balanceKeptIn('f', 'a.currency')} THEN 't' ELSE 'f' END AS kept,
         CASE WHEN ${balanceKeptIn('f', 'a.currency')} THEN f.balance_kept_minor ELSE 0 END::bigint AS kept_minor
    FROM acct a JOIN account_fact f ON f.tenant_id = a.tenant_id AND f.account_id = a.account_id
   WHERE f.charged_off_at IS NOT NULL)`;

/**
 * Each account's aging spans from its opening day (the bucket of its latest aging fact on or
 * before the day, else 'current'; a span ends where the bucket changes, the last never), and
 * every pair of spans (s, e) × (s2, e2) with the second not before the first.
 */
const AGING = `aging_points AS (
  SELECT ${G}, a.account_id, a.opened_on AS start, coalesce(
      (SELECT d.aging_bucket FROM delinquency_fact d
        WHERE d.tenant_id = a.tenant_id AND d.account_id = a.account_id AND d.as_of_date <= a.opened_on
        ORDER BY d.as_of_date DESC LIMIT 1), 'current') AS bucket
    FROM acct a
  UNION ALL
  SELECT ${G}, a.account_id, d.as_of_date, d.aging_bucket
    FROM acct a JOIN delinquency_fact d
      ON d.tenant_id = a.tenant_id AND d.account_id = a.account_id AND d.as_of_date > a.opened_on),
aging_changes AS (
  SELECT *, lag(bucket) OVER (PARTITION BY tenant_id, account_id ORDER BY start) AS previous FROM aging_points),
aging_spans AS (
  SELECT *, lead(start) OVER (PARTITION BY tenant_id, account_id ORDER BY start) AS "end"
    FROM aging_changes WHERE previous IS DISTINCT FROM bucket),
aging_pairs AS (
  SELECT i.tenant_id, i.currency, i.segment, i.model_version, i.bucket AS from_bucket, j.bucket AS to_bucket,
         i.start AS s1, i."end" AS e1, j.start AS s2, j."end" AS e2
    FROM aging_spans i JOIN aging_spans j
      ON j.tenant_id = i.tenant_id AND j.account_id = i.account_id AND j.start >= i.start)`;

/**
 * The contribution of accounts to the rollup, for the given kinds, as rows of ROLLUP_COLUMNS
 * (not summed). `pairs`: the body of `kpi_contribution` below (its arguments p_tenants and
 * p_accounts, parallel arrays naming the accounts, and p_kinds — only those kinds are computed);
 * `function`: the body of the former `kpi_append_contribution` (p_tenant, p_accounts, p_kinds,
 * p_sign; kept for the migration that created it); `all`: every account of every tenant, sign 1.
 * `paidOn`: the day a payment counts on (`PAID_ON`, or `POSTED_UTC_DAY` for the migrations before it).
 */
export function contributionSql(
  kinds: readonly RollupKind[],
  scope: 'pairs' | 'function' | 'all',
  paidOn: string = PAID_ON,
): string {
  const fn = scope !== 'all';
  const where =
    scope === 'pairs'
      ? '(tenant_id, account_id) IN (SELECT * FROM unnest(p_tenants, p_accounts))'
      : scope === 'function'
        ? 'tenant_id = p_tenant AND account_id = ANY(p_accounts)'
        : 'true';
  const sign = scope === 'function' ? 'p_sign' : '1';
  const ctes = [ACCT.replace('SCOPE', () => where)];
  if (kinds.includes('cohort') || kinds.includes('collected') || kinds.includes('post_charge_off'))
    ctes.push(net(paidOn));
  if (kinds.includes('aging_pair')) ctes.push(AGING);
  if (kinds.includes('charged_off') || kinds.includes('post_charge_off')) ctes.push(CHARGE_OFFS);
  const scopeD = where.replace(/\b(tenant_id|account_id)\b/g, (col) => `d.${col}`);
  const parts = kinds.map((k) => {
    const part = PARTS[k].replace('SCOPE_D', () => scopeD);
    // A kind not asked for is a one-time filter: its part (and the CTEs only it reads) never runs.
    return fn ? `SELECT * FROM (${part}) AS ${k} WHERE p_kinds @> ARRAY['${k}']` : part;
  });
  return `WITH ${ctes.join(',\n')}
    SELECT tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2, ${sign} * n AS n, ${sign} * v AS v
      FROM (${parts.join('\n UNION ALL ')}) AS c(tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2, n, v)`;
}

/**
 * The former per-event function (migration 1763900008100 created it, 1763900009000 drops it):
 * appended the accounts' contribution of some kinds, times a sign, to `kpi_rollup_delta`. It dates
 * payments as it did then (`POSTED_UTC_DAY`).
 */
export const APPEND_CONTRIBUTION_FUNCTION_SQL = `CREATE OR REPLACE FUNCTION kpi_append_contribution(
    p_tenant text, p_accounts text[], p_kinds text[], p_sign bigint) RETURNS void LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan AS $fn$
  BEGIN
    INSERT INTO kpi_rollup_delta (${ROLLUP_COLUMNS}) ${contributionSql(KINDS_BEFORE_CHARGE_OFF, 'function', POSTED_UTC_DAY)};
  END $fn$`;

/**
 * The accounts' contribution of some kinds, summed by rollup key: the rows the rollup holds for
 * them alone. A PL/pgSQL function so that the plan of this long statement (~100 ms to plan) is
 * made once per connection, not per batch: generic from the first call (kinds not asked for are
 * one-time filters; every fact is reached by its account's index). The function is created by a
 * migration and keeps the SQL of then: a migration that changes what it computes creates it again
 * (`paidOn` as in `contributionSql`; `kinds`: the kinds of then, `KINDS_BEFORE_CHARGE_OFF` before 1763900018800).
 */
export const contributionFunctionSql = (
  paidOn: string = PAID_ON,
  kinds: readonly RollupKind[] = ROLLUP_KINDS,
) => `CREATE OR REPLACE FUNCTION kpi_contribution(
    p_tenants text[], p_accounts text[], p_kinds text[]) RETURNS SETOF kpi_rollup LANGUAGE plpgsql STABLE
    SET plan_cache_mode = force_generic_plan AS $fn$
  BEGIN
    RETURN QUERY SELECT ${KEY}, sum(n)::bigint, sum(v)::bigint
      FROM (${contributionSql(kinds, 'pairs', paidOn)}) c GROUP BY ${KEY};
  END $fn$`;
/** The function as the current code computes it. */
export const CONTRIBUTION_FUNCTION_SQL = contributionFunctionSql();

/** Rebuilds the whole rollup from the facts (a migration's backfill; the bench's seed); `paidOn`, `kinds` as above. */
export const rebuildRollupSql = (paidOn: string = PAID_ON, kinds: readonly RollupKind[] = ROLLUP_KINDS) => [
  'TRUNCATE kpi_rollup',
  addToRollupSql(kinds, paidOn),
];
/** Adds every account's contribution of some kinds to the rollup (a migration's backfill of kinds it introduces). */
export const addToRollupSql = (kinds: readonly RollupKind[], paidOn: string = PAID_ON) =>
  `INSERT INTO kpi_rollup (${ROLLUP_COLUMNS})
   SELECT ${KEY}, sum(n), sum(v) FROM (${contributionSql(kinds, 'all', paidOn)}) c GROUP BY ${KEY}`;
/** The rebuild as the current code computes it. */
export const REBUILD_ROLLUP_SQL = rebuildRollupSql();

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * A multi-row write of a batch: `rows` (each holding one value per entry of `types`) reach the
 * statement `sql(u)` as `u`, an `unnest(…)` of one typed array per column.
 */
export interface BatchWrite {
  types: string[];
  rows: unknown[][];
  sql: (u: string) => string;
}

/** What a batch of facts can change in the rollup: its accounts, and the kinds its facts bear on. */
export interface RollupScope {
  /** The accounts the facts name (parallel arrays). */
  tenants: string[];
  accounts: string[];
  /** Payments reversed and promises kept by the batch: their accounts are in scope too. */
  reversed: { tenants: string[]; paymentIds: string[] };
  kept: { tenants: string[]; promiseIds: string[] };
  kinds: ReadonlySet<RollupKind>;
}

/** Numbered parameters of one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/**
 * The accounts in scope ($ parameters added to `p`): those the facts name, and those reached
 * through another fact (the payment a reversal nets, the broken promise a kept one cancels).
 */
function scopeCte(scope: RollupScope, p: Params): string {
  return `scope AS MATERIALIZED (
      SELECT t, a FROM unnest(${p.add(scope.tenants, 'text[]')}, ${p.add(scope.accounts, 'text[]')}) AS e(t, a)
      UNION SELECT f.tenant_id, f.account_id FROM payment_fact f
        JOIN unnest(${p.add(scope.reversed.tenants, 'text[]')}, ${p.add(scope.reversed.paymentIds, 'text[]')})
          AS r(tenant_id, payment_id) USING (tenant_id, payment_id)
      UNION SELECT f.tenant_id, f.account_id FROM promise_broken_fact f
        JOIN unnest(${p.add(scope.kept.tenants, 'text[]')}, ${p.add(scope.kept.promiseIds, 'text[]')})
          AS k(tenant_id, promise_id) USING (tenant_id, promise_id))`;
}

const contributionOf = (scope: RollupScope, p: Params) =>
  `kpi_contribution((SELECT coalesce(array_agg(t ORDER BY t, a), '{}') FROM scope WHERE a <> ''),
                    (SELECT coalesce(array_agg(a ORDER BY t, a), '{}') FROM scope WHERE a <> ''),
                    ${p.add(
                      ROLLUP_KINDS.filter((k) => scope.kinds.has(k)),
                      'text[]',
                    )})`;

/** Rollup rows as the database gives them (dates as text). */
type RollupRow = {
  tenant_id: string;
  currency: string;
  segment: string;
  model_version: string;
  kind: string;
  d1: string;
  d2: string;
  k1: string;
  k2: string;
  n: string;
  v: string;
};

/**
 * Writes a batch of facts and moves the rollup as far as they move the facts. What an account adds
 * to the rollup is a function of its own facts, so a batch locks the accounts in its scope (their
 * `kpi_account_lock` rows, in key order, held to the commit): batches of one tenant (several
 * partitions, several topics) that touch different accounts go side by side, and two that share an
 * account take turns on it, so that what one reads as "before" never misses what the other wrote.
 * Four statements:
 * 1. the scope — the accounts the facts name, and those reached through earlier facts (the payment a
 *    reversal nets, the broken promise a kept one cancels) — with a lock row added for a new account;
 * 2. the locks, in key order;
 * 3. the writes, each a data-modifying CTE of one statement that also reads the accounts'
 *    contribution before them (every part of a statement sees the same snapshot, taken before its
 *    writes and after the locks);
 * 4. the contribution after them less the one before, summed by key and added to the rollup (in key
 *    order: concurrent batches meet on the rollup's rows in one order).
 * Statements 3 and 4 work the scope out again in their own snapshot. Should it have grown past the
 * accounts locked — another batch committed, in between, the payment this batch's reversal nets —
 * the batch fails as a whole (nothing of it stays) and the consumer applies it again.
 */
export async function writeWithKpiRollup(tx: Queryable, scope: RollupScope, writes: BatchWrite[]): Promise<void> {
  const locked = scope.kinds.size > 0 && scope.accounts.length > 0 ? await lockScope(tx, scope) : undefined;
  const p = new Params();
  const ctes: string[] = [];
  if (locked) {
    ctes.push(scopeCte(scope, p), unlockedCte(locked, p));
    ctes.push(`before AS MATERIALIZED (SELECT * FROM ${contributionOf(scope, p)})`);
  }
  for (const w of writes) {
    if (w.rows.length === 0) continue;
    const u = `unnest(${w.types
      .map((type, c) =>
        p.add(
          w.rows.map((r) => r[c]),
          `${type}[]`,
        ),
      )
      .join(', ')})`;
    ctes.push(`w${ctes.length} AS (${w.sql(u)})`);
  }
  if (ctes.length === 0) return;
  if (!locked) {
    await tx.query(`WITH ${ctes.join(',\n')}\nSELECT 1`, p.values);
    return;
  }
  // One row per contribution, each with the count of accounts in scope but not locked; one row of
  // nulls with that count when nothing contributed.
  const answer = (await tx.query(
    `WITH ${ctes.join(',\n')}
     SELECT b.tenant_id, b.currency, b.segment, b.model_version, b.kind, b.d1::text, b.d2::text, b.k1, b.k2, b.n, b.v,
            u.unlocked
       FROM (SELECT count(*)::int AS unlocked FROM unlocked) u LEFT JOIN before b ON true`,
    p.values,
  )) as (RollupRow & { unlocked: number })[];
  requireLocked(answer[0].unlocked);
  const before = answer.filter((r) => r.kind !== null);
  const q = new Params();
  const col = (c: keyof RollupRow, type: string) =>
    q.add(
      before.map((r) => r[c]),
      type,
    );
  const [{ unlocked }] = (await tx.query(
    `WITH ${scopeCte(scope, q)}, ${unlockedCte(locked, q)},
     moved AS (
       INSERT INTO kpi_rollup AS r (${ROLLUP_COLUMNS})
       SELECT ${KEY}, sum(n), sum(v) FROM (
         SELECT * FROM ${contributionOf(scope, q)}
         UNION ALL
         SELECT ${KEY}, -n, -v
           FROM unnest(${col('tenant_id', 'text[]')}, ${col('currency', 'text[]')}, ${col('segment', 'text[]')},
                       ${col('model_version', 'text[]')}, ${col('kind', 'text[]')}, ${col('d1', 'date[]')},
                       ${col('d2', 'date[]')}, ${col('k1', 'text[]')}, ${col('k2', 'text[]')}, ${col('n', 'bigint[]')},
                       ${col('v', 'bigint[]')}) AS prior(${ROLLUP_COLUMNS})
       ) AS c GROUP BY ${KEY} HAVING sum(n) <> 0 OR sum(v) <> 0 ORDER BY ${KEY}
       ON CONFLICT (${KEY}) DO UPDATE SET n = r.n + excluded.n, v = r.v + excluded.v)
     SELECT count(*)::int AS unlocked FROM unlocked`,
    q.values,
  )) as { unlocked: number }[];
  requireLocked(unlocked);
}

/** The accounts of a batch's scope (tenants and accounts, parallel, in key order), each locked. */
interface LockedAccounts {
  tenants: string[];
  accounts: string[];
}

/**
 * Statements 1 and 2 of `writeWithKpiRollup`. After the first, every account of the scope has a lock
 * row this transaction can see: added by it, or committed (an insert meeting one another batch is
 * adding waits for that batch's end). Both go in key order, as every batch does, so that two batches
 * wanting the same accounts queue rather than deadlock.
 */
async function lockScope(tx: Queryable, scope: RollupScope): Promise<LockedAccounts> {
  const p = new Params();
  const rows = (await tx.query(
    `WITH ${scopeCte(scope, p)},
     added AS (INSERT INTO kpi_account_lock (tenant_id, account_id)
               SELECT t, a FROM scope WHERE a <> '' ORDER BY t, a ON CONFLICT DO NOTHING)
     SELECT t, a FROM scope WHERE a <> '' ORDER BY t, a`,
    p.values,
  )) as { t: string; a: string }[];
  const locked = { tenants: rows.map((r) => r.t), accounts: rows.map((r) => r.a) };
  await tx.query(
    `SELECT count(*) FROM (
       SELECT 1 FROM kpi_account_lock l JOIN unnest($1::text[], $2::text[]) AS k(t, a) ON l.tenant_id = k.t AND l.account_id = k.a
        ORDER BY l.tenant_id, l.account_id FOR UPDATE OF l) AS locked`,
    [locked.tenants, locked.accounts],
  );
  return locked;
}

/** The accounts the statement's own scope holds and the batch did not lock. */
const unlockedCte = (locked: LockedAccounts, p: Params) =>
  `unlocked AS (SELECT t, a FROM scope WHERE a <> ''
                EXCEPT SELECT * FROM unnest(${p.add(locked.tenants, 'text[]')}, ${p.add(locked.accounts, 'text[]')}))`;

function requireLocked(unlocked: number): void {
  if (unlocked > 0) {
    throw new Error(
      `the KPI rollup's scope grew by ${unlocked} account(s) after the batch locked its accounts; the batch is applied again`,
    );
  }
}
