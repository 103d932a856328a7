import { randomUUID } from 'node:crypto';
import { ServiceError, status } from '@grpc/grpc-js';
import { ledger, promises } from '@collections/contracts';
import { API_KEY_HEADER, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest } from '@collections/testing';
import { deliver, outboxTypesOf, published, reversalOf, usdPayment, utcAccountOpened } from './support/events';
import { PromisesApi, startPromisesApi, weeklyPlanOf300 } from './support/promises-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PlanState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);

/**
 * Cancelling a payment plan (CancelPlan) with the default rules: 3 grace days, default after 2
 * missed instalments, reminders 2 days before a due date. Plans are 3 weekly instalments of
 * 100.00 USD due 2026-03-10, -17 and -24.
 */
describe('cancelling a payment plan (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  async function newPlan(accountId = `acct-${randomUUID().slice(0, 8)}`) {
    sut.clock.set(at('2026-03-02'));
    return { accountId, planId: await weeklyPlanOf300(api, accountId) };
  }

  const cancelRequest = (planId: string, over: Partial<promises.CancelPlanRequest> = {}) => ({
    planId,
    reason: 'debtor takes a settlement instead',
    agentId: 'agent-7',
    idempotencyKey: `cancel-${planId}`,
    ...over,
  });

  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const pay = async (accountId: string, amountMinor: number, date: string) => {
    sut.clock.set(at(date));
    const payment = usdPayment(accountId, amountMinor, at(date));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', payment);
    return payment;
  };

  const plan = async (planId: string) => (await client.getPlan({ planId }, md())).plan!;
  const cancelledEvents = async (planId: string) =>
    (await published(sut, 'collections.promises.v1.PlanCancelled')).filter((e) => e.planId === planId);

  it('cancels an active plan once, with who and why, and answers a retry with the same cancelled plan', async () => {
    const { planId, accountId } = await newPlan();
    await pay(accountId, 4_000, '2026-03-04');
    sut.clock.set(at('2026-03-05'));

    const { plan: cancelled } = await client.cancelPlan(cancelRequest(planId), md());
    expect(cancelled).toMatchObject({
      planId,
      state: PlanState.PLAN_STATE_CANCELLED,
      cancelledAt: at('2026-03-05'),
      cancelledBy: 'agent-7',
      cancelReason: 'debtor takes a settlement instead',
      paid: USD(4_000),
    });
    expect(await plan(planId)).toEqual(cancelled);
    // The reason, a free text, stays with the plan: the event goes out without it.
    expect(await cancelledEvents(planId)).toEqual([
      {
        planId,
        accountId,
        reason: '',
        cancelledAt: at('2026-03-05'),
        cancelledBy: 'agent-7',
        paid: USD(4_000),
      },
    ]);

    sut.clock.set(at('2026-03-06'));
    const [a, b] = await Promise.all([
      client.cancelPlan(cancelRequest(planId), md()),
      client.cancelPlan(cancelRequest(planId), md()),
    ]);
    expect(a.plan).toEqual(cancelled);
    expect(b.plan).toEqual(cancelled);
    expect(await cancelledEvents(planId)).toHaveLength(1);
  });

  it('lets later payments go as if the cancelled plan did not exist: to the account’s next plan', async () => {
    const { planId, accountId } = await newPlan();
    // A second plan of the account, agreed after the first: payments go to the oldest active one.
    sut.clock.advance(60_000);
    const { plan: second } = await client.createPlan(
      {
        accountId,
        total: USD(30_000),
        downPayment: undefined,
        instalments: 3,
        frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
        firstDate: '2026-03-10',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_BOT,
        agentId: '',
        idempotencyKey: `second-plan-${accountId}`,
      },
      md(),
    );
    await pay(accountId, 2_500, '2026-03-03');
    expect((await plan(planId)).paid).toEqual(USD(2_500));

    await client.cancelPlan(cancelRequest(planId), md());
    await pay(accountId, 6_000, '2026-03-04');

    // What the cancelled plan was paid stays; the new payment went to the other plan.
    expect((await plan(planId)).paid).toEqual(USD(2_500));
    expect((await plan(second!.planId)).paid).toEqual(USD(6_000));
  });

  it('lets a later payment count towards nothing when the cancelled plan was the account’s only one', async () => {
    const { planId, accountId } = await newPlan();
    await client.cancelPlan(cancelRequest(planId), md());
    const payment = await pay(accountId, 10_000, '2026-03-05');
    expect((await plan(planId)).paid).toEqual(USD(0));
    const unallocated = (await sut.dataSource.query(
      `SELECT amount_minor::int AS amount FROM promises.unallocated_payment WHERE payment_id = $1`,
      [payment.paymentId],
    )) as { amount: number }[];
    expect(unallocated).toEqual([{ amount: 10_000 }]);
  });

  it('has the daily run say nothing more of a cancelled plan: no reminder, no missed instalment, no default', async () => {
    const { planId, accountId } = await newPlan();
    sut.clock.set(at('2026-03-05'));
    await client.cancelPlan(cancelRequest(planId), md());
    for (const date of ['2026-03-09', '2026-03-16', '2026-03-23', '2026-04-01']) {
      sut.clock.set(at(date));
      await client.runDaily({ asOfDate: '' }, md());
    }
    expect((await plan(planId)).state).toBe(PlanState.PLAN_STATE_CANCELLED);
    expect(await outboxTypesOf(sut, accountId)).toEqual(['PlanAgreed', 'PlanCancelled']);
  });

  it('takes a reversed payment off a cancelled plan without reopening it', async () => {
    const { planId, accountId } = await newPlan();
    const payment = await pay(accountId, 10_000, '2026-03-04'); // keeps the first instalment
    await client.cancelPlan(cancelRequest(planId), md());
    sut.clock.set(at('2026-03-06'));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(payment));

    const after = await plan(planId);
    expect(after.state).toBe(PlanState.PLAN_STATE_CANCELLED);
    expect(after.paid).toEqual(USD(0));
    expect(await outboxTypesOf(sut, accountId)).toEqual([
      'PlanAgreed',
      'PromiseKept',
      'PlanCancelled',
      'PromiseKeptWithdrawn',
    ]);
  });

  it('refuses to cancel a plan that is not active, and one of another tenant or that does not exist', async () => {
    const { planId: completedId, accountId } = await newPlan();
    await pay(accountId, 30_000, '2026-03-04');
    expect((await plan(completedId)).state).toBe(PlanState.PLAN_STATE_COMPLETED);
    expect(await errorOf(client.cancelPlan(cancelRequest(completedId), md()))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is completed: only an active plan can be cancelled/),
    });

    const { planId } = await newPlan();
    await client.cancelPlan(cancelRequest(planId), md());
    expect(await errorOf(client.cancelPlan(cancelRequest(planId, { idempotencyKey: 'another' }), md()))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is already cancelled/),
    });

    const { planId: activeId } = await newPlan();
    const other = metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    expect((await errorOf(client.cancelPlan(cancelRequest(activeId), other))).code).toBe(status.NOT_FOUND);
    expect((await errorOf(client.cancelPlan(cancelRequest(randomUUID()), md()))).code).toBe(status.NOT_FOUND);
    expect((await plan(activeId)).state).toBe(PlanState.PLAN_STATE_ACTIVE);
    expect(await cancelledEvents(completedId)).toEqual([]);
    expect(await cancelledEvents(activeId)).toEqual([]);
  });

  it('refuses a cancel without a reason, a canceller or an idempotency key, and changes nothing', async () => {
    const { planId } = await newPlan();
    const bad: [Partial<promises.CancelPlanRequest>, RegExp][] = [
      [{ reason: '' }, /reason is required/],
      [{ reason: '   ' }, /reason is required/],
      [{ reason: 'x'.repeat(501) }, /at most 500/],
      [{ reason: 'line one\nline two' }, /control characters/],
      [{ agentId: '' }, /agent_id is required/],
      [{ idempotencyKey: '' }, /idempotency_key is required/],
    ];
    for (const [over, message] of bad) {
      const answer = await errorOf(client.cancelPlan(cancelRequest(planId, over), md()));
      expect({ over, code: answer.code }).toEqual({ over, code: status.INVALID_ARGUMENT });
      expect(answer.details).toMatch(message);
    }
    expect((await plan(planId)).state).toBe(PlanState.PLAN_STATE_ACTIVE);
    expect(await cancelledEvents(planId)).toEqual([]);
  });

  it('erases the reason a plan was cancelled when the ledger erases the account’s debtor', async () => {
    const debtorId = `debtor-${randomUUID().slice(0, 8)}`;
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      ...utcAccountOpened(accountId),
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
    });
    const { planId } = await newPlan(accountId);
    await client.cancelPlan(cancelRequest(planId, { reason: 'Juan Pérez lost his job' }), md());
    expect((await plan(planId)).cancelReason).toBe('Juan Pérez lost his job');

    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      ledger.DebtorUpserted.fromPartial({ debtorId, erased: true }),
    );
    expect(await plan(planId)).toMatchObject({
      state: PlanState.PLAN_STATE_CANCELLED,
      cancelledBy: 'agent-7',
      cancelReason: 'erased',
    });
  });

  it('cancels over REST at POST /v1/promises/plans/{id}/cancel', async () => {
    const { planId } = await newPlan();
    const headers = { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' };
    const body = JSON.stringify({ reason: 'creditor recalled the account', agentId: 'agent-9', idempotencyKey: 'k1' });
    const url = `${sut.app.httpUrl}/v1/promises/plans/${planId}/cancel`;
    const first = await fetch(url, { method: 'POST', headers, body });
    expect(first.status).toBe(200);
    expect(((await first.json()) as { plan: { state: number } }).plan.state).toBe(PlanState.PLAN_STATE_CANCELLED);
    const again = await fetch(url, { method: 'POST', headers, body: body.replace('k1', 'k2') });
    expect(again.status).toBe(422);
  });
});
