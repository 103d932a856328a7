export { REPORTING_TOPICS, reportingHandlers, reportingService } from './reporting.service';
