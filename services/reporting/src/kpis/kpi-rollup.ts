/**
 * The KPI rollup: per tenant, account group (currency, segment, model version — what a KPI query
 * filters accounts by) and day, the sums a KPI query needs, so that a query over a period adds up
 * at most days × groups rows instead of reading every fact of every account.
 *
 * What an account adds to the rollup is a pure function of its facts (`contributionSql`). The
 * projections keep the rollup equal to Σ over accounts of that function without recomputing it:
 * in the transaction that writes a fact they append the account's contribution before the write
 * with sign −1 and after it with sign +1 to `kpi_rollup_delta` (only the kinds the fact can
 * change); a KPI query first folds the tenant's appended deltas into `kpi_rollup`. A redelivered,
 * republished, late or out-of-order event therefore moves the rollup exactly as far as it moves
 * the facts, and a fact that changes what group an account is in (its opening, its segment)
 * moves all of the account's contribution from the old group to the new one.
 *
 * Kinds (d1, d2, k1, k2 → n, v; days are UTC):
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
 * - `aging_bucket`: bucket, days past due → aging facts (tenant-wide, no group; the bucket order).
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
] as const;
export type RollupKind = (typeof ROLLUP_KINDS)[number];

/** The rollup's columns, in the order every contribution query selects them. */
export const ROLLUP_COLUMNS = 'tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2, n, v';
const KEY = 'tenant_id, currency, segment, model_version, kind, d1, d2, k1, k2';

const G = 'a.tenant_id, a.currency, a.segment, a.model_version';
const utcDay = (col: string) => `(${col} AT TIME ZONE 'UTC')::date`;

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
};

/**
 * The accounts in scope with their group: opened (a KPI counts no account before its opening
 * fact) and in a currency. Segment and model version are '' when unknown (a filter never names '').
 */
const ACCT = `acct AS (
  SELECT tenant_id, account_id, opened_on, rtrim(currency) AS currency,
         coalesce(segment, '') AS segment, coalesce(model_version, '') AS model_version
    FROM account_fact WHERE opened_on IS NOT NULL AND currency IS NOT NULL AND SCOPE)`;

/** Payments of the accounts in their currency, net of their reversals, by posting day. */
const NET = `net AS (
  SELECT ${G}, a.opened_on, ${utcDay('p.posted_at')} AS paid_on,
         p.amount_minor - coalesce(r.amount_minor, 0) AS amount_minor
    FROM acct a JOIN payment_fact p ON p.tenant_id = a.tenant_id AND p.account_id = a.account_id AND p.currency = a.currency
    LEFT JOIN payment_reversal_fact r ON r.tenant_id = p.tenant_id AND r.payment_id = p.payment_id)`;

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
 * (not summed). `function`: the body of `kpi_append_contribution` below (its arguments p_tenant,
 * p_accounts, p_kinds — only those kinds are computed — and p_sign, 1 or −1, multiplying n and v);
 * `all`: every account of every tenant, sign 1.
 */
export function contributionSql(kinds: readonly RollupKind[], scope: 'function' | 'all'): string {
  const fn = scope === 'function';
  const where = fn ? 'tenant_id = p_tenant AND account_id = ANY(p_accounts)' : 'true';
  const sign = fn ? 'p_sign' : '1';
  const ctes = [ACCT.replace('SCOPE', () => where)];
  if (kinds.includes('cohort') || kinds.includes('collected')) ctes.push(NET);
  if (kinds.includes('aging_pair')) ctes.push(AGING);
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
 * Appends the accounts' contribution of some kinds, times a sign, to the deltas. A PL/pgSQL
 * function so that the plan of this long statement (~100 ms to plan) is made once per connection,
 * not per event: generic from the first call (kinds not asked for are one-time filters; every
 * fact is reached by its account's index).
 */
export const CONTRIBUTION_FUNCTION_SQL = `CREATE OR REPLACE FUNCTION kpi_append_contribution(
    p_tenant text, p_accounts text[], p_kinds text[], p_sign bigint) RETURNS void LANGUAGE plpgsql
    SET plan_cache_mode = force_generic_plan AS $fn$
  BEGIN
    INSERT INTO kpi_rollup_delta (${ROLLUP_COLUMNS}) ${contributionSql(ROLLUP_KINDS, 'function')};
  END $fn$`;

/** Rebuilds the whole rollup from the facts (a migration's backfill; the bench's seed). */
export const REBUILD_ROLLUP_SQL = [
  'TRUNCATE kpi_rollup, kpi_rollup_delta',
  `INSERT INTO kpi_rollup (${ROLLUP_COLUMNS})
   SELECT ${KEY}, sum(n), sum(v) FROM (${contributionSql(ROLLUP_KINDS, 'all')}) c GROUP BY ${KEY}`,
];

/** Folds a tenant's appended deltas into the rollup (in key order, so two folds never deadlock). */
export const FOLD_DELTAS_SQL = `WITH d AS (DELETE FROM kpi_rollup_delta WHERE tenant_id = $1 RETURNING *)
  INSERT INTO kpi_rollup (${ROLLUP_COLUMNS})
  SELECT ${KEY}, sum(n), sum(v) FROM d GROUP BY ${KEY} HAVING sum(n) <> 0 OR sum(v) <> 0 ORDER BY ${KEY}
  ON CONFLICT (${KEY}) DO UPDATE SET n = kpi_rollup.n + excluded.n, v = kpi_rollup.v + excluded.v`;

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Writes a fact (`write`) and appends what it changed in the rollup: the accounts' contribution
 * of the given kinds before the write, negated, and after it.
 */
export async function withKpiRollup(
  tx: Queryable,
  tenantId: string,
  accountIds: readonly string[],
  kinds: readonly RollupKind[],
  write: () => Promise<unknown>,
): Promise<void> {
  const ids = [...new Set(accountIds.filter((id) => id))];
  if (ids.length === 0) {
    await write();
    return;
  }
  const append = 'SELECT kpi_append_contribution($1, $2, $3, $4)';
  await tx.query(append, [tenantId, ids, kinds, -1]);
  await write();
  await tx.query(append, [tenantId, ids, kinds, 1]);
}
