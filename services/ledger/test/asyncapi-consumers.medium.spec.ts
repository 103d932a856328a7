import { consumptionOf } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';

describe('the event catalogue (proto/asyncapi.yaml)', () => {
  it('lists exactly the events the ledger consumes (scripts/asyncapi.mjs CONSUMERS)', async () => {
    const { catalogued, handled } = await consumptionOf(ledgerService);
    expect(catalogued).toEqual(handled);
  });
});
