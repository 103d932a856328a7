import { describeOpenApiDocument } from '@collections/testing';
import { promisesService } from '../src/promises.service';

describeOpenApiDocument('promises', promisesService);
