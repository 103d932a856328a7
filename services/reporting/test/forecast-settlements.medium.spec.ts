import { reporting } from '@collections/contracts';
import { USD, at, eventScript } from './support/event-script';
import { SeedEvent, shuffled } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

/**
 * Settlements in the cash forecast, computed by hand. What was known on Wednesday 2026-03-04:
 *   P opened 01-05 owing 400.00, never scored; its plan of 4 × 100.00 (01-12 … 02-02) had 3
 *     instalments kept and the last missed, then defaulted: the instalment kept rate is 3 in 4.
 *   T opened 01-05 owing 200.00, never scored; settled for 150.00 due 01-31, paid on 01-30.
 *   U opened 01-05 owing 200.00, never scored; settled for 150.00 due 01-31, lapsed on 02-08.
 *     The settlements' own kept rate: 1 paid of 2 decided.
 *   S opened 01-05 owing 900.00, scored 0.4: 1,200/day for 30 days, 720/day, then 432/day.
 *   L opened 01-05 owing 300.00, scored 0.4: 400/day for 30 days, 240/day, then 144/day.
 * Then S agrees on 03-02 to settle for 600.00 by 03-25 (300.00 forgiven), L on 03-03 for 200.00
 * by 03-11; L's settlement lapses on 03-19 and S pays its 600.00 on 03-24.
 */
function settlementEvents() {
  const script = eventScript('st', { openingBalanceHour: 13 });
  const { add, open, pay, balance, take } = script;
  const score = (accountId: string, day: string, probabilityToPay: number) =>
    script.score(accountId, day, { probabilityToPay, modelArm: 'champion' });
  const settle = (settlementId: string, accountId: string, day: string, owed: number, amount: number, due: string) =>
    add('collections.promises.v1.SettlementAgreed', at(day, 11), {
      settlementId,
      accountId,
      balance: USD(owed),
      amount: USD(amount),
      discount: USD(owed - amount),
      dueDate: due,
      channel: 0,
      takenBy: 0,
      agreedAt: at(day, 11),
    });
  const settlementPaid = (settlementId: string, accountId: string, day: string, paid: number, discount: number) =>
    add('collections.promises.v1.SettlementPaid', at(day, 15), {
      settlementId,
      accountId,
      paid: USD(paid),
      discount: USD(discount),
      discountEntryId: `discount-${settlementId}`,
      paidOn: day,
      paidAt: at(day, 15),
    });
  const lapsed = (settlementId: string, accountId: string, day: string, amount: number, due: string) =>
    add('collections.promises.v1.SettlementLapsed', at(day, 2), {
      settlementId,
      accountId,
      amount: USD(amount),
      paid: USD(0),
      dueDate: due,
      lapsedAt: at(day, 2),
    });

  open('P', '2026-01-05', 40_000);
  add('collections.promises.v1.PlanAgreed', at('2026-01-06', 11), {
    planId: 'plan-P',
    accountId: 'P',
    total: USD(40_000),
    frequency: 0,
    instalments: ['2026-01-12', '2026-01-19', '2026-01-26', '2026-02-02'].map((dueDate, i) => ({
      seq: i + 1,
      dueDate,
      amount: USD(10_000),
    })),
    agreedAt: at('2026-01-06', 11),
    channel: 0,
    takenBy: 0,
  });
  for (const [seq, day] of [
    [1, '2026-01-12'],
    [2, '2026-01-19'],
    [3, '2026-01-26'],
  ] as const) {
    add('collections.promises.v1.PromiseKept', at(day, 14), {
      promiseId: `plan-P/${seq}`,
      accountId: 'P',
      amount: USD(10_000),
      keptAt: at(day, 14),
      planId: 'plan-P',
      instalmentSeq: seq,
    });
  }
  add('collections.promises.v1.InstalmentMissed', at('2026-02-09'), {
    planId: 'plan-P',
    accountId: 'P',
    seq: 4,
    dueDate: '2026-02-02',
    amount: USD(10_000),
    paid: USD(0),
    missedInstalments: 1,
  });
  add('collections.promises.v1.PlanDefaulted', at('2026-02-09'), {
    planId: 'plan-P',
    accountId: 'P',
    missedInstalments: 1,
    unpaid: USD(10_000),
    defaultedAt: at('2026-02-09'),
  });
  open('T', '2026-01-05', 20_000);
  settle('set-T', 'T', '2026-01-10', 20_000, 15_000, '2026-01-31');
  pay('T', 'pay-T', '2026-01-30', 15_000, 5_000);
  settlementPaid('set-T', 'T', '2026-01-30', 15_000, 5_000);
  balance('T', 'discount-set-T', '2026-01-30', 0, 16);
  open('U', '2026-01-05', 20_000);
  settle('set-U', 'U', '2026-01-10', 20_000, 15_000, '2026-01-31');
  lapsed('set-U', 'U', '2026-02-08', 15_000, '2026-01-31');
  open('S', '2026-01-05', 90_000);
  score('S', '2026-01-06', 0.4);
  open('L', '2026-01-05', 30_000);
  score('L', '2026-01-06', 0.4);
  const history = take();

  settle('set-S', 'S', '2026-03-02', 90_000, 60_000, '2026-03-25');
  settle('set-L', 'L', '2026-03-03', 30_000, 20_000, '2026-03-11');
  const agreed = take();

  lapsed('set-L', 'L', '2026-03-19', 20_000, '2026-03-11');
  const lapse = take();

  // The ledger's discount (S's balance to 0) is told on another topic and has not arrived yet.
  pay('S', 'pay-S', '2026-03-24', 60_000, 30_000);
  settlementPaid('set-S', 'S', '2026-03-24', 60_000, 30_000);
  const paid = take();
  return { history, agreed, lapse, paid };
}

