import { Topic } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { projectKpiFacts } from './kpis/project-kpi-facts.consumer';
import { ReportingBusinessMetrics } from './metrics/business.metrics';
import { ReportingInitial1763900005000 } from './migrations/1763900005000-reporting-initial';
import { ReportingKpiReadModel1763900006000 } from './migrations/1763900006000-reporting-kpi-read-model';
import { projectEvents } from './recovery/project-events.consumer';
import { ReportingGrpcController } from './recovery/reporting.grpc';

/** Every projection of the read model: the recovery summary's and the KPIs'. */
export const reportingHandlers: EventHandlers = { ...projectEvents, ...projectKpiFacts };

export const REPORTING_TOPICS = [
  Topic.LedgerAccount,
  Topic.LedgerBalance,
  Topic.LedgerDebtor,
  Topic.LedgerPayment,
  Topic.ScoringScore,
  Topic.OrchestratorContact,
  Topic.PromisesPromise,
];

/** services/reporting: a read model of events and the KPIs over it (walking skeleton: recovery). */
export const reportingService: ServiceDefinition = {
  name: 'reporting',
  migrations: [ReportingInitial1763900005000, ReportingKpiReadModel1763900006000],
  module: (ctx) => ({
    module: class ReportingModule {},
    controllers: [ReportingGrpcController],
    providers: [{ provide: SERVICE_CONTEXT, useValue: ctx }, ReportingBusinessMetrics],
  }),
  consumers: (ctx) => {
    ctx.backbone.consume({ topics: REPORTING_TOPICS, handlers: reportingHandlers });
  },
};
