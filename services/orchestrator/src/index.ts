export { orchestratorService } from './orchestrator.service';
