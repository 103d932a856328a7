import { reporting } from '@collections/contracts';
import { kpiReportFromFacts } from '../src/kpis/kpi-report-from-facts';
import { KpisRepository } from '../src/kpis/kpis.repository';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../src/kpis/usecases/get-kpis/get-kpis.usecase';
import { USD, at, eventScript } from './support/event-script';
import { SeedEvent } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

const FEB = { fromDate: '2026-02-01', toDate: '2026-02-28' };
const MAR = { fromDate: '2026-03-01', toDate: '2026-03-31' };

/**
 * A payment counts on the day it was made (PaymentPosted.effective_date), not on the day the ledger
 * posted it. A opened 2026-02-01 owing 1,000.00 (champion arm of the scoring model):
 *   pay-1, 200.00, from a bank file posted on 2026-03-02 at 09:00 UTC, made on 2026-02-27;
 *   pay-2, 50.00, from a ledger without effective_date, posted on 2026-03-03 at 02:00 UTC (21:00 on
 *     03-02 in Bogotá): A's time zone is UTC, so it counts on its UTC day, 03-03 (a Bogotá account's
 *     would count on 03-02: payment-time-zone.medium.spec.ts);
 *   pay-3, 10.00, posted on 2026-03-04 at 12:00 UTC with an effective date that is no day (02-30):
 *     it counts on its UTC day, 03-04.
 */
function paymentEvents(): SeedEvent[] {
  const script = eventScript('pd', { openingBalanceHour: 13 });
  const { add, open, balance, score, take } = script;
  const post = (paymentId: string, postedAt: Date, effectiveDate: string, amount: number, after: number) => {
    add('collections.ledger.v1.PaymentPosted', postedAt, {
      paymentId,
      accountId: 'A',
      amount: USD(amount),
      balanceAfter: USD(after),
      postedAt,
      reference: '',
      effectiveDate,
    });
    balance('A', paymentId, effectiveDate || postedAt.toISOString().slice(0, 10), after);
  };
  open('A', '2026-02-01', 100_000);
  score('A', '2026-02-02', { modelArm: 'champion' });
  post('pay-1', at('2026-03-02', 9), '2026-02-27', 20_000, 80_000);
  post('pay-2', new Date('2026-03-03T02:00:00Z'), '', 5_000, 75_000);
  post('pay-3', at('2026-03-04'), '2026-02-30', 1_000, 74_000);
  return take();
}

describe('payments count on the day they were made (real PostgreSQL)', () => {
  const events = paymentEvents();
  let model: ReadModel;

  beforeAll(async () => {
    model = await new ReadModel().start();
    await model.deliver(events);
  });
  afterAll(async () => {
    await model?.close();
  });

  const collected = (r: reporting.GetKpisResponse) => r.kpis.find((k) => k.name === 'collected_minor')?.value;
  /** The period's net collections through the rollup (GetKpis) and from the facts, which must agree. */
  const collectedIn = async (period: { fromDate: string; toDate: string }) => {
    const tenantId = model.sut.tenant;
    const viaRollup = await new GetKpisUseCase(new KpisRepository(model.sut.dataSource)).execute(
      GetKpisCommand.of(tenantId, { ...period, currency: 'USD' }),
    );
    const f = { tenantId, currency: 'USD', segment: null, modelVersion: null, channel: null };
    expect(await kpiReportFromFacts(model.sut.dataSource, f, period.fromDate, period.toDate)).toEqual(viaRollup);
    return collected(await model.kpis(period));
  };
  /** Actual net collections of the weeks of 02-23 and 03-02 (the two closed before Monday 03-09). */
  const actualWeeks = async () =>
    (
      await model.client.getCashForecast(
        reporting.GetCashForecastRequest.fromPartial({ asOfDate: '2026-03-09', historyWeeks: 2 }),
        model.md(),
      )
    ).history.map((w) => [w.weekStart, w.actualMinor]);
  /** The champion arm's net collections from accounts placed in February, up to the end of February. */
  const championCollectedByFebEnd = async () =>
    (await model.client.getExperimentResults(reporting.GetExperimentResultsRequest.fromPartial(FEB), model.md()))
      .champion?.collectedMinor;

  it("counts a bank file's payment in February's KPIs, though posted on 2 March", async () => {
    expect(await collectedIn(FEB)).toBe(20_000);
    // pay-2 (no effective date: its UTC day, 03-03) and pay-3 (02-30 is no day: its UTC day, 03-04)
    expect(await collectedIn(MAR)).toBe(6_000);
    const feb = await model.kpis(FEB);
    expect(feb.kpis.find((k) => k.name === 'recovery_rate')?.value).toBeCloseTo(20_000 / 100_000, 12);
  });

  it("counts it in the forecast's actuals for the week it was made, and in the experiment up to February's end", async () => {
    expect(await actualWeeks()).toEqual([
      ['2026-02-23', 20_000],
      ['2026-03-02', 6_000],
    ]);
    expect(await championCollectedByFebEnd()).toBe(20_000);
  });

  it('counts a payment republished under a new event id once, on the same day', async () => {
    await model.deliver(
      events.filter((e) => e.type === 'collections.ledger.v1.PaymentPosted'),
      (e) => `again-${e.id}`,
    );
    expect(await collectedIn(FEB)).toBe(20_000);
    expect(await collectedIn(MAR)).toBe(6_000);
    expect(await actualWeeks()).toEqual([
      ['2026-02-23', 20_000],
      ['2026-03-02', 6_000],
    ]);
  });

  it('takes a reversed payment out of the day it was made, and leaves the other days alone', async () => {
    expect([await collectedIn(FEB), await collectedIn(MAR)]).toEqual([20_000, 6_000]);
    await model.deliver([
      {
        id: 'pd-rev-1',
        type: 'collections.ledger.v1.PaymentReversed',
        time: at('2026-03-05'),
        payload: { entryId: 'rev-1', paymentId: 'pay-1', accountId: 'A', amount: USD(20_000), reason: 'NSF' },
      },
    ]);
    expect([await collectedIn(FEB), await collectedIn(MAR)]).toEqual([0, 6_000]);
    expect(await actualWeeks()).toEqual([
      ['2026-02-23', 0],
      ['2026-03-02', 6_000],
    ]);
    expect(await championCollectedByFebEnd()).toBe(0);
  });
});
