import { randomUUID } from 'node:crypto';
import { promises } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { deliver, deliverBatch, published, reversalOf, usdPayment, utcAccountOpened } from './support/events';
import { PromisesApi, startPromisesApi } from './support/promises-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const at = (date: string, hour = 10) => new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);
const { PROMISE_STATE_OPEN: OPEN, PROMISE_STATE_KEPT: KEPT, PROMISE_STATE_BROKEN: BROKEN } = promises.PromiseState;

/**
 * Every payment counts once towards the account's single promises, and a reversal takes off what
 * it counted: a payment replayed under a new event id (the ledger's replay) keeps nothing twice,
 * and a promise kept by a payment that bounced is open again, or broken once its due date plus
 * the grace days (3) passed.
 */
describe('single promises count each payment once and give back a reversed one (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  /** A UTC account with promises of these amounts, due on these days (made on 2 March). */
  async function accountWithPromises(...due: [amountMinor: number, dueDate: string][]) {
    const accountId = `pp-${randomUUID().slice(0, 8)}`;
    sut.clock.set(at('2026-03-02'));
    await deliver(sut, 'collections.ledger.v1.AccountOpened', utcAccountOpened(accountId));
    const ids: string[] = [];
    for (const [amountMinor, dueDate] of due) {
      const { promise } = await client.createPromise(
        { accountId, amount: USD(amountMinor), dueDate, idempotencyKey: `p-${accountId}-${dueDate}` },
        md(),
      );
      ids.push(promise!.promiseId);
    }
    return { accountId, promiseIds: ids };
  }

  const payment = (accountId: string, amountMinor: number) => usdPayment(accountId, amountMinor, sut.clock.now());
  const view = async (promiseId: string) => {
    const { promise } = await client.getPromise({ promiseId }, md());
    return { state: promise!.state, paid: promise!.paid };
  };
  const kept = async (promiseId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseKept')).filter((e) => e.promiseId === promiseId);
  const broken = async (promiseId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseBroken')).filter((e) => e.promiseId === promiseId);

  it('keeps a promise once when its payment is replayed, and opens it again when the payment is reversed, once', async () => {
    const {
      accountId,
      promiseIds: [promiseId, later],
    } = await accountWithPromises([100_00, '2026-03-10'], [100_00, '2026-03-24']);
    sut.clock.set(at('2026-03-09'));
    const paid = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid); // same payment, new event id
    expect(await view(promiseId)).toEqual({ state: KEPT, paid: USD(100_00) });
    expect(await kept(promiseId)).toHaveLength(1);
    expect(await view(later)).toEqual({ state: OPEN, paid: USD(0) }); // the replay kept nothing else

    // The payment bounces before the grace days end: the promise is open again, nothing paid.
    sut.clock.set(at('2026-03-11'));
    const reversalId = await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid));
    expect(await view(promiseId)).toEqual({ state: OPEN, paid: USD(0) });
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid), reversalId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid)); // same reversal, new event id
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid); // the bounced payment replayed
    expect(await view(promiseId)).toEqual({ state: OPEN, paid: USD(0) });
    expect(await view(later)).toEqual({ state: OPEN, paid: USD(0) });
    expect(await kept(promiseId)).toHaveLength(1);
    expect(await broken(promiseId)).toEqual([]);

    // Still the debtor's to keep: a new payment within the grace days keeps it again.
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', payment(accountId, 100_00));
    expect(await view(promiseId)).toEqual({ state: KEPT, paid: USD(100_00) });
    expect(await kept(promiseId)).toHaveLength(2);
    expect(await view(later)).toEqual({ state: OPEN, paid: USD(0) });
  });

  it('breaks a kept promise, once, when its payment is reversed after the grace days', async () => {
    const {
      accountId,
      promiseIds: [promiseId],
    } = await accountWithPromises([100_00, '2026-03-10']);
    sut.clock.set(at('2026-03-10'));
    const paid = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid);
    expect(await view(promiseId)).toEqual({ state: KEPT, paid: USD(100_00) });

    sut.clock.set(at('2026-03-20')); // grace ended on 13 March
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid)); // same reversal, new event id
    await client.runDaily({ asOfDate: '' }, md());

    expect(await view(promiseId)).toEqual({ state: BROKEN, paid: USD(0) });
    expect(await broken(promiseId)).toEqual([
      {
        promiseId,
        accountId,
        amount: USD(100_00),
        paid: USD(0),
        dueDate: '2026-03-10',
        brokenAt: at('2026-03-20'),
        planId: '',
        instalmentSeq: 0,
      },
    ]);
  });

  it('takes off each promise exactly what a split payment gave it, also when it came twice in one batch', async () => {
    const {
      accountId,
      promiseIds: [first, second, third],
    } = await accountWithPromises([60_00, '2026-03-10'], [70_00, '2026-03-17'], [50_00, '2026-03-24']);
    sut.clock.set(at('2026-03-09'));
    const split = payment(accountId, 100_00);
    await deliverBatch(sut, [
      { type: 'collections.ledger.v1.PaymentPosted', payload: split },
      { type: 'collections.ledger.v1.PaymentPosted', payload: split }, // same payment, new event id
    ]);
    expect(await view(first)).toEqual({ state: KEPT, paid: USD(60_00) });
    expect(await view(second)).toEqual({ state: OPEN, paid: USD(40_00) });
    expect(await view(third)).toEqual({ state: OPEN, paid: USD(0) }); // the replay kept nothing else
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', payment(accountId, 30_00));
    expect(await view(second)).toEqual({ state: KEPT, paid: USD(70_00) });

    sut.clock.set(at('2026-03-12'));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(split));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(split)); // same reversal, new event id

    expect(await view(first)).toEqual({ state: OPEN, paid: USD(0) });
    expect(await view(second)).toEqual({ state: OPEN, paid: USD(30_00) });
    expect(await view(third)).toEqual({ state: OPEN, paid: USD(0) });
    expect([...(await kept(first)), ...(await kept(second))]).toHaveLength(2);
    expect([...(await broken(first)), ...(await broken(second))]).toEqual([]);
  });

  it('does not let a plan agreed afterwards count a payment a promise took, when the payment is replayed', async () => {
    const {
      accountId,
      promiseIds: [promiseId],
    } = await accountWithPromises([100_00, '2026-03-10']);
    sut.clock.set(at('2026-03-09'));
    const paid = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid);
    const { plan } = await client.createPlan(
      {
        accountId,
        total: USD(300_00),
        downPayment: undefined,
        instalments: 3,
        frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
        firstDate: '2026-03-16',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_BOT,
        agentId: '',
        idempotencyKey: `plan-${accountId}`,
      },
      md(),
    );
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid); // same payment, new event id

    expect((await client.getPlan({ planId: plan!.planId }, md())).plan!.paid).toEqual(USD(0));
    expect(await view(promiseId)).toEqual({ state: KEPT, paid: USD(100_00) });
  });
});
