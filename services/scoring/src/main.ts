import './tracing';
import { serviceMain } from '@collections/runtime';
import { scoringService } from './scoring.service';

serviceMain(scoringService);
