import { EntityManager } from 'typeorm';
import { preparedQuery } from '@collections/runtime';
import { SegmentRule, SegmentRuleSet } from './domain/segment-rules';
import { noteScoreWritten } from './score-writes';

/** A stored score row, as the gRPC and REST adapters answer it. */
export interface ScoreRow {
  account_id: string;
  probability_to_pay: number;
  segment: number;
  segment_rule: string;
  model_version: string;
  reasons: string[];
  imputed_features: string[];
  scored_at: Date;
  currency: string | null;
  balance_minor: string | null;
  days_past_due: number;
  expected_recovery_minor: string | null;
  priority: number;
  model_arm: string;
  challenger_model_version: string | null;
  challenger_probability_to_pay: number | null;
  challenger_segment: number | null;
  challenger_reasons: string[] | null;
}

export type NewScoreRow = Omit<ScoreRow, 'balance_minor' | 'expected_recovery_minor'> & {
  tenant_id: string;
  balance_minor: number | null;
  expected_recovery_minor: number | null;
};

export interface HistoryRows {
  /** `time_zone` null: AccountOpened gave none, or was seen only before scoring kept time zones. */
  profile: { currency: string; credit_limit_minor: string; time_zone: string | null } | undefined;
  cycles: { statement_month: string; bill_minor: string; reported_status: number | null }[];
  /** Each payment's posting instant (milliseconds since the epoch) and amount; months are the account's (`paidByMonth`). */
  payments: { posted_at_ms: number; effective_date: string | null; paid_minor: string }[];
}

/** What scoring one account reads (`scoringFacts`). */
export interface ScoringFacts extends HistoryRows {
  standing: StandingRow | undefined;
  segment: number | undefined;
}

export interface StandingRow {
  currency: string | null;
  balance_minor: string | null;
  days_past_due: number;
}

const SCORE_COLUMNS = [
  'tenant_id',
  'account_id',
  'probability_to_pay',
  'segment',
  'segment_rule',
  'model_version',
  'reasons',
  'imputed_features',
  'scored_at',
  'currency',
  'balance_minor',
  'days_past_due',
  'expected_recovery_minor',
  'priority',
  'model_arm',
  'challenger_model_version',
  'challenger_probability_to_pay',
  'challenger_segment',
  'challenger_reasons',
] as const;

const SCORES_BY_KEYS = `SELECT s.* FROM account_score s
  JOIN unnest($1::text[], $2::text[]) AS k (tenant_id, account_id) USING (tenant_id, account_id)`;

