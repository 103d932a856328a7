import { performance } from 'node:perf_hooks';
import { Clock, groupBy } from '@collections/platform';
import { DEFAULT_OUTCOME_HORIZON_DAYS, MaturedPerformance, maturedPerformance } from './domain/matured-outcome';
import { populationStabilityIndex } from './domain/population-stability';
import { ReferenceDistribution } from './domain/reference-distribution';
import { BinCountRow, ScoreMonitoringRepository } from './score-monitoring.repository';

/** Matured outcomes whose window ended this long ago or less count towards AUC and calibration. */
export const DEFAULT_LOOKBACK_DAYS = 90;

/** One scrape reads the database once for all gauges: a snapshot is reused this long. */
const SNAPSHOT_REUSE_MS = 1_000;

export interface PopulationStability {
  tenantId: string;
  modelVersion: string;
  accounts: number;
  /** PSI per feature name. */
  features: Map<string, number>;
  score: number;
}

export interface OutcomePerformance extends MaturedPerformance {
  tenantId: string;
  modelVersion: string;
}

export interface MonitoringSnapshot {
  stability: PopulationStability[];
  outcomes: OutcomePerformance[];
}

export interface ScoreMonitorOptions {
  horizonDays?: number;
  lookbackDays?: number;
}

/**
 * PSI per tenant and model version from the database's bin counts. Rows of a model version with no
 * reference are left out: there is nothing to compare them with.
 */
export function stabilityFromBinCounts(
  references: ReadonlyMap<string, ReferenceDistribution>,
  rows: readonly BinCountRow[],
): PopulationStability[] {
  const result: PopulationStability[] = [];
  for (const group of groupBy(rows, (r) => JSON.stringify([r.tenantId, r.modelVersion])).values()) {
    const { tenantId, modelVersion } = group[0];
    const reference = references.get(modelVersion);
    if (!reference) continue;
    const columns = [...reference.features, reference.score];
    const counts = columns.map((c) => new Array<number>(c.proportions.length).fill(0));
    for (const row of group) counts[row.column][row.bin] += row.n;
    const scoreIndex = columns.length - 1;
    result.push({
      tenantId,
      modelVersion,
      accounts: counts[scoreIndex].reduce((sum, n) => sum + n, 0),
      features: new Map(
        reference.features.map((f, i) => [f.name, populationStabilityIndex(f.proportions, counts[i])] as const),
      ),
      score: populationStabilityIndex(reference.score.proportions, counts[scoreIndex]),
    });
  }
  return result;
}

/**
 * Watches the production model: population stability of the live scored population against the
 * training reference, and ranking and calibration on matured outcomes.
 */
export class ScoreMonitor {
  private cached: { at: number; snapshot: Promise<MonitoringSnapshot> } | undefined;
  private readonly horizonDays: number;
  private readonly lookbackDays: number;

  constructor(
    private readonly repository: ScoreMonitoringRepository,
    private readonly clock: Clock,
    /** Reference distribution by model version. */
    private readonly references: ReadonlyMap<string, ReferenceDistribution>,
    options: ScoreMonitorOptions = {},
  ) {
    this.horizonDays = options.horizonDays ?? DEFAULT_OUTCOME_HORIZON_DAYS;
    this.lookbackDays = options.lookbackDays ?? DEFAULT_LOOKBACK_DAYS;
  }

  /** The current snapshot; gauges collected in one scrape share one. */
  snapshot(): Promise<MonitoringSnapshot> {
    const now = performance.now();
    if (this.cached && now - this.cached.at < SNAPSHOT_REUSE_MS) return this.cached.snapshot;
    const snapshot = this.compute();
    this.cached = { at: now, snapshot };
    snapshot.catch(() => {
      if (this.cached?.snapshot === snapshot) this.cached = undefined;
    });
    return snapshot;
  }

  private async compute(): Promise<MonitoringSnapshot> {
    const stability = await this.stability();
    const observations = await this.repository.maturedObservations(
      this.clock.now(),
      this.horizonDays,
      this.lookbackDays,
    );
    const outcomes: OutcomePerformance[] = [];
    for (const group of groupBy(observations, (o) => JSON.stringify([o.tenantId, o.modelVersion])).values()) {
      outcomes.push({
        tenantId: group[0].tenantId,
        modelVersion: group[0].modelVersion,
        ...maturedPerformance(group),
      });
    }
    return { stability, outcomes };
  }

  private async stability(): Promise<PopulationStability[]> {
    const result: PopulationStability[] = [];
    for (const [version, reference] of this.references) {
      const cuts = [...reference.features.map((f) => f.cuts), reference.score.cuts];
      const rows = await this.repository.liveBinCounts(version, cuts);
      result.push(...stabilityFromBinCounts(new Map([[version, reference]]), rows));
    }
    return result;
  }
}
