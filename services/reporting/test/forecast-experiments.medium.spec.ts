import { status } from '@grpc/grpc-js';
import { orchestrator, reporting } from '@collections/contracts';
import { ForecastSnapshotScheduler } from '../src/forecast/usecases/take-forecast-snapshots.usecase';
import { forecastEvents } from './support/forecast-events';
import { SeedEvent, shuffled } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

/** The hand-computed weeks of cash-forecast.spec.ts: A's score and B's plan at a kept rate of 3 in 4. */
const EXPECTED = [14_500, 7_000, 14_500, 7_000, 12_000, 3_500, 3_500, 3_500, 2_750, 1_750, 1_750, 1_750];

describe('cash forecast and experiment results from events (real PostgreSQL)', () => {
  const { beforeSnapshot, afterSnapshot } = forecastEvents();
  let model: ReadModel;
  let replayed: ReadModel;

  beforeAll(async () => {
    model = await new ReadModel().start();
    replayed = await new ReadModel().start();
    await model.deliver(beforeSnapshot);
    // Sunday 2026-02-22: the daily snapshot keeps the forecast of the weeks from Monday 02-23.
    model.sut.clock.set(new Date('2026-02-22T12:00:00Z'));
    await model.sut.app.app.get(ForecastSnapshotScheduler).tick();
    await model.sut.app.app.get(ForecastSnapshotScheduler).tick(); // the same hour: nothing more
    await model.deliver(afterSnapshot);
    model.sut.clock.set(new Date('2026-03-04T12:00:00Z'));
  });
  afterAll(async () => {
    await model?.close();
    await replayed?.close();
  });

  const forecast = (m: ReadModel, request: Partial<reporting.GetCashForecastRequest>, apiKey?: string) =>
    m.client.getCashForecast(reporting.GetCashForecastRequest.fromPartial(request), m.md(apiKey));

  it('forecasts 12 weeks from scores and plan schedules, weighing instalments by the kept rate', async () => {
    const r = await forecast(model, {}); // as of today, 2026-03-04
    expect(r.asOfDate).toBe('2026-03-04');
    expect(r.currency).toBe('USD');
    expect(r.instalmentKeptRate).toBe(0.75);
    expect(r.weeks.map((w) => w.expectedMinor)).toEqual(EXPECTED);
    expect(r.weeks[0]).toEqual({
      weekStart: '2026-03-09',
      weekEnd: '2026-03-15',
      expectedMinor: 14_500,
      fromPlansMinor: 7_500,
      fromScoresMinor: 7_000,
    });
  });

  it('compares each closed week with the forecast kept before it began', async () => {
    const r = await forecast(model, { historyWeeks: 2 });
    expect(r.history).toEqual([
      { weekStart: '2026-02-16', weekEnd: '2026-02-22', forecastAsOfDate: '', actualMinor: 0 },
      {
        weekStart: '2026-02-23',
        weekEnd: '2026-03-01',
        forecastMinor: 7_000, // A: 7 days × 600.00 × 0.5 ÷ 30; B's first instalment falls on 03-02
        forecastAsOfDate: '2026-02-22',
        actualMinor: 5_000, // C's payment
        errorRate: (5_000 - 7_000) / 7_000,
      },
    ]);
    // The snapshot also kept the next week: B's 100.00 due 03-02 at the kept rate then, 2 in 3.
    const [{ expected_minor }] = (await model.sut.dataSource.query(
      `SELECT expected_minor FROM forecast_snapshot WHERE week_start = '2026-03-02'`,
    )) as { expected_minor: string }[];
    expect(Number(expected_minor)).toBe(7_000 + 6_667);
  });

  it('gives the same forecast when the events arrive shuffled, redelivered and republished', async () => {
    const all = [...beforeSnapshot, ...afterSnapshot];
    const early = shuffled(all, 424_242);
    for (let i = 0; i < early.length; i += 5) await replayed.deliver(early.slice(i, i + 5));
    await replayed.deliver(shuffled(all, 3).slice(0, 10));
    await replayed.deliver(shuffled(all, 5).slice(0, 10), (e) => `again-${e.id}`);
    const a = await forecast(model, { asOfDate: '2026-03-04' });
    const b = await forecast(replayed, { asOfDate: '2026-03-04' });
    expect(b.weeks).toEqual(a.weeks);
    expect(b.instalmentKeptRate).toBe(a.instalmentKeptRate);
  });

  it('answers the forecast over REST and as CSV, and refuses a bad date', async () => {
    const url = `${model.sut.app.httpUrl}/v1/reporting/forecast?as_of_date=2026-03-04&history_weeks=2`;
    const headers = { 'x-api-key': model.sut.apiKey };
    const rest = await fetch(url, { headers });
    expect(rest.status).toBe(200);
    expect(reporting.GetCashForecastResponse.fromJSON(await rest.json())).toEqual(
      await forecast(model, { asOfDate: '2026-03-04', historyWeeks: 2 }),
    );
    const csv = (await (await fetch(url.replace('/forecast?', '/forecast.csv?'), { headers })).text()).split('\r\n');
    expect(csv[1]).toBe('forecast,2026-03-09,2026-03-15,USD,2026-03-04,14500,7500,7000,,,,');
    expect(csv).toContain('actual,2026-02-23,2026-03-01,USD,2026-03-04,,,,7000,2026-02-22,5000,-0.2857142857142857');
    expect((await fetch(url.replace('2026-03-04', '2026-13-04'), { headers })).status).toBe(400);
    expect((await fetch(url)).status).toBe(401);
  });

  it("forecasts nothing from another tenant's accounts", async () => {
    const other = await forecast(model, { asOfDate: '2026-03-04' }, model.sut.otherApiKey);
    expect(other.weeks.every((w) => w.expectedMinor === 0)).toBe(true);
  });

  it('compares the arms the scores carry: recovery per arm, difference, and too few accounts for a verdict', async () => {
    const r = await model.client.getExperimentResults(
      reporting.GetExperimentResultsRequest.fromPartial({ fromDate: '2026-01-01', toDate: '2026-03-31' }),
      model.md(),
    );
    expect(r.experiment).toBe('scoring_model');
    // champion: A (600.00, nothing paid) and C (500.00, 50.00); challenger: B (400.00, 100.00) and D (200.00, 100.00)
    expect(r.champion).toMatchObject({ arm: 'champion', accounts: 2, placedMinor: 110_000, collectedMinor: 5_000 });
    expect(r.challenger).toMatchObject({ arm: 'challenger', accounts: 2, placedMinor: 60_000, collectedMinor: 20_000 });
    expect(r.comparisons[0].difference).toBeCloseTo(20_000 / 60_000 - 5_000 / 110_000, 12);
    expect(r.verdict).toBe('insufficient_data');
    expect(r.minAccountsPerArm).toBe(30);

    const rest = await fetch(
      `${model.sut.app.httpUrl}/v1/reporting/experiments?from_date=2026-01-01&to_date=2026-03-31`,
      { headers: { 'x-api-key': model.sut.apiKey } },
    );
    expect(reporting.GetExperimentResultsResponse.fromJSON(await rest.json())).toEqual(r);
    const csv = await fetch(
      `${model.sut.app.httpUrl}/v1/reporting/experiments.csv?from_date=2026-01-01&to_date=2026-03-31`,
      { headers: { 'x-api-key': model.sut.apiKey } },
    );
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await csv.text()).split('\r\n')).toContain(
      'arm,scoring_model,USD,challenger,2,60000,20000,0.3333333333333333,2,1,,,,,,,,',
    );
    await expect(
      model.client.getExperimentResults(
        reporting.GetExperimentResultsRequest.fromPartial({
          fromDate: '2026-01-01',
          toDate: '2026-03-31',
          championArm: 'x',
          challengerArm: 'x',
        }),
        model.md(),
      ),
    ).rejects.toMatchObject({ code: status.INVALID_ARGUMENT });
  });

  it("compares a strategy's arms from the arm each account was first contacted in (ContactSent)", async () => {
    const sent = (id: string, accountId: string, day: string, armId: string): SeedEvent => ({
      id,
      type: 'collections.orchestrator.v1.ContactSent',
      time: new Date(`${day}T10:00:00Z`),
      payload: {
        scheduleId: id,
        decisionId: `dec-${id}`,
        accountId,
        channel: orchestrator.Channel.CHANNEL_SMS,
        template: 'reminder',
        strategyId: 's1',
        armId,
        stepId: 'step-1',
        providerMessageId: `msg-${id}`,
        attempts: 1,
        sentAt: new Date(`${day}T10:00:00Z`),
      },
    });
    // C is sent a variant contact later, but it entered the strategy in the control arm.
    await model.deliver([
      sent('cs-3', 'C', '2026-02-20', 'variant'),
      sent('cs-1', 'A', '2026-01-10', 'control'),
      sent('cs-2', 'B', '2026-01-10', 'variant'),
      sent('cs-4', 'C', '2026-01-12', 'control'),
    ]);
    const r = await model.client.getExperimentResults(
      reporting.GetExperimentResultsRequest.fromPartial({
        fromDate: '2026-01-01',
        toDate: '2026-03-31',
        experiment: 'strategy:s1',
        championArm: 'control',
        challengerArm: 'variant',
      }),
      model.md(),
    );
    expect(r.champion).toMatchObject({ arm: 'control', accounts: 2, placedMinor: 110_000, collectedMinor: 5_000 });
    expect(r.challenger).toMatchObject({ arm: 'variant', accounts: 1, placedMinor: 40_000, collectedMinor: 10_000 });
  });
});
