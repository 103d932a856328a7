import { reporting } from '@collections/contracts';
import { kpiReportFromFacts } from '../src/kpis/kpi-report-from-facts';
import { KpisRepository } from '../src/kpis/kpis.repository';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../src/kpis/usecases/get-kpis/get-kpis.usecase';
import { eventScript } from './support/event-script';
import { SeedEvent, shuffled } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

const FEB = { fromDate: '2026-02-01', toDate: '2026-02-28' };
const MAR = { fromDate: '2026-03-01', toDate: '2026-03-31' };
/** 02:00 UTC on 1 March: 21:00 on 28 February in Bogotá (UTC−5) and 20:00 in Mexico City (UTC−6). */
const POSTED = new Date('2026-03-01T02:00:00Z');

/**
 * A payment without an effective date counts on the day of its posting in its account's time zone
 * (AccountOpened.time_zone), whichever of the two events reporting hears first. One account per
 * currency, so that each story is read on its own (the KPIs of a currency); all opened 2026-02-01:
 *   COP, Bogotá: pay-cop, 100.00, no effective date, posted at POSTED → 28 February;
 *   PEN, Lima (UTC−5): pay-pen, 200.00, the same, told before the account's opening → 28 February once
 *     the opening arrives;
 *   CLP, Bogotá: pay-clp, 50.00, the same, before the opening in one batch → 28 February;
 *   MXN, Mexico City: told before the opening, pay-mxn-1, 300.00, effective date 2026-03-01 (the
 *     ledger's word: it stays on 1 March), and pay-mxn-2, 400.00, no effective date → 28 February;
 *   USD, UTC: pay-usd, 500.00, no effective date, posted at POSTED → 1 March, as before.
 */
function timeZoneEvents() {
  const { add, take } = eventScript('tz', { openingBalanceHour: 13 });
  const open = (accountId: string, currency: string, timeZone: string) => {
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
    add('collections.ledger.v1.BalanceChanged', new Date('2026-02-01T15:00:00Z'), {
      balance: {
        accountId,
        asOfDate: '2026-02-01',
        total: { amountMinor: 100_000, currency },
        principal: { amountMinor: 100_000, currency },
        interest: { amountMinor: 0, currency },
        fees: { amountMinor: 0, currency },
        pastDue: { amountMinor: 0, currency },
        daysPastDue: 0,
        agingBucket: '',
      },
      causedByEntryId: `${accountId}-opening`,
    });
  };
  const post = (paymentId: string, accountId: string, currency: string, amountMinor: number, effectiveDate = '') =>
    add('collections.ledger.v1.PaymentPosted', POSTED, {
      paymentId,
      accountId,
      amount: { amountMinor, currency },
      balanceAfter: { amountMinor: 100_000 - amountMinor, currency },
      postedAt: POSTED,
      reference: '',
      effectiveDate,
    });

  open('A-COP', 'COP', 'America/Bogota');
  open('A-USD', 'USD', 'UTC');
  const opened = take();
  post('pay-cop', 'A-COP', 'COP', 10_000);
  post('pay-usd', 'A-USD', 'USD', 50_000);
  const paid = take();

  post('pay-pen', 'A-PEN', 'PEN', 20_000);
  post('pay-mxn-1', 'A-MXN', 'MXN', 30_000, '2026-03-01');
  post('pay-mxn-2', 'A-MXN', 'MXN', 40_000);
  const paidFirst = take();
  // lower case, as a hand-written import may send it: the same zone
  open('A-PEN', 'PEN', 'america/lima');
  open('A-MXN', 'MXN', 'America/Mexico_City');
  const openedLater = take();

  post('pay-clp', 'A-CLP', 'CLP', 5_000);
  open('A-CLP', 'CLP', 'America/Bogota');
  const sameBatch = take();
  return { opened, paid, paidFirst, openedLater, sameBatch };
}

describe("payments without an effective date are dated in their account's time zone (real PostgreSQL)", () => {
  const story = timeZoneEvents();
  let model: ReadModel;

  beforeAll(async () => {
    model = await new ReadModel().start();
  });
  afterAll(async () => {
    await model?.close();
  });

  /** The period's net collections in the currency through the rollup (GetKpis) and from the facts, which must agree. */
  const collectedIn = async (m: ReadModel, period: { fromDate: string; toDate: string }, currency: string) => {
    const tenantId = m.sut.tenant;
    const viaRollup = await new GetKpisUseCase(new KpisRepository(m.sut.dataSource)).execute(
      GetKpisCommand.of(tenantId, { ...period, currency }),
    );
    const f = { tenantId, currency, segment: null, modelVersion: null, channel: null };
    expect(await kpiReportFromFacts(m.sut.dataSource, f, period.fromDate, period.toDate)).toEqual(viaRollup);
    const r: reporting.GetKpisResponse = await m.kpis({ ...period, currency });
    return r.kpis.find((k) => k.name === 'collected_minor')?.value;
  };
  /** Net collections in the currency in February and in March. */
  const febMar = async (currency: string, m = model) => [
    await collectedIn(m, FEB, currency),
    await collectedIn(m, MAR, currency),
  ];

  it("counts a Bogotá account's payment posted at 02:00 UTC on 1 March on 28 February; a UTC account's on 1 March", async () => {
    await model.deliver(story.opened);
    await model.deliver(story.paid);
    expect(await febMar('COP')).toEqual([10_000, 0]);
    expect(await febMar('USD')).toEqual([0, 50_000]);
  });

  it('moves a payment told before its account was opened to the day of the zone the opening names', async () => {
    await model.deliver(story.paidFirst);
    // not opened yet: no KPI counts the account
    expect(await febMar('PEN')).toEqual([0, 0]);
    await model.deliver(story.openedLater);
    expect(await febMar('PEN')).toEqual([20_000, 0]);
    // the payment with an effective date keeps it (1 March); the other moves to 28 February
    expect(await febMar('MXN')).toEqual([40_000, 30_000]);
  });

  it('dates a payment by the zone of an opening told after it in the same batch', async () => {
    await model.deliver(story.sameBatch);
    expect(await febMar('CLP')).toEqual([5_000, 0]);
  });

  it('gives the same days told in reverse, one event a batch, then again shuffled and republished', async () => {
    const all = [...story.opened, ...story.paid, ...story.paidFirst, ...story.openedLater, ...story.sameBatch];
    const replayed = await new ReadModel().start();
    try {
      for (const e of [...all].reverse()) await replayed.deliver([e]);
      await replayed.deliver(shuffled(all, 5), (e: SeedEvent) => `again-${e.id}`);
      for (const m of [model, replayed]) {
        expect(await febMar('COP', m)).toEqual([10_000, 0]);
        expect(await febMar('PEN', m)).toEqual([20_000, 0]);
        expect(await febMar('MXN', m)).toEqual([40_000, 30_000]);
        expect(await febMar('CLP', m)).toEqual([5_000, 0]);
        expect(await febMar('USD', m)).toEqual([0, 50_000]);
      }
    } finally {
      await replayed.close();
    }
  });
});
