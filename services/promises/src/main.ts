import './tracing';
import { serviceMain } from '@collections/runtime';
import { promisesService } from './promises.service';

serviceMain(promisesService);
