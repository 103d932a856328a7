import { reporting } from '@collections/contracts';
import { USD, at, eventScript } from './support/event-script';
import { ReadModel } from './support/read-model';

/**
 * A payment plan cancelled (CancelPlan: an agent's mistake, a debtor who withdrew, a creditor's
 * recall): the cash forecast stops expecting its instalments, and expects the account's balance
 * from its probability to pay again, as for an account under no plan.
 *   C opened 01-05 owing 600.00, scored 0.5;
 *   03-02: a plan of 3 × 200.00 due 03-10, 03-31 and 04-14;
 *   03-20: the plan is cancelled (the instalment of 03-10 missed).
 */
function cancelledPlanEvents() {
  const script = eventScript('pc', { openingBalanceHour: 13 });
  const { add, open, take } = script;
  open('C', '2026-01-05', 60_000);
  script.score('C', '2026-01-06', { probabilityToPay: 0.5 });
  add('collections.promises.v1.PlanAgreed', at('2026-03-02', 11), {
    planId: 'plan-C',
    accountId: 'C',
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
  add('collections.promises.v1.PlanCancelled', at('2026-03-20', 10), {
    planId: 'plan-C',
    accountId: 'C',
    reason: 'entered on the wrong account',
    cancelledAt: at('2026-03-20', 10),
    cancelledBy: 'agent-7',
    paid: USD(0),
  });
  const cancelled = take();
  return { planned, cancelled };
}

describe('a cancelled payment plan in the cash forecast (real PostgreSQL)', () => {
  const story = cancelledPlanEvents();
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
  const fromPlans = async (m: ReadModel, asOfDate: string) =>
    (await forecast(m, asOfDate)).map((w) => w.fromPlansMinor);
  const fromScores = async (m: ReadModel, asOfDate: string) =>
    (await forecast(m, asOfDate)).reduce((sum, w) => sum + w.fromScoresMinor, 0);

  it('expects the instalments of the plan while it runs, and none once it is cancelled', async () => {
    // weeks from Monday 03-23: the instalments of 03-31 and 04-14, 200.00 × 0.5 each; nothing from the score
    const running = await fromPlans(model, '2026-03-20');
    expect(running.slice(0, 4)).toEqual([0, 10_000, 0, 10_000]);
    expect(running.reduce((a, b) => a + b, 0)).toBe(20_000);
    expect(await fromScores(model, '2026-03-20')).toBe(0);

    await model.deliver(story.cancelled);
    expect((await fromPlans(model, '2026-03-20')).every((v) => v === 0)).toBe(true);
    // no longer under a plan: the account's 600.00 is expected from its probability to pay
    expect(await fromScores(model, '2026-03-20')).toBeGreaterThan(0);
  });

  it('keeps the plan cancelled when the cancellation arrives first, or twice', async () => {
    const replayed = await new ReadModel().start();
    try {
      for (const e of [...story.cancelled, ...[...story.planned].reverse()]) await replayed.deliver([e]);
      await replayed.deliver(story.cancelled);
      expect(await forecast(replayed, '2026-03-20')).toEqual(await forecast(model, '2026-03-20'));
    } finally {
      await replayed.close();
    }
  });
});
