import { reporting } from '@collections/contracts';
import { kpiReportFromFacts } from '../src/kpis/kpi-report-from-facts';
import { KpisRepository } from '../src/kpis/kpis.repository';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../src/kpis/usecases/get-kpis/get-kpis.usecase';
import { USD, at } from './support/event-script';
import { forecastEvents } from './support/forecast-events';
import { SeedEvent, portfolioEvents, shuffled } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

const Q1 = { fromDate: '2026-01-01', toDate: '2026-03-31' };
const valueOf = (r: reporting.GetKpisResponse, name: string) => r.kpis.find((k) => k.name === name)?.value;

/** A's promise prom-A1 of the portfolio, kept on 03-15 by pay-A2: the payment bounced on 03-17. */
const withdrawal = (promiseId: string, accountId: string, paymentId: string, day: string, extra = {}): SeedEvent => ({
  id: `withdrawn-${promiseId}-${paymentId}`,
  type: 'collections.promises.v1.PromiseKeptWithdrawn',
  time: at(day, 15),
  payload: {
    promiseId,
    accountId,
    planId: '',
    instalmentSeq: 0,
    paymentId,
    paid: USD(0),
    withdrawnAt: at(day, 15),
    ...extra,
  },
});
const keptAgain = (day: string): SeedEvent => ({
  id: `kept-again-prom-A1-${day}`,
  type: 'collections.promises.v1.PromiseKept',
  time: at(day, 14),
  payload: {
    promiseId: 'prom-A1',
    accountId: 'A',
    amount: USD(30_000),
    keptAt: at(day, 14),
    planId: '',
    instalmentSeq: 0,
  },
});

/** The KPI rollup (what GetKpis reads) gives what the facts give, for March, Q1 and April. */
async function expectRollupToMatchFacts(m: ReadModel): Promise<void> {
  const useCase = new GetKpisUseCase(new KpisRepository(m.sut.dataSource));
  for (const [from, to] of [
    ['2026-03-01', '2026-03-31'],
    ['2026-01-01', '2026-03-31'],
    ['2026-04-01', '2026-04-30'],
  ]) {
    const viaRollup = await useCase.execute(
      GetKpisCommand.of(m.sut.tenant, { fromDate: from, toDate: to, currency: 'USD' }),
    );
    const facts = await kpiReportFromFacts(
      m.sut.dataSource,
      { tenantId: m.sut.tenant, currency: 'USD', segment: null, modelVersion: null, channel: null },
      from,
      to,
    );
    expect(viaRollup).toEqual(facts);
  }
}

/** The reporting_promises_kept samples of the model's tenant. */
async function keptGauge(m: ReadModel): Promise<number[]> {
  const metric = m.sut.context.metrics.registry.getSingleMetric('reporting_promises_kept')!;
  return (await metric.get()).values.filter((v) => v.labels.tenant_id === m.sut.tenant).map((v) => v.value);
}

describe('a withdrawn PromiseKept no longer counts as kept, whatever the order of the events (real PostgreSQL)', () => {
  const models: ReadModel[] = [];
  const start = async () => {
    const m = await new ReadModel().start();
    models.push(m);
    return m;
  };
  afterAll(async () => {
    for (const m of models) await m.close();
  });

  it('drops a promise from the kept KPIs and gauge when its payment bounces, and counts its broken fact again', async () => {
    const events = [...portfolioEvents(), withdrawal('prom-A1', 'A', 'pay-A2', '2026-03-17')];
    const inOrder = await start();
    await inOrder.deliver(events);
    const withdrawnFirst = await start();
    await withdrawnFirst.deliver(events.slice(-1)); // the withdrawal before the PromiseKept it withdraws
    await withdrawnFirst.deliver(events.slice(0, -1));
    const shuffledOne = await start();
    for (const e of shuffled(events, 7)) await shuffledOne.deliver([e]);
    await shuffledOne.deliver(events.slice(-1), () => 'withdrawal-republished'); // a republish changes nothing

    for (const m of [inOrder, withdrawnFirst, shuffledOne]) {
      const r = await m.kpis(Q1);
      expect(valueOf(r, 'promises_kept')).toBe(0);
      expect(valueOf(r, 'promise_kept_rate')).toBe(0); // A's and B's promises both broken
      expect(await keptGauge(m)).toEqual([]);
      await expectRollupToMatchFacts(m);
    }
  });

  it('counts the promise kept again, on the day a later payment keeps it, in any order', async () => {
    const events = [...portfolioEvents(), withdrawal('prom-A1', 'A', 'pay-A2', '2026-03-17'), keptAgain('2026-04-02')];
    const inOrder = await start();
    await inOrder.deliver(events);
    const reversed = await start();
    await reversed.deliver([...events].reverse());

    for (const m of [inOrder, reversed]) {
      // Not kept in the first quarter any more (its payment bounced), kept in April.
      expect(valueOf(await m.kpis(Q1), 'promises_kept')).toBe(0);
      expect(valueOf(await m.kpis({ fromDate: '2026-04-01', toDate: '2026-04-30' }), 'promises_kept')).toBe(1);
      expect(await keptGauge(m)).toEqual([1]);
      await expectRollupToMatchFacts(m);
    }
  });

  it("takes a withdrawn instalment out of the forecast's kept rate, and counts it missed once it is", async () => {
    const { beforeSnapshot, afterSnapshot } = forecastEvents();
    // plan-B's first instalment, kept on 03-02 by pay-B1, which bounced on 03-03.
    const bounced = withdrawal('plan-B/1', 'B', 'pay-B1', '2026-03-03', { planId: 'plan-B', instalmentSeq: 1 });
    const missed: SeedEvent = {
      id: 'missed-plan-B-1',
      type: 'collections.promises.v1.InstalmentMissed',
      time: at('2026-03-06', 2),
      payload: {
        planId: 'plan-B',
        accountId: 'B',
        seq: 1,
        dueDate: '2026-03-02',
        amount: USD(10_000),
        paid: USD(0),
        missedInstalments: 1,
      },
    };
    const rate = async (m: ReadModel) =>
      (await m.client.getCashForecast(reporting.GetCashForecastRequest.fromPartial({ asOfDate: '2026-03-04' }), m.md()))
        .instalmentKeptRate;

    const model = await start();
    await model.deliver([...beforeSnapshot, ...afterSnapshot]);
    expect(await rate(model)).toBe(0.75); // plan-E: 2 kept of 3; plan-B: 1 kept
    await model.deliver([bounced]);
    expect(await rate(model)).toBe(2 / 3); // plan-B's first open again
    await model.deliver([missed]);
    expect(await rate(model)).toBe(0.5);

    const withdrawnFirst = await start();
    await withdrawnFirst.deliver([missed, bounced]);
    await withdrawnFirst.deliver([...beforeSnapshot, ...afterSnapshot]);
    expect(await rate(withdrawnFirst)).toBe(0.5);
  });
});
