import { describeOpenApiDocument } from '@collections/testing';
import { scoringService } from '../src/scoring.service';

describeOpenApiDocument('scoring', scoringService);
