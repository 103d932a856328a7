import { describeOpenApiDocument } from '@collections/testing';
import { reportingService } from '../src/reporting.service';

describeOpenApiDocument('reporting', reportingService);