// 12 weeks of an account scored 0.4: weeks 1–4 at the first rate, week 5 = 2 days at it and 5 at the
// second, weeks 6–8 at the second, week 9 = 4 days at it and 3 at the third, weeks 10–12 at the third.
const S_FROM_SCORE = [8_400, 8_400, 8_400, 8_400, 6_000, 5_040, 5_040, 5_040, 4_176, 3_024, 3_024, 3_024];
const L_FROM_SCORE = [2_800, 2_800, 2_800, 2_800, 2_000, 1_680, 1_680, 1_680, 1_392, 1_008, 1_008, 1_008];
const NOTHING = Array.from({ length: 12 }, () => 0);

describe('settlements in the cash forecast (real PostgreSQL)', () => {
  const { history, agreed, lapse, paid } = settlementEvents();
  let model: ReadModel;
  let replayed: ReadModel;

  beforeAll(async () => {
    model = await new ReadModel().start();
    replayed = await new ReadModel().start();
    await model.deliver(history);
  });
  afterAll(async () => {
    await model?.close();
    await replayed?.close();
  });

  const forecast = (m: ReadModel, asOfDate: string) =>
    m.client.getCashForecast(reporting.GetCashForecastRequest.fromPartial({ asOfDate }), m.md());
  const csv = async (m: ReadModel, asOfDate: string) => {
    const url = `${m.sut.app.httpUrl}/v1/reporting/forecast.csv?as_of_date=${asOfDate}&history_weeks=1`;
    const res = await fetch(url, { headers: { 'x-api-key': m.sut.apiKey } });
    return (await res.text()).split('\r\n').filter((row) => row.startsWith('forecast,'));
  };

  it("expects an agreed settlement's amount in its due week at the settlements' kept rate, and no longer the account's score", async () => {
    const before = await forecast(model, '2026-03-04');
    expect(before.weeks.map((w) => w.fromScoresMinor)).toEqual(S_FROM_SCORE.map((s, i) => s + L_FROM_SCORE[i]));
    expect(before.weeks.map((w) => w.fromPlansMinor)).toEqual(NOTHING);

    await model.deliver(agreed);
    const r = await forecast(model, '2026-03-04');
    // L's 200.00 due 03-11 (week 1) and S's 600.00 due 03-25 (week 3), each at 1 in 2 (T paid, U lapsed).
    expect(r.weeks.map((w) => w.fromPlansMinor)).toEqual([10_000, 0, 30_000, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.weeks.map((w) => w.fromScoresMinor)).toEqual(NOTHING);
    expect(r.weeks.map((w) => w.expectedMinor)).toEqual([10_000, 0, 30_000, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Settlements are not plan instalments: the instalment kept rate is still P's 3 in 4.
    expect(r.instalmentKeptRate).toBe(0.75);
    expect(await csv(model, '2026-03-04')).toEqual([
      'forecast,2026-03-09,2026-03-15,USD,2026-03-04,10000,10000,0,,,,',
      'forecast,2026-03-16,2026-03-22,USD,2026-03-04,0,0,0,,,,',
      'forecast,2026-03-23,2026-03-29,USD,2026-03-04,30000,30000,0,,,,',
      ...NOTHING.slice(3).map((_, i) => {
        const start = new Date(Date.UTC(2026, 2, 30 + 7 * i)).toISOString().slice(0, 10);
        const end = new Date(Date.UTC(2026, 2, 36 + 7 * i)).toISOString().slice(0, 10);
        return `forecast,${start},${end},USD,2026-03-04,0,0,0,,,,`;
      }),
    ]);
  });

  it("forecasts a lapsed settlement's account from its score again, and weighs the open ones by the settlements' record", async () => {
    await model.deliver(lapse);
    const r = await forecast(model, '2026-03-19'); // weeks from Monday 03-23
    expect(r.weeks.map((w) => w.fromScoresMinor)).toEqual(L_FROM_SCORE);
    // S's 600.00 due 03-25 at 1 paid (T) of 3 decided (U and L lapsed).
    expect(r.weeks.map((w) => w.fromPlansMinor)).toEqual([20_000, ...NOTHING.slice(1)]);
    expect(r.weeks[0].expectedMinor).toBe(20_000 + 2_800);
  });

  it('expects nothing more from a paid settlement, nor from the rest of its balance the creditor forgives', async () => {
    await model.deliver(paid);
    const r = await forecast(model, '2026-03-24'); // weeks from Monday 03-30
    expect(r.weeks.map((w) => w.fromPlansMinor)).toEqual(NOTHING);
    expect(r.weeks.map((w) => w.expectedMinor)).toEqual(L_FROM_SCORE);
    expect(r.instalmentKeptRate).toBe(0.75);
  });

  it('gives the same forecasts when settlement events arrive out of order, twice and republished', async () => {
    const all = [...history, ...agreed, ...lapse, ...paid];
    const isSettlement = (e: SeedEvent) => e.type.startsWith('collections.promises.v1.Settlement');
    // Settlements' outcomes before their agreements, one event a batch: then everything again, shuffled.
    for (const e of [...all].reverse()) await replayed.deliver([e]);
    await replayed.deliver(shuffled(all, 7));
    await replayed.deliver(shuffled(all.filter(isSettlement), 11), (e) => `again-${e.id}`);
    for (const asOf of ['2026-03-04', '2026-03-19', '2026-03-24']) {
      const a = await forecast(model, asOf);
      const b = await forecast(replayed, asOf);
      expect(b.weeks).toEqual(a.weeks);
      expect(b.instalmentKeptRate).toBe(0.75);
    }
    expect((await forecast(replayed, '2026-03-24')).weeks.map((w) => w.expectedMinor)).toEqual(L_FROM_SCORE);
  });
});
