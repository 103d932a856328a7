import './tracing';
import { serviceMain } from '@collections/runtime';
import { orchestratorService } from './orchestrator.service';

serviceMain(orchestratorService);
