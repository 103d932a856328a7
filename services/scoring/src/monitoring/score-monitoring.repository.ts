import { DataSource, EntityManager } from 'typeorm';
import { AccountHistory, FeatureExtractor } from '../model';
import { ScoreObservation } from './domain/matured-outcome';

const extractor = new FeatureExtractor();

/** Inserts and reads of the monitoring tables; the decisions are in `domain/`. */

/** What is kept of one scoring: the account's latest feature vector and score. */
export interface ScoredFeatures {
  tenantId: string;
  accountId: string;
  modelVersion: string;
  history: AccountHistory;
  probabilityToPay: number;
  scoredAt: Date;
}

/**
 * Keeps each account's latest feature vector and score (the live population of population
 * stability), for many accounts (distinct) in one statement. Vectors go as array literals, so a
 * non-finite value stays NaN or Infinity as the database reads it.
 */
export async function recordScoredFeatures(tx: EntityManager, rows: readonly ScoredFeatures[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO scored_features (tenant_id, account_id, model_version, features, probability_to_pay, scored_at)
     SELECT t, a, m, f::float8[], p, s FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::timestamptz[])
       AS x(t, a, m, f, p, s)
     ON CONFLICT (tenant_id, account_id) DO UPDATE SET model_version = EXCLUDED.model_version,
       features = EXCLUDED.features, probability_to_pay = EXCLUDED.probability_to_pay, scored_at = EXCLUDED.scored_at`,
    [
      rows.map((r) => r.tenantId),
      rows.map((r) => r.accountId),
      rows.map((r) => r.modelVersion),
      rows.map((r) => `{${Array.from(extractor.extract(r.history).values).join(',')}}`),
      rows.map((r) => r.probabilityToPay),
      rows.map((r) => r.scoredAt),
    ],
  );
}

/** Bin counts of one column (a feature by index, or the score) for one tenant and model version. */
export interface BinCountRow {
  tenantId: string;
  modelVersion: string;
  /** Index into the cut lists passed in; the last is the score. */
  column: number;
  bin: number;
  n: number;
}

export class ScoreMonitoringRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Counts the live population per bin, in the database: `width_bucket(x, cuts)` is exactly the bin
   * rule of `binIndex`. `cuts[i]` are the cut points of feature i; the entry after the last feature
   * holds the score's.
   */
  async liveBinCounts(modelVersion: string, cuts: readonly (readonly number[])[]): Promise<BinCountRow[]> {
    const rows = (await this.dataSource.query(
      `WITH edges AS (
         SELECT (t.ord - 1)::int AS column_index,
                ARRAY(SELECT jsonb_array_elements_text(t.value)::float8) AS cuts
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(value, ord)
       )
       SELECT s.tenant_id, s.model_version, e.column_index,
              width_bucket((s.features || s.probability_to_pay)[e.column_index + 1], e.cuts) AS bin,
              count(*)::int AS n
       FROM scored_features s CROSS JOIN edges e
       WHERE s.model_version = $2
       GROUP BY 1, 2, 3, 4`,
      [JSON.stringify(cuts), modelVersion],
    )) as { tenant_id: string; model_version: string; column_index: number; bin: number; n: number }[];
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      modelVersion: r.model_version,
      column: r.column_index,
      bin: r.bin,
      n: r.n,
    }));
  }

  /**
   * Observations whose outcome window ended in (now - lookback, now], each with what was paid
   * inside its window.
   *
   * The window is counted in days of the account's calendar (its time zone, UTC while unknown): a
   * payment counts when the day it was made (`paid_on`) is after the statement's day
   * (`observed_on`, the day of the statement's event time) and no later than that day + horizon.
   * The day a payment was made is its effective date (a bank file posted days later still pays on
   * the day it was made); without one, the day it was posted in the account's zone. Payments without
   * an effective date are judged by that day too rather than by their posting instant: one rule for
   * every payment, the feature store's (`paymentDay`), and a payment at 22:00 on the window's last
   * day in Bogotá counts though it is the next day in UTC. A reversed payment counts with what is left of it (`amount_minor`).
   *
   * When the window has ended is still judged by the event time (observed_at + horizon): the
   * outcome of the statement is recomputed on every read, so a payment of the window's last days
   * posted later still turns it into paid while the observation is in the lookback.
   */
  async maturedObservations(
    now: Date,
    horizonDays: number,
    lookbackDays: number,
  ): Promise<(ScoreObservation & { tenantId: string; accountId: string; modelVersion: string })[]> {
    const rows = (await this.dataSource.query(
      `SELECT o.tenant_id, o.account_id, o.model_version, o.observed_at, o.probability_to_pay, o.minimum_due_minor,
              coalesce((SELECT sum(p.amount_minor) FROM observed_payment p
                        WHERE p.tenant_id = o.tenant_id AND p.account_id = o.account_id
                          AND p.paid_on > o.observed_on
                          AND p.paid_on <= o.observed_on + $2::int), 0) AS paid_minor
       FROM score_observation o
       WHERE o.observed_at + make_interval(days => $2) <= $1
         AND o.observed_at + make_interval(days => $2) > $1::timestamptz - make_interval(days => $3)`,
      [now, horizonDays, lookbackDays],
    )) as {
      tenant_id: string;
      account_id: string;
      model_version: string;
      observed_at: Date;
      probability_to_pay: number;
      minimum_due_minor: string;
      paid_minor: string;
    }[];
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      accountId: r.account_id,
      modelVersion: r.model_version,
      observedAt: r.observed_at,
      probabilityToPay: r.probability_to_pay,
      minimumDueMinor: Number(r.minimum_due_minor),
      paidInWindowMinor: Number(r.paid_minor),
    }));
  }
}
