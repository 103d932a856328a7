import { reporting } from '@collections/contracts';
import { USD, at, eventScript } from './support/event-script';
import { ReadModel } from './support/read-model';

/**
 * An account with a payment plan and a settlement: the promises service puts its payments towards the
 * open settlement first, and a paid settlement closes the debt, so the forecast expects the
 * settlement's sum and not the plan's instalments, whichever are due first.
 *   Q opened 01-05 owing 600.00, scored 0.5 (no instalment or settlement decided yet: every kept
 *     probability is the account's 0.5);
 *   03-02: a plan of 3 × 200.00 due 03-10, 03-31 and 04-14;
 *   03-03: a settlement of 400.00 due 03-18; it lapses on 03-26;
 *   04-01: a second settlement of 300.00 due 04-10, paid on 04-07.
 */
function planAndSettlementEvents() {
  const script = eventScript('ps', { openingBalanceHour: 13 });
  const { add, open, pay, take } = script;
  const settle = (settlementId: string, day: string, owed: number, amount: number, due: string) =>
    add('collections.promises.v1.SettlementAgreed', at(day, 11), {
      settlementId,
      accountId: 'Q',
      balance: USD(owed),
      amount: USD(amount),
      discount: USD(owed - amount),
      dueDate: due,
      channel: 0,
      takenBy: 0,
      agreedAt: at(day, 11),
    });

  open('Q', '2026-01-05', 60_000);
  script.score('Q', '2026-01-06', { probabilityToPay: 0.5 });
  add('collections.promises.v1.PlanAgreed', at('2026-03-02', 11), {
    planId: 'plan-Q',
    accountId: 'Q',
    total: USD(60_000),
    frequency: 0,
    instalments: ['2026-03-10', '2026-03-31', '2026-04-14'].map((dueDate, i) => ({
      seq: i + 1,
      dueDate,
      amount: USD(20_000),
    })),
    agreedAt: at('2026-03-02', 11),
    channel: 0,
    takenBy: 0,
  });
  const planned = take();

  settle('set-1', '2026-03-03', 60_000, 40_000, '2026-03-18');
  const settled = take();

  add('collections.promises.v1.SettlementLapsed', at('2026-03-26', 2), {
    settlementId: 'set-1',
    accountId: 'Q',
    amount: USD(40_000),
    paid: USD(0),
    dueDate: '2026-03-18',
    lapsedAt: at('2026-03-26', 2),
  });
  const lapsed = take();

  settle('set-2', '2026-04-01', 60_000, 30_000, '2026-04-10');
  pay('Q', 'pay-Q', '2026-04-07', 30_000, 30_000);
  add('collections.promises.v1.SettlementPaid', at('2026-04-07', 15), {
    settlementId: 'set-2',
    accountId: 'Q',
    paid: USD(30_000),
    discount: USD(30_000),
    discountEntryId: 'discount-set-2',
    paidOn: '2026-04-07',
    paidAt: at('2026-04-07', 15),
  });
  const paid = take();
  return { planned, settled, lapsed, paid };
}

const NOTHING = Array.from({ length: 12 }, () => 0);
/** Twelve weeks with `amount` in the weeks given (0-based). */
const weeksWith = (entries: [number, number][]) => {
  const w = [...NOTHING];
  for (const [i, amount] of entries) w[i] = amount;
  return w;
};

describe('an account with an open plan and a settlement in the cash forecast (real PostgreSQL)', () => {
  const story = planAndSettlementEvents();
  let model: ReadModel;

  beforeAll(async () => {
    model = await new ReadModel().start();
    await model.deliver(story.planned);
  });
  afterAll(async () => {
    await model?.close();
  });

  const forecast = async (m: ReadModel, asOfDate: string) =>
    (await m.client.getCashForecast(reporting.GetCashForecastRequest.fromPartial({ asOfDate }), m.md())).weeks;
  const expected = async (m: ReadModel, asOfDate: string) =>
    (await forecast(m, asOfDate)).map((w) => [w.fromPlansMinor, w.fromScoresMinor]);

  it("expects an open settlement's sum once, and none of the plan's instalments while it is open", async () => {
    // weeks from Monday 03-09: the plan alone, 200.00 × 0.5 in the weeks of 03-10, 03-31 and 04-14
    expect(await expected(model, '2026-03-04')).toEqual(
      weeksWith([
        [0, 10_000],
        [3, 10_000],
        [5, 10_000],
      ]).map((v) => [v, 0]),
    );
    await model.deliver(story.settled);
    // the settlement's 400.00 × 0.5 in the week of 03-18, and nothing of the plan's 3 instalments
    expect(await expected(model, '2026-03-04')).toEqual(weeksWith([[1, 20_000]]).map((v) => [v, 0]));
  });

  it("expects the plan's instalments again once the settlement lapsed", async () => {
    await model.deliver(story.lapsed);
    // weeks from Monday 03-30: the instalments of 03-31 and 04-14, 200.00 × 0.5 each
    expect(await expected(model, '2026-03-26')).toEqual(
      weeksWith([
        [0, 10_000],
        [2, 10_000],
      ]).map((v) => [v, 0]),
    );
  });

  it('expects nothing more from the account once a settlement is paid', async () => {
    await model.deliver(story.paid);
    // weeks from Monday 04-13: the plan's instalment of 04-14 is still open, but the debt is settled
    expect(await expected(model, '2026-04-07')).toEqual(NOTHING.map(() => [0, 0]));
  });

  it('gives the same forecasts when the events arrive in reverse, one a batch', async () => {
    const replayed = await new ReadModel().start();
    try {
      const all = [...story.planned, ...story.settled, ...story.lapsed, ...story.paid];
      for (const e of [...all].reverse()) await replayed.deliver([e]);
      for (const asOf of ['2026-03-04', '2026-03-26', '2026-04-07']) {
        expect(await forecast(replayed, asOf)).toEqual(await forecast(model, asOf));
        expect((await forecast(replayed, asOf)).map((w) => w.expectedMinor)).toEqual(NOTHING);
      }
    } finally {
      await replayed.close();
    }
  });
});
