import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Logger, MetricsRegistry } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { LIVE_MODELS, LiveModel, LiveModels } from '../scores/live-models';
import { InvalidReferenceDistribution, ReferenceDistribution } from './domain/reference-distribution';
import { loadReferenceDistribution } from './reference-file';
import { MonitoringSnapshot, ScoreMonitor } from './score-monitor';
import { ScoreMonitoringRepository } from './score-monitoring.repository';

type Gauge = ReturnType<MetricsRegistry['gauge']>;

/**
 * The champion's reference (read from beside its artifact), keyed by the version string its scores
 * are stored under. Only the champion's scores feed the live population, so the challenger needs
 * none. A missing or stale reference (another artifact shipped without rebuilding it) turns
 * stability monitoring off with a warning rather than stopping the service from scoring.
 */
export function productionReferences(logger: Logger, champion: LiveModel): Map<string, ReferenceDistribution> {
  const file = champion.file;
  if (!file) {
    logger.warn(`champion ${champion.version} has no artifact file: population stability is not reported`);
    return new Map();
  }
  try {
    const reference = loadReferenceDistribution(file, champion.model);
    if (reference) return new Map([[champion.version, reference]]);
    logger.warn(`no reference distribution beside ${file}: population stability is not reported`);
  } catch (error) {
    if (!(error instanceof InvalidReferenceDistribution)) throw error;
    logger.warn(
      { err: error },
      `reference distribution does not fit ${file} (rebuild it with npm run scoring:build-reference): population stability is not reported`,
    );
  }
  return new Map();
}

/**
 * Exports model monitoring as Prometheus gauges computed on each scrape (one database read per
 * scrape for all of them): `scoring_psi{feature}`, `scoring_score_psi`, `scoring_monitored_accounts`,
 * `scoring_auc_matured`, `scoring_calibration_error`, `scoring_matured_outcomes`, each labelled with
 * tenant_id and model_version. A value that cannot be computed (AUC with one class only) is absent.
 */
@Injectable()
export class ScoreMonitoringMetrics implements OnModuleInit {
  readonly monitor: ScoreMonitor;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(LIVE_MODELS) models: LiveModels,
  ) {
    this.monitor = new ScoreMonitor(
      new ScoreMonitoringRepository(ctx.dataSource),
      ctx.clock,
      productionReferences(ctx.logger, models.champion),
    );
  }

  onModuleInit(): void {
    const metrics = this.ctx.metrics;
    const gauge = (
      name: string,
      help: string,
      labelNames: readonly string[],
      fill: (gauge: Gauge, snapshot: MonitoringSnapshot) => void,
    ) =>
      metrics.gauge({
        name,
        help,
        labelNames,
        collect: async (g) => {
          const snapshot = await this.monitor.snapshot();
          g.reset();
          fill(g, snapshot);
        },
      });
    const set = (g: Gauge, labels: Record<string, string>, value: number) => {
      if (Number.isFinite(value)) g.set(labels, value);
    };
    const base = ['tenant_id', 'model_version'];

    gauge(
      'scoring_psi',
      'Population stability index of a feature: live scored accounts against the training reference',
      [...base, 'feature'],
      (g, s) => {
        for (const p of s.stability) {
          for (const [feature, psi] of p.features) {
            set(g, { tenant_id: p.tenantId, model_version: p.modelVersion, feature }, psi);
          }
        }
      },
    );
    gauge(
      'scoring_score_psi',
      'Population stability index of the probability to pay: live scored accounts against the training reference',
      base,
      (g, s) => s.stability.forEach((p) => set(g, { tenant_id: p.tenantId, model_version: p.modelVersion }, p.score)),
    );
    gauge('scoring_monitored_accounts', 'Accounts in the live scored population', base, (g, s) =>
      s.stability.forEach((p) => set(g, { tenant_id: p.tenantId, model_version: p.modelVersion }, p.accounts)),
    );
    gauge(
      'scoring_auc_matured',
      'AUC of the probability of default given at statement time against matured outcomes',
      base,
      (g, s) => s.outcomes.forEach((o) => set(g, { tenant_id: o.tenantId, model_version: o.modelVersion }, o.auc)),
    );
    gauge(
      'scoring_calibration_error',
      'Expected calibration error (10 equal-width bins) of the probability of default on matured outcomes',
      base,
      (g, s) =>
        s.outcomes.forEach((o) => set(g, { tenant_id: o.tenantId, model_version: o.modelVersion }, o.calibrationError)),
    );
    gauge(
      'scoring_matured_outcomes',
      'Matured outcomes (statements with something due whose window has passed) in the lookback',
      base,
      (g, s) => s.outcomes.forEach((o) => set(g, { tenant_id: o.tenantId, model_version: o.modelVersion }, o.n)),
    );
  }
}