/** The scores module's queries (feature store, standing, rule sets, scores); it decides nothing. */
export class ScoresRepository {
  /** Serialises rescoring of one account across consumers of different topics (until commit). */
  async lockAccount(tx: EntityManager, tenantId: string, accountId: string): Promise<void> {
    // two int4 keys (tenant, account): a hash collision only serialises two unrelated accounts, never breaks anything
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))`, [tenantId, accountId]);
  }

  /** `lockAccount` for many accounts of a tenant, in one order (sorted), so two batches never wait on each other in a cycle. */
  async lockAccounts(tx: EntityManager, tenantId: string, accountIds: readonly string[]): Promise<void> {
    await tx.query(
      `SELECT count(pg_advisory_xact_lock(hashtext($1), hashtext(a)))
         FROM (SELECT a FROM unnest($2::text[]) AS a ORDER BY hashtext(a), a) k`,
      [tenantId, [...accountIds]],
    );
  }

  /**
   * What scoring an account reads, for many accounts of a tenant in one round trip: its history
   * (profile with its time zone, cycles, payments with their posting time), its standing and its
   * current segment. Accounts without a profile (AccountOpened not seen yet) have `profile` undefined.
   */
  async scoringFacts(
    tx: EntityManager,
    tenantId: string,
    accountIds: readonly string[],
  ): Promise<Map<string, ScoringFacts>> {
    const rows = (await tx.query(
      `SELECT k.account_id,
         (SELECT row_to_json(p) FROM (SELECT currency, credit_limit_minor::text, time_zone FROM account_profile
            WHERE tenant_id = $1 AND account_id = k.account_id) p) AS profile,
         (SELECT coalesce(json_agg(c), '[]') FROM (SELECT statement_month, bill_minor::text, reported_status FROM account_cycle
            WHERE tenant_id = $1 AND account_id = k.account_id) c) AS cycles,
         (SELECT coalesce(json_agg(m), '[]') FROM (SELECT (extract(epoch FROM posted_at) * 1000)::float8 AS posted_at_ms,
              to_char(effective_date, 'YYYY-MM-DD') AS effective_date, paid_minor::text FROM account_payment
            WHERE tenant_id = $1 AND account_id = k.account_id) m) AS payments,
         (SELECT row_to_json(s) FROM (SELECT currency, balance_minor::text, days_past_due FROM account_standing
            WHERE tenant_id = $1 AND account_id = k.account_id) s) AS standing,
         (SELECT segment FROM account_score WHERE tenant_id = $1 AND account_id = k.account_id) AS segment
       FROM unnest($2::text[]) AS k(account_id)`,
      [tenantId, [...accountIds]],
    )) as (HistoryRows & { account_id: string; standing: StandingRow | null; segment: number | null })[];
    return new Map(
      rows.map((r) => [
        r.account_id,
        {
          profile: r.profile ?? undefined,
          cycles: r.cycles,
          payments: r.payments,
          standing: r.standing ?? undefined,
          segment: r.segment ?? undefined,
        },
      ]),
    );
  }

  /**
   * What the ledger told of the accounts' standing (distinct accounts), in one statement: a
   * balance (BalanceChanged: with its currency and days past due) or days past due alone
   * (DelinquencyChanged: the balance kept).
   */
  async saveStandings(
    tx: EntityManager,
    rows: readonly {
      tenantId: string;
      accountId: string;
      daysPastDue: number;
      balance?: { currency: string; minor: number };
    }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO account_standing (tenant_id, account_id, currency, balance_minor, days_past_due)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[])
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET
         currency = CASE WHEN EXCLUDED.balance_minor IS NULL THEN account_standing.currency ELSE EXCLUDED.currency END,
         balance_minor = coalesce(EXCLUDED.balance_minor, account_standing.balance_minor),
         days_past_due = EXCLUDED.days_past_due`,
      [
        rows.map((r) => r.tenantId),
        rows.map((r) => r.accountId),
        rows.map((r) => r.balance?.currency ?? null),
        rows.map((r) => r.balance?.minor ?? null),
        rows.map((r) => r.daysPastDue),
      ],
    );
  }

  async ruleSet(tx: EntityManager, tenantId: string): Promise<SegmentRuleSet | undefined> {
    const [row] = (await tx.query(`SELECT rules, default_segment, version FROM segment_rule_set WHERE tenant_id = $1`, [
      tenantId,
    ])) as { rules: SegmentRule[]; default_segment: number; version: number }[];
    return row && { rules: row.rules, defaultSegment: row.default_segment as never, version: row.version };
  }

  /** Stores the tenant's rules with the next version number, and returns that number. */
  async saveRuleSet(
    tx: EntityManager,
    tenantId: string,
    rules: Pick<SegmentRuleSet, 'rules' | 'defaultSegment'>,
    at: Date,
  ): Promise<number> {
    const [{ version }] = (await tx.query(
      `INSERT INTO segment_rule_set (tenant_id, rules, default_segment, version, updated_at) VALUES ($1, $2, $3, 1, $4)
       ON CONFLICT (tenant_id) DO UPDATE SET rules = EXCLUDED.rules, default_segment = EXCLUDED.default_segment,
         version = segment_rule_set.version + 1, updated_at = EXCLUDED.updated_at
       RETURNING version`,
      [tenantId, JSON.stringify(rules.rules), rules.defaultSegment, at],
    )) as { version: number }[];
    return version;
  }

  /** The accounts' scores (distinct accounts), in one statement. */
  async saveScores(tx: EntityManager, rows: readonly NewScoreRow[]): Promise<void> {
    if (rows.length === 0) return;
    const updates = SCORE_COLUMNS.slice(2)
      .map((c) => `${c} = EXCLUDED.${c}`)
      .join(', ');
    await tx.query(
      `INSERT INTO account_score (${SCORE_COLUMNS.join(', ')})
       SELECT ${SCORE_COLUMNS.join(', ')} FROM jsonb_populate_recordset(NULL::account_score, $1::jsonb)
       ON CONFLICT (tenant_id, account_id) DO UPDATE SET ${updates}`,
      [JSON.stringify(rows.map((r) => Object.fromEntries(SCORE_COLUMNS.map((c) => [c, r[c]]))))],
    );
    for (const r of rows) noteScoreWritten(tx, r.tenant_id, r.account_id);
  }

  /** A page of the tenant's scored account ids, in id order, after `after`. */
  async scoredAccountIds(tx: EntityManager, tenantId: string, after: string, limit: number): Promise<string[]> {
    const rows = (await tx.query(
      `SELECT account_id FROM account_score WHERE tenant_id = $1 AND account_id > $2 ORDER BY account_id LIMIT $3`,
      [tenantId, after, limit],
    )) as { account_id: string }[];
    return rows.map((r) => r.account_id);
  }

  async saveSegments(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    segments: { segment: number; segmentRule: string; challengerSegment: number | null },
  ): Promise<void> {
    await tx.query(
      `UPDATE account_score SET segment = $3, segment_rule = $4, challenger_segment = $5 WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId, segments.segment, segments.segmentRule, segments.challengerSegment],
    );
    noteScoreWritten(tx, tenantId, accountId);
  }

  /**
   * The stored scores of these (tenant, account) pairs, whatever tenants they name, in one round
   * trip: keyed by tenant, then account id (missing ones are absent). Outside a transaction it runs
   * as a named prepared statement straight on the pool where the database allows it: the
   * ScoreAccount hot path then skips TypeORM's per-query runner and PostgreSQL's parse/plan of the
   * same text on every call.
   */
  async scores(
    tx: EntityManager,
    keys: readonly { tenantId: string; accountId: string }[],
  ): Promise<Map<string, Map<string, ScoreRow>>> {
    const rows = await preparedQuery<ScoreRow & { tenant_id: string }>(tx, SCORES_BY_KEYS, [
      keys.map((k) => k.tenantId),
      keys.map((k) => k.accountId),
    ]);
    const byTenant = new Map<string, Map<string, ScoreRow>>();
    for (const row of rows) {
      let tenant = byTenant.get(row.tenant_id);
      if (!tenant) byTenant.set(row.tenant_id, (tenant = new Map()));
      tenant.set(row.account_id, row);
    }
    return byTenant;
  }

  async score(tx: EntityManager, tenantId: string, accountId: string): Promise<ScoreRow | undefined> {
    const [row] = (await tx.query(`SELECT * FROM account_score WHERE tenant_id = $1 AND account_id = $2`, [
      tenantId,
      accountId,
    ])) as ScoreRow[];
    return row;
  }
}
