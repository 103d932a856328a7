import { reporting } from '@collections/contracts';
import { USD, at, eventScript } from './support/event-script';
import { ReadModel } from './support/read-model';

/**
 * A plan completed early, then reopened when its last payment bounced: the forecast expects its
 * instalment again, whatever order the events come in.
 *   R opened 01-05 owing 600.00, scored 0.5;
 *   03-02: a plan of 3 × 200.00 due 03-10, 03-31 and 04-14;
 *   03-05: all three paid (kept), the plan completed;
 *   03-06: the payment that paid the third bounces: its keep withdrawn, the plan reopened.
 */
function reopenedPlanEvents() {
  const script = eventScript('ro', { openingBalanceHour: 13 });
  const { add, open, take } = script;
  const planId = 'plan-R';
  open('R', '2026-01-05', 60_000);
  script.score('R', '2026-01-06', { probabilityToPay: 0.5 });
  add('collections.promises.v1.PlanAgreed', at('2026-03-02', 11), {
    planId,
    accountId: 'R',
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
  const agreed = take();
  for (const seq of [1, 2, 3]) {
    add('collections.promises.v1.PromiseKept', at('2026-03-05', 14), {
      promiseId: `${planId}/${seq}`,
      accountId: 'R',
      amount: USD(20_000),
      keptAt: at('2026-03-05', 14),
      planId,
      instalmentSeq: seq,
    });
  }
  add('collections.promises.v1.PlanCompleted', at('2026-03-05', 14), {
    planId,
    accountId: 'R',
    total: USD(60_000),
    completedAt: at('2026-03-05', 14),
  });
  const completed = take();
  add('collections.promises.v1.PromiseKeptWithdrawn', at('2026-03-06', 9), {
    promiseId: `${planId}/3`,
    accountId: 'R',
    planId,
    instalmentSeq: 3,
    paymentId: 'pay-R2',
    paid: USD(0),
    withdrawnAt: at('2026-03-06', 9),
  });
  add('collections.promises.v1.PlanReopened', at('2026-03-06', 9), {
    planId,
    accountId: 'R',
    paymentId: 'pay-R2',
    remaining: USD(20_000),
    reopenedAt: at('2026-03-06', 9),
  });
  const reopened = take();
  return { agreed, completed, reopened };
}

describe('a reopened plan in the cash forecast (real PostgreSQL)', () => {
  const story = reopenedPlanEvents();
  const models: ReadModel[] = [];
  const start = async () => {
    const m = await new ReadModel().start();
    models.push(m);
    return m;
  };
  afterAll(async () => {
    for (const m of models) await m.close();
  });

  /** What the forecast of 03-06 expects from plans, week by week from Monday 03-09. */
  const fromPlans = async (m: ReadModel) =>
    (
      await m.client.getCashForecast(reporting.GetCashForecastRequest.fromPartial({ asOfDate: '2026-03-06' }), m.md())
    ).weeks.map((w) => w.fromPlansMinor);

  it("expects a reopened plan's unpaid instalment again, in the week it falls due", async () => {
    const model = await start();
    await model.deliver([...story.agreed, ...story.completed]);
    expect((await fromPlans(model)).every((v) => v === 0)).toBe(true); // completed: nothing more expected

    await model.deliver(story.reopened);
    const weeks = await fromPlans(model);
    expect(weeks[5]).toBeGreaterThan(0); // the week of 04-14: the third instalment
    expect(weeks.filter((v, i) => i !== 5 && v !== 0)).toEqual([]);
  });

  it('gives the same forecast whatever the order: reopened before completed, or each event a batch in reverse', async () => {
    const inOrder = await start();
    await inOrder.deliver([...story.agreed, ...story.completed, ...story.reopened]);
    const reopenedFirst = await start();
    await reopenedFirst.deliver(story.reopened);
    await reopenedFirst.deliver([...story.agreed, ...story.completed]);
    const reversed = await start();
    for (const e of [...story.agreed, ...story.completed, ...story.reopened].reverse()) await reversed.deliver([e]);
    await reversed.deliver(story.completed.slice(-1), () => 'completion-republished'); // a republish changes nothing

    const expected = await fromPlans(inOrder);
    expect(expected[5]).toBeGreaterThan(0);
    for (const m of [reopenedFirst, reversed]) expect(await fromPlans(m)).toEqual(expected);
  });
});
