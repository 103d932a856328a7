import { ServiceUnderTest } from '@collections/testing';
import { deliver, openUtcAccount, outboxTypesOf, published, reversalOf, usdPayment } from './support/events';
import { PromisesApi, startPromisesApi, weeklyPlanOf300 } from './support/promises-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const at = (date: string, hour = 10) => new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);

/**
 * A reversed payment that had kept a promise, or a plan's instalment, withdraws its PromiseKept
 * (PromiseKeptWithdrawn, once), so the orchestrator and reporting stop taking it as kept; when the
 * grace days already passed, the withdrawal comes before the PromiseBroken.
 */
describe('a reversal withdraws the PromiseKept of what its payment had kept (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  const openAccount = () => openUtcAccount(sut, 'kw', at('2026-03-02'));

  const payment = (accountId: string, amountMinor: number) => usdPayment(accountId, amountMinor, sut.clock.now());
  const withdrawn = async (accountId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseKeptWithdrawn')).filter((e) => e.accountId === accountId);
  /** The account's promise events, in the order they were published. */
  const promiseEventsOf = (accountId: string) => outboxTypesOf(sut, accountId, 'collections.promises.promise.v1');

  it('withdraws a kept single promise once when its payment bounces, however often the reversal comes', async () => {
    const accountId = await openAccount();
    const { promise } = await client.createPromise(
      { accountId, amount: USD(100_00), dueDate: '2026-03-10', idempotencyKey: `p-${accountId}` },
      md(),
    );
    const promiseId = promise!.promiseId;
    sut.clock.set(at('2026-03-09'));
    const paid = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid);
    expect(await withdrawn(accountId)).toEqual([]);

    sut.clock.set(at('2026-03-11'));
    const reversalId = await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid), reversalId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid)); // same reversal, new event id

    expect(await withdrawn(accountId)).toEqual([
      {
        promiseId,
        accountId,
        planId: '',
        instalmentSeq: 0,
        paymentId: paid.paymentId,
        paid: USD(0),
        withdrawnAt: at('2026-03-11'),
      },
    ]);
    expect(await promiseEventsOf(accountId)).toEqual(['PromiseMade', 'PromiseKept', 'PromiseKeptWithdrawn']);
  });

  it('withdraws a kept single promise before breaking it when the reversal comes after the grace days', async () => {
    const accountId = await openAccount();
    await client.createPromise(
      { accountId, amount: USD(100_00), dueDate: '2026-03-10', idempotencyKey: `p-${accountId}` },
      md(),
    );
    sut.clock.set(at('2026-03-10'));
    const paid = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid);
    sut.clock.set(at('2026-03-20')); // grace ended on 13 March
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid));
    await client.runDaily({ asOfDate: '' }, md());

    expect(await promiseEventsOf(accountId)).toEqual([
      'PromiseMade',
      'PromiseKept',
      'PromiseKeptWithdrawn',
      'PromiseBroken',
    ]);
  });

  const newPlan = (accountId: string) => weeklyPlanOf300(api, accountId);

  it("withdraws a kept instalment once, naming its plan and seq, and keeps what the plan's other payments paid", async () => {
    const accountId = await openAccount();
    const planId = await newPlan(accountId);
    sut.clock.set(at('2026-03-09'));
    const first = payment(accountId, 60_00);
    const second = payment(accountId, 40_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', first);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', second);
    expect(
      (await published(sut, 'collections.promises.v1.PromiseKept')).filter((e) => e.planId === planId),
    ).toHaveLength(1);

    sut.clock.set(at('2026-03-11'));
    const reversalId = await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(second));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(second), reversalId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(second)); // same reversal, new event id

    expect(await withdrawn(accountId)).toEqual([
      {
        promiseId: `${planId}/1`,
        accountId,
        planId,
        instalmentSeq: 1,
        paymentId: second.paymentId,
        paid: USD(60_00),
        withdrawnAt: at('2026-03-11'),
      },
    ]);
  });

  it('withdraws a kept instalment before breaking it when the reversal comes after the grace days', async () => {
    const accountId = await openAccount();
    await newPlan(accountId);
    sut.clock.set(at('2026-03-09'));
    const paid = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid);
    sut.clock.set(at('2026-03-20')); // the first instalment's grace ended on 13 March
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid));

    expect(await promiseEventsOf(accountId)).toEqual(['PromiseKept', 'PromiseKeptWithdrawn', 'PromiseBroken']);
  });
});
