import { promises } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { deliver, openUtcAccount, outboxTypesOf, published, reversalOf, usdPayment } from './support/events';
import { PromisesApi, startPromisesApi, weeklyPlanOf300 } from './support/promises-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const at = (date: string, hour = 10) => new Date(`${date}T${String(hour).padStart(2, '0')}:00:00Z`);

/**
 * A reversal that takes a completed plan back below its total reopens it (PlanReopened, once, before
 * any InstalmentMissed or PromiseBroken it causes); and a payment that counted towards nothing is
 * remembered, so its replay counts towards nothing either, even a promise made since.
 */
describe('a reversal reopens a completed plan, and a payment that counted nowhere stays counted nowhere (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  const openAccount = () => openUtcAccount(sut, 'ro', at('2026-03-02'));

  const payment = (accountId: string, amountMinor: number) => usdPayment(accountId, amountMinor, sut.clock.now());
  const reopened = async (accountId: string) =>
    (await published(sut, 'collections.promises.v1.PlanReopened')).filter((e) => e.accountId === accountId);
  /** The account's events (both topics), in the order they were published. */
  const eventsOf = (accountId: string) => outboxTypesOf(sut, accountId);

  const newPlan = (accountId: string) => weeklyPlanOf300(api, accountId);

  it('reopens a completed plan once when one of its payments bounces, and completes it again on a new payment', async () => {
    const accountId = await openAccount();
    const planId = await newPlan(accountId);
    sut.clock.set(at('2026-03-09'));
    const first = payment(accountId, 200_00);
    const last = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', first);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', last);
    expect((await client.getPlan({ planId }, md())).plan!.state).toBe(promises.PlanState.PLAN_STATE_COMPLETED);

    sut.clock.set(at('2026-03-11'));
    const reversalId = await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(last));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(last), reversalId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(last)); // same reversal, new event id

    expect(await reopened(accountId)).toEqual([
      {
        planId,
        accountId,
        paymentId: last.paymentId,
        remaining: USD(100_00),
        reopenedAt: at('2026-03-11'),
        completion: 1,
      },
    ]);
    expect((await client.getPlan({ planId }, md())).plan!.state).toBe(promises.PlanState.PLAN_STATE_ACTIVE);

    // The debtor pays the last instalment again: the plan completes a second time.
    sut.clock.set(at('2026-03-12'));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', payment(accountId, 100_00));
    expect((await client.getPlan({ planId }, md())).plan!.state).toBe(promises.PlanState.PLAN_STATE_COMPLETED);
    // Each completion numbered: the one the reopening withdrew, then the plan's second.
    expect(
      (await published(sut, 'collections.promises.v1.PlanCompleted'))
        .filter((e) => e.planId === planId)
        .map((e) => e.completion),
    ).toEqual([1, 2]);
    expect(await eventsOf(accountId)).toEqual([
      'PlanAgreed',
      'PromiseKept',
      'PromiseKept',
      'PromiseKept',
      'PlanCompleted',
      'PromiseKeptWithdrawn',
      'PlanReopened',
      'PromiseKept',
      'PlanCompleted',
    ]);
  });

  it('reopens a completed plan before announcing the instalments the reversal leaves missed', async () => {
    const accountId = await openAccount();
    const planId = await newPlan(accountId);
    sut.clock.set(at('2026-03-09'));
    const paid = payment(accountId, 300_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', paid);
    sut.clock.set(at('2026-03-14')); // the first instalment's grace ended on 13 March
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(paid));

    expect(await reopened(accountId)).toEqual([
      {
        planId,
        accountId,
        paymentId: paid.paymentId,
        remaining: USD(300_00),
        reopenedAt: at('2026-03-14'),
        completion: 1,
      },
    ]);
    expect((await eventsOf(accountId)).slice(1)).toEqual([
      'PromiseKept',
      'PromiseKept',
      'PromiseKept',
      'PlanCompleted',
      'PromiseKeptWithdrawn',
      'PromiseKeptWithdrawn',
      'PromiseKeptWithdrawn',
      'PlanReopened',
      'InstalmentMissed',
      'PromiseBroken',
    ]);
  });

  it('does not count a payment made before a promise towards it when the payment is replayed after', async () => {
    const accountId = await openAccount();
    sut.clock.set(at('2026-03-03'));
    const early = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', early); // nothing to count it towards
    const { promise } = await client.createPromise(
      { accountId, amount: USD(100_00), dueDate: '2026-03-10', idempotencyKey: `p-${accountId}` },
      md(),
    );
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', early); // same payment, new event id

    expect(
      (await published(sut, 'collections.promises.v1.PromiseKept')).filter((e) => e.accountId === accountId),
    ).toEqual([]);
    const [row] = (await sut.dataSource.query(
      `SELECT paid_minor::int AS paid, state FROM promises.promise WHERE id = $1`,
      [promise!.promiseId],
    )) as { paid: number; state: number }[];
    expect(row).toEqual({ paid: 0, state: promises.PromiseState.PROMISE_STATE_OPEN });
  });

  it('takes nothing off when a payment that counted towards nothing is reversed, and says so once', async () => {
    const accountId = await openAccount();
    sut.clock.set(at('2026-03-03'));
    const early = payment(accountId, 100_00);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', early);
    const { promise } = await client.createPromise(
      { accountId, amount: USD(100_00), dueDate: '2026-03-10', idempotencyKey: `p-${accountId}` },
      md(),
    );
    const infos: unknown[][] = [];
    const info = jest.spyOn(sut.context.logger, 'info').mockImplementation(((...args: unknown[]) => {
      infos.push(args);
    }) as never);
    try {
      const reversalId = await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(early));
      await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(early), reversalId); // redelivery
      await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(early)); // same reversal, new event id
    } finally {
      info.mockRestore();
    }
    const said = infos.filter(([fields]) => (fields as { paymentId?: string }).paymentId === early.paymentId);
    expect(said).toEqual([
      [
        { tenantId: sut.tenant, paymentId: early.paymentId },
        'reversed payment had counted towards nothing: nothing to take off',
      ],
    ]);
    expect(await eventsOf(accountId)).toEqual(['PromiseMade']);
    const [row] = (await sut.dataSource.query(
      `SELECT paid_minor::int AS paid, state FROM promises.promise WHERE id = $1`,
      [promise!.promiseId],
    )) as { paid: number; state: number }[];
    expect(row).toEqual({ paid: 0, state: promises.PromiseState.PROMISE_STATE_OPEN });
  });
});
