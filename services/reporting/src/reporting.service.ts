import { Topic } from '@collections/contracts';
import { int, loadConfig, openApiController } from '@collections/platform';
import { EventHandlers } from '@collections/messaging';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { ForecastRepository } from './forecast/forecast.repository';
import {
  FORECAST_SNAPSHOTS,
  FORECAST_SNAPSHOT_CHECK_MS,
  ForecastSnapshotScheduler,
  TakeForecastSnapshotsUseCase,
} from './forecast/usecases/take-forecast-snapshots.usecase';
import { databaseTimeZones } from './kpis/database-time-zones';
import { projectKpiFacts, projectReadModel } from './kpis/project-kpi-facts.consumer';
import { ReportingBusinessMetrics } from './metrics/business.metrics';
import { ReportingInitial1763900005000 } from './migrations/1763900005000-reporting-initial';
import { ReportingKpiReadModel1763900006000 } from './migrations/1763900006000-reporting-kpi-read-model';
import { ReportingForecastExperiments1763900007300 } from './migrations/1763900007300-reporting-forecast-experiments';
import { ReportingContactKpis1763900007800 } from './migrations/1763900007800-reporting-contact-kpis';
import { ReportingKpiRollup1763900008100 } from './migrations/1763900008100-reporting-kpi-rollup';
import { ReportingKpiRollupBatches1763900009000 } from './migrations/1763900009000-reporting-kpi-rollup-batches';
import { ReportingKpiAccountLock1763900012100 } from './migrations/1763900012100-reporting-kpi-account-lock';
import { ReportingForecastSettlements1763900013500 } from './migrations/1763900013500-reporting-forecast-settlements';
import { ReportingPaymentPaidOn1763900014600 } from './migrations/1763900014600-reporting-payment-paid-on';
import { ReportingAccountTimeZone1763900014700 } from './migrations/1763900014700-reporting-account-time-zone';
import { ReportingSettlementPayments1763900014800 } from './migrations/1763900014800-reporting-settlement-payments';
import { ReportingPromiseKeptWithdrawn1763900015000 } from './migrations/1763900015000-reporting-promise-kept-withdrawn';
import { ReportingPlanReopened1763900015210 } from './migrations/1763900015210-reporting-plan-reopened';
import { ReportingPostChargeOffRecoveries1763900018800 } from './migrations/1763900018800-reporting-post-charge-off-recoveries';
import { ReportingOfferExpiries1763900020600 } from './migrations/1763900020600-reporting-offer-expiries';
import { ReportingOfferApprovals1763900020700 } from './migrations/1763900020700-reporting-offer-approvals';
import { ReportingGrpcController } from './recovery/reporting.grpc';
import { join } from 'node:path';

/** services/reporting/openapi.yaml (scripts/openapi.mjs), one folder up from both src and dist. */
export const REPORTING_OPENAPI_PATH = join(__dirname, '..', 'openapi.yaml');
/** GET /v1/reporting/openapi.json: the REST API's OpenAPI document, public. */
export const ReportingOpenApiController = openApiController('v1/reporting', REPORTING_OPENAPI_PATH);

/** Every projection of the read model (the KPIs' facts and rollup, the forecast's), an event at a time. */
export const reportingHandlers: EventHandlers = projectKpiFacts;

export const REPORTING_TOPICS: string[] = [
  Topic.LedgerAccount,
  Topic.LedgerBalance,
  Topic.LedgerDebtor,
  Topic.LedgerPayment,
  Topic.ScoringScore,
  Topic.OrchestratorContact,
  Topic.OrchestratorAgent,
  Topic.PromisesPromise,
  Topic.PromisesPlan,
];

/**
 * The read model's consumer: a partition's batch (up to 2,000 records) is projected in one go (one
 * statement writes every table and another moves the KPI rollup, src/kpis/project-kpi-facts.consumer.ts);
 * a failed batch is retried event by event as batches of one.
 */
export const REPORTING_CONSUMER = {
  topics: REPORTING_TOPICS,
  handlers: reportingHandlers,
  wholeBatchHandler: projectReadModel,
  // A batch costs a few statements whatever its size: the larger, the cheaper an event.
  maxBatchSize: 2_000,
};

function loadReportingConfig() {
  return loadConfig({
    // How often the daily forecast snapshot looks at the clock (0: never; snapshots then come only from tests or tools).
    forecastSnapshotCheckMs: int('REPORTING_FORECAST_SNAPSHOT_CHECK_MS', { default: 15 * 60_000, min: 0 }),
  });
}

/** services/reporting: a read model of events, the KPIs, cash forecast and experiment results over it. */
export const reportingService: ServiceDefinition = {
  name: 'reporting',
  migrations: [
    ReportingInitial1763900005000,
    ReportingKpiReadModel1763900006000,
    ReportingForecastExperiments1763900007300,
    ReportingContactKpis1763900007800,
    ReportingKpiRollup1763900008100,
    ReportingKpiRollupBatches1763900009000,
    ReportingKpiAccountLock1763900012100,
    ReportingForecastSettlements1763900013500,
    ReportingPaymentPaidOn1763900014600,
    ReportingAccountTimeZone1763900014700,
    ReportingSettlementPayments1763900014800,
    ReportingPromiseKeptWithdrawn1763900015000,
    ReportingPlanReopened1763900015210,
    ReportingPostChargeOffRecoveries1763900018800,
    ReportingOfferExpiries1763900020600,
    ReportingOfferApprovals1763900020700,
  ],
  module: (ctx) => ({
    module: class ReportingModule {},
    controllers: [ReportingGrpcController, ReportingOpenApiController],
    providers: [
      { provide: SERVICE_CONTEXT, useValue: ctx },
      {
        provide: FORECAST_SNAPSHOTS,
        useValue: new TakeForecastSnapshotsUseCase(ctx, new ForecastRepository(ctx.dataSource)),
      },
      { provide: FORECAST_SNAPSHOT_CHECK_MS, useValue: loadReportingConfig().forecastSnapshotCheckMs },
      ForecastSnapshotScheduler,
      ReportingBusinessMetrics,
    ],
  }),
  consumers: (ctx) => {
    databaseTimeZones.logger = ctx.logger;
    ctx.backbone.consume(REPORTING_CONSUMER);
  },
};
