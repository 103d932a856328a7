import { describeOpenApiDocument } from '@collections/testing';
import { orchestratorService } from '../src';

describeOpenApiDocument('orchestrator', orchestratorService);
