import { cataloguedConsumption, shortEventTypes } from '@collections/testing';
import { reportingHandlers } from '../src/reporting.service';

describe('the event catalogue (proto/asyncapi.yaml)', () => {
  it('lists exactly the events reporting projects (scripts/asyncapi.mjs CONSUMERS)', () => {
    expect(cataloguedConsumption('reporting')).toEqual(shortEventTypes(Object.keys(reportingHandlers)));
  });
});
