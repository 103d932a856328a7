import { reporting } from '@collections/contracts';
import { USD, at, eventScript } from './support/event-script';
import { ReadModel } from './support/read-model';

/**
 * A settlement withdrawn because the ledger settled or closed its account (promises'
 * SettlementWithdrawn): the cash forecast stops expecting its sum, and it counts in the settlements'
 * kept rate neither as paid nor as lapsed.
 *   T opened 01-05 owing 200.00, settled for 150.00 due 01-31, paid on 01-30: the settlements'
 *     kept rate is 1 paid of 1 decided.
 *   S opened 01-05 owing 900.00, agrees on 03-02 to settle for 600.00 by 03-25.
 *   W opened 01-05 owing 300.00, agrees on 03-02 to settle for 200.00 by 03-25; on 03-05 the ledger
 *     settles W's account otherwise (balance 0) and promises withdraws the settlement.
 * Neither S nor W is scored: nothing is expected from scores.
 */
function withdrawnSettlementEvents() {
  const script = eventScript('sw', { openingBalanceHour: 13 });
  const { add, open, pay, balance, take } = script;
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

  open('T', '2026-01-05', 20_000);
  settle('set-T', 'T', '2026-01-10', 20_000, 15_000, '2026-01-31');
  pay('T', 'pay-T', '2026-01-30', 15_000, 5_000);
  add('collections.promises.v1.SettlementPaid', at('2026-01-30', 15), {
    settlementId: 'set-T',
    accountId: 'T',
    paid: USD(15_000),
    discount: USD(5_000),
    discountEntryId: 'discount-set-T',
    paidOn: '2026-01-30',
    paidAt: at('2026-01-30', 15),
  });
  balance('T', 'discount-set-T', '2026-01-30', 0, 16);
  open('S', '2026-01-05', 90_000);
  open('W', '2026-01-05', 30_000);
  settle('set-S', 'S', '2026-03-02', 90_000, 60_000, '2026-03-25');
  settle('set-W', 'W', '2026-03-02', 30_000, 20_000, '2026-03-25');
  const agreed = take();

  balance('W', 'settled-W', '2026-03-05', 0, 10);
  add('collections.promises.v1.SettlementWithdrawn', at('2026-03-05', 10), {
    settlementId: 'set-W',
    accountId: 'W',
    amount: USD(20_000),
    paid: USD(0),
    dueDate: '2026-03-25',
    withdrawnAt: at('2026-03-05', 10),
    withdrawnBy: 'ledger',
  });
  const withdrawn = take();
  return { agreed, withdrawn };
}

describe('a withdrawn settlement in the cash forecast (real PostgreSQL)', () => {
  const story = withdrawnSettlementEvents();
  let model: ReadModel;

  beforeAll(async () => {
    model = await new ReadModel().start();
    await model.deliver(story.agreed);
  });
  afterAll(async () => {
    await model?.close();
  });

  const fromPlans = async (m: ReadModel, asOfDate: string) =>
    (await m.client.getCashForecast(reporting.GetCashForecastRequest.fromPartial({ asOfDate }), m.md())).weeks.map(
      (w) => w.fromPlansMinor,
    );

  it('expects a settlement no more once it is withdrawn, and does not count it as lapsed', async () => {
    // weeks from Monday 03-09: S's 600.00 and W's 200.00 due 03-25 (week 3), each at 1 paid of 1 decided
    expect((await fromPlans(model, '2026-03-04')).slice(0, 4)).toEqual([0, 0, 80_000, 0]);

    await model.deliver(story.withdrawn);
    // W's sum is expected no more; S's still at 1 in 1 (counted as lapsed, W would make it 1 in 2: 300.00)
    const after = await fromPlans(model, '2026-03-04');
    expect(after.slice(0, 4)).toEqual([0, 0, 60_000, 0]);
    expect(after.reduce((a, b) => a + b, 0)).toBe(60_000);
  });

  it('gives the same forecast when the withdrawal arrives before the agreement, or twice', async () => {
    const replayed = await new ReadModel().start();
    try {
      for (const e of [...story.withdrawn, ...[...story.agreed].reverse()]) await replayed.deliver([e]);
      await replayed.deliver(story.withdrawn);
      expect(await fromPlans(replayed, '2026-03-04')).toEqual(await fromPlans(model, '2026-03-04'));
      expect((await fromPlans(replayed, '2026-03-04')).slice(0, 4)).toEqual([0, 0, 60_000, 0]);
    } finally {
      await replayed.close();
    }
  });
});
