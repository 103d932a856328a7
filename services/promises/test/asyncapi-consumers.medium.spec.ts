import { consumptionOf } from '@collections/testing';
import { promisesService } from '../src';

describe('the event catalogue (proto/asyncapi.yaml)', () => {
  it('lists exactly the events the promises service consumes (scripts/asyncapi.mjs CONSUMERS)', async () => {
    const { catalogued, handled } = await consumptionOf(promisesService);
    expect(catalogued).toEqual(handled);
  });
});
