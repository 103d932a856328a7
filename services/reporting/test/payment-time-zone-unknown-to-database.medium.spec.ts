import { reporting } from '@collections/contracts';
import { databaseTimeZones } from '../src/kpis/database-time-zones';
import { eventScript } from './support/event-script';
import { ReadModel } from './support/read-model';

/**
 * Node's ICU and PostgreSQL carry their own tzdata, which can differ by version. No real zone
 * differs between this machine's two (Node 20's ICU 2025c and PostgreSQL's system tzdata 2025b), so
 * this runtime is made to know one more zone, `Mars/Olympus`, that PostgreSQL really refuses
 * (`time zone "Mars/Olympus" not recognized`): as a ledger on a newer Node would send it.
 */
jest.mock('@collections/platform', () => {
  const actual = jest.requireActual<typeof import('@collections/platform')>('@collections/platform');
  return {
    ...actual,
    canonicalTimeZone: (zone: string) =>
      zone.toLowerCase() === 'mars/olympus' ? 'Mars/Olympus' : actual.canonicalTimeZone(zone),
  };
});

const FEB = { fromDate: '2026-02-01', toDate: '2026-02-28' };
const MAR = { fromDate: '2026-03-01', toDate: '2026-03-31' };
/** 02:00 UTC on 1 March: 21:00 on 28 February in Bogotá. */
const POSTED = new Date('2026-03-01T02:00:00Z');

describe('an account whose time zone PostgreSQL does not know (real PostgreSQL)', () => {
  const { add, take } = eventScript('mars', { openingBalanceHour: 13 });
  const open = (accountId: string, currency: string, timeZone: string) =>
    add('collections.ledger.v1.AccountOpened', new Date('2026-02-01T15:00:00Z'), {
      accountId,
      externalRef: '',
      product: 0,
      currency,
      creditLimitMinor: 0,
      openedOn: '2026-02-01',
      debtors: [{ debtorId: `d-${accountId}`, role: 0 }],
      timeZone,
    });
  const post = (paymentId: string, accountId: string, currency: string, amountMinor: number) =>
    add('collections.ledger.v1.PaymentPosted', POSTED, {
      paymentId,
      accountId,
      amount: { amountMinor, currency },
      balanceAfter: { amountMinor: 0, currency },
      postedAt: POSTED,
      reference: '',
      effectiveDate: '',
    });

  let model: ReadModel;
  const warnings: unknown[] = [];

  beforeAll(async () => {
    model = await new ReadModel().start();
    databaseTimeZones.logger = { warn: (fields: unknown) => void warnings.push(fields) };
  });
  afterAll(async () => {
    await model?.close();
  });

  const collected = async (period: { fromDate: string; toDate: string }, currency: string) => {
    const r: reporting.GetKpisResponse = await model.kpis({ ...period, currency });
    return r.kpis.find((k) => k.name === 'collected_minor')?.value;
  };
  const deadLetters = async () =>
    Number(
      ((await model.sut.dataSource.query(`SELECT count(*)::int AS n FROM reporting.dead_letter`)) as { n: number }[])[0]
        .n,
    );

  it("projects the batch and counts that account's payments on their UTC day, nothing dead-lettered", async () => {
    open('A-MARS', 'COP', 'Mars/Olympus');
    open('A-BOG', 'PEN', 'America/Bogota');
    post('pay-mars', 'A-MARS', 'COP', 10_000);
    post('pay-bog', 'A-BOG', 'PEN', 20_000);
    await model.deliver(take());

    // the other account is projected as ever: its payment on its Bogotá day
    expect([await collected(FEB, 'PEN'), await collected(MAR, 'PEN')]).toEqual([20_000, 0]);
    // the unknown zone's account on the UTC day of its posting
    expect([await collected(FEB, 'COP'), await collected(MAR, 'COP')]).toEqual([0, 10_000]);
    expect(await deadLetters()).toBe(0);

    // a later payment of that account, in a batch of its own, counts too, and the zone is warned about once
    post('pay-mars-2', 'A-MARS', 'COP', 5_000);
    await model.deliver(take());
    expect(await collected(MAR, 'COP')).toBe(15_000);
    expect(await deadLetters()).toBe(0);
    expect(warnings).toEqual([{ timeZone: 'Mars/Olympus' }]);
  });
});
