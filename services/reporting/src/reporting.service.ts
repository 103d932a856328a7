import { Topic } from '@collections/contracts';
import { SERVICE_CONTEXT, ServiceDefinition } from '@collections/runtime';
import { ReportingInitial1763900005000 } from './migrations/1763900005000-reporting-initial';
import { projectEvents } from './recovery/project-events.consumer';
import { ReportingGrpcController } from './recovery/reporting.grpc';

/** services/reporting: a read model of events and the KPIs over it (walking skeleton: recovery). */
export const reportingService: ServiceDefinition = {
  name: 'reporting',
  migrations: [ReportingInitial1763900005000],
  module: (ctx) => ({
    module: class ReportingModule {},
    controllers: [ReportingGrpcController],
    providers: [{ provide: SERVICE_CONTEXT, useValue: ctx }],
  }),
  consumers: (ctx) => {
    ctx.backbone.consume({ topics: [Topic.LedgerPayment, Topic.PromisesPromise], handlers: projectEvents });
  },
};
