import { kpiReportFromFacts } from '../src/kpis/kpi-report-from-facts';
import { KpisRepository } from '../src/kpis/kpis.repository';
import { GetKpisCommand } from '../src/kpis/usecases/get-kpis/get-kpis.command';
import { GetKpisUseCase } from '../src/kpis/usecases/get-kpis/get-kpis.usecase';
import { topicOf } from '@collections/contracts';
import { SeedEvent, portfolioEvents, shuffled } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

const PERIODS: [string, string][] = [];
for (const from of ['2026-01-01', '2026-02-01', '2026-02-14', '2026-03-01']) {
  for (const to of ['2026-01-31', '2026-02-28', '2026-03-31', '2026-05-31']) {
    if (from <= to) PERIODS.push([from, to]);
  }
}
const FILTERS = [
  { segment: null, modelVersion: null, channel: null },
  { segment: 'SEGMENT_NEGOTIATE', modelVersion: null, channel: null },
  { segment: null, modelVersion: 'm2', channel: null },
  { segment: null, modelVersion: null, channel: 'CHANNEL_CALL' },
  { segment: null, modelVersion: null, channel: 'CHANNEL_SMS' },
];

/** Every period and filter, through the rollup (GetKpis) and from the facts, must agree. */
async function expectRollupToMatchFacts(model: ReadModel): Promise<void> {
  const useCase = new GetKpisUseCase(new KpisRepository(model.sut.dataSource));
  const tenantId = model.sut.tenant;
  for (const [from, to] of PERIODS) {
    for (const f of FILTERS) {
      const viaRollup = await useCase.execute(
        GetKpisCommand.of(tenantId, {
          fromDate: from,
          toDate: to,
          currency: 'USD',
          segment: f.segment ?? undefined,
          modelVersion: f.modelVersion ?? undefined,
          channel: f.channel ?? undefined,
        }),
      );
      const facts = await kpiReportFromFacts(model.sut.dataSource, { tenantId, currency: 'USD', ...f }, from, to);
      expect({ from, to, ...f, report: viaRollup }).toEqual({ from, to, ...f, report: facts });
    }
  }
}

describe('the KPI rollup gives the KPIs of the facts (real PostgreSQL)', () => {
  let model: ReadModel;
  let concurrent: ReadModel;

  beforeAll(async () => {
    model = await new ReadModel().start();
    concurrent = await new ReadModel().start();
  });
  afterAll(async () => {
    await model?.close();
    await concurrent?.close();
  });

  it('answers every period and filter as the facts do, at every step of a shuffled delivery', async () => {
    const events = shuffled(portfolioEvents(), 4242);
    const step = Math.ceil(events.length / 2);
    for (let i = 0; i < events.length; i += step) {
      await model.deliver(events.slice(i, i + step));
      await expectRollupToMatchFacts(model);
    }
    // Republished (new ids, same facts): nothing moves.
    await model.deliver(shuffled(events, 5).slice(0, 20), (e) => `again-${e.id}`);
    await expectRollupToMatchFacts(model);
  }, 300_000);

  it('answers as the facts do when partitions of one tenant are projected at the same time', async () => {
    // As over Kafka: one batch per topic, all in flight at once, touching the same accounts.
    const byTopic = new Map<string, SeedEvent[]>();
    for (const e of shuffled(portfolioEvents(), 77)) {
      const topic = topicOf(e.type);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), e]);
    }
    expect(byTopic.size).toBeGreaterThan(3);
    for (let round = 0; round < 2; round++) {
      // The second round republishes everything (new ids): the facts and the rollup stay put.
      await Promise.all(
        [...byTopic.values()].map((events) =>
          concurrent.deliver(events, round === 0 ? undefined : (e) => `again-${e.id}`),
        ),
      );
      await expectRollupToMatchFacts(concurrent);
    }
  }, 300_000);
});
