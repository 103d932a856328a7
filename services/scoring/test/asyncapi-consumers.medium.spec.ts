import { consumptionOf } from '@collections/testing';
import { scoringService } from '../src';

describe('the event catalogue (proto/asyncapi.yaml)', () => {
  it('lists exactly the events the scoring service consumes (scripts/asyncapi.mjs CONSUMERS)', async () => {
    const { catalogued, handled } = await consumptionOf(scoringService);
    expect(catalogued).toEqual(handled);
  });
});
