import './tracing';
import { serviceMain } from '@collections/runtime';
import { reportingService } from './reporting.service';

serviceMain(reportingService);
