export { REPORTING_CONSUMER, REPORTING_TOPICS, reportingHandlers, reportingService } from './reporting.service';
export { KpisRepository } from './kpis/kpis.repository';
export { GetKpisUseCase } from './kpis/usecases/get-kpis/get-kpis.usecase';
export { GetKpisCommand } from './kpis/usecases/get-kpis/get-kpis.command';
export { REBUILD_ROLLUP_SQL } from './kpis/kpi-rollup';
export { kpiReport } from './kpis/domain/kpi-report';
export { channelCost } from './kpis/domain/channel-costs';
export { kpiReportFromFacts } from './kpis/kpi-report-from-facts';
