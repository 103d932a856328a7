import { reporting } from '@collections/contracts';
import { USD, at, eventScript } from './support/event-script';
import { shuffled } from './support/portfolio-events';
import { ReadModel } from './support/read-model';

/**
 * Payments towards an open settlement in the cash forecast, computed by hand:
 *   T opened 01-05 owing 200.00, settled for 150.00 due 01-31 and paid on 01-30: the settlements'
 *     kept rate is 1 in 1, so an open settlement is expected in full (what remains of it).
 *   S opened 01-05 owing 900.00, never scored; on 03-02 it agrees to settle for 600.00 by
 *     Wednesday 03-25 (the second forecast week from Wednesday 03-11), pays 200.00 of it on 03-10,
 *     and that payment bounces on 03-12.
 */
function paymentEvents() {
  const { add, open, pay, balance, take } = eventScript('sp', { openingBalanceHour: 13 });
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
  const applied = (paymentId: string, day: string, amount: number, paid: number, remaining: number) =>
    add('collections.promises.v1.SettlementPaymentApplied', at(day, 14), {
      settlementId: 'set-S',
      accountId: 'S',
      paymentId,
      applied: USD(amount),
      paid: USD(paid),
      remaining: USD(remaining),
      appliedAt: at(day, 14),
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
  settle('set-S', 'S', '2026-03-02', 90_000, 60_000, '2026-03-25');
  const agreed = take();

  pay('S', 'pay-S1', '2026-03-10', 20_000, 70_000);
  applied('pay-S1', '2026-03-10', 20_000, 20_000, 40_000);
  const paid = take();

  applied('pay-S1', '2026-03-12', -20_000, 0, 60_000);
  const bounced = take();
  return { agreed, paid, bounced };
}

describe('payments towards an open settlement in the cash forecast (real PostgreSQL)', () => {
  const { agreed, paid, bounced } = paymentEvents();
  const models: ReadModel[] = [];
  const started = async () => {
    const m = await new ReadModel().start();
    models.push(m);
    return m;
  };
  afterAll(async () => {
    for (const m of models) await m.close();
  });

  /** What the forecast as of Wednesday 03-11 expects week by week (from Monday 03-16). */
  const expected = async (m: ReadModel) =>
    (
      await m.client.getCashForecast(reporting.GetCashForecastRequest.fromPartial({ asOfDate: '2026-03-11' }), m.md())
    ).weeks.map((w) => w.expectedMinor);
  const dueWeekOnly = (amountMinor: number) => [0, amountMinor, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

  it('expects only what remains of a settlement in its due week once a payment towards it is announced', async () => {
    const m = await started();
    await m.deliver(agreed);
    expect(await expected(m)).toEqual(dueWeekOnly(60_000));
    await m.deliver(paid);
    expect(await expected(m)).toEqual(dueWeekOnly(40_000));
  });

  it('expects the same when the events arrive in reverse order, one at a time, then again republished', async () => {
    const m = await started();
    for (const e of [...agreed, ...paid].reverse()) await m.deliver([e]);
    expect(await expected(m)).toEqual(dueWeekOnly(40_000));
    await m.deliver(shuffled([...agreed, ...paid], 3), (e) => `again-${e.id}`);
    expect(await expected(m)).toEqual(dueWeekOnly(40_000));
  });

  it('expects the whole sum again once the payment is reversed, whichever of the two comes first', async () => {
    const inOrder = await started();
    await inOrder.deliver([...agreed, ...paid]);
    expect(await expected(inOrder)).toEqual(dueWeekOnly(40_000));
    await inOrder.deliver(bounced);
    expect(await expected(inOrder)).toEqual(dueWeekOnly(60_000));

    const reversed = await started();
    for (const e of [...agreed, ...paid, ...bounced].reverse()) await reversed.deliver([e]);
    await reversed.deliver(paid, (e) => `again-${e.id}`); // the payment replayed after its reversal
    expect(await expected(reversed)).toEqual(dueWeekOnly(60_000));
  });
});
