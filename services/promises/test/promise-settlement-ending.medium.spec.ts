import { randomUUID } from 'node:crypto';
import { ServiceError, status } from '@grpc/grpc-js';
import { ledger, promises } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, waitFor } from '@collections/testing';
import { PromisesRepository } from '../src/promises/promises.repository';
import { SettlementsRepository } from '../src/settlements/settlements.repository';
import { deliver, outboxTypesOf, published, usdPayment, utcAccountOpened } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PromiseState, SettlementState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);

/**
 * A person ends a single promise taken by mistake (CancelPromise) or takes back a settlement offer
 * the creditor recalls (WithdrawSettlement): once, with who and why, announced without the why; a
 * retry with the same idempotency key answers the same; the daily run then neither breaks nor
 * lapses them, a later payment counts towards neither, and what was paid before stays. UTC accounts
 * owing 1,000.00 USD in a real ledger; default rules (3 grace days).
 */
describe('cancelling a single promise and withdrawing a settlement (real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let ledgerSut: ServiceUnderTest;
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    ({ ledgerSut, sut } = env);
  });
  afterAll(() => env?.close());

  const clock = (date: string) => {
    sut.clock.set(at(date));
    ledgerSut.clock.set(at(date));
  };

  /** A UTC account owing 1,000.00 USD in the ledger, announced to promises (with its debtor), on 2026-03-02. */
  async function newAccount(debtorId = `d-${randomUUID().slice(0, 8)}`): Promise<string> {
    clock('2026-03-02');
    const accountId = `ending-${randomUUID().slice(0, 8)}`;
    await env.openLedgerAccount(accountId, {
      amountMinor: 100_000,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      ...utcAccountOpened(accountId),
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
    });
    return accountId;
  }

  const promiseOf = async (accountId: string, amountMinor = 20_000, dueDate = '2026-03-10') =>
    (
      await env.client.createPromise(
        { accountId, amount: USD(amountMinor), dueDate, idempotencyKey: `promise-${randomUUID()}` },
        env.md(),
      )
    ).promise!.promiseId;

  /** A settlement of 750.00 USD due 2026-03-12, taken by an agent. */
  const settlementOf = async (accountId: string) =>
    (
      await env.client.createSettlement(
        {
          accountId,
          amount: USD(75_000),
          dueDate: '2026-03-12',
          channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
          takenBy: promises.TakenBy.TAKEN_BY_AGENT,
          agentId: 'agent-1',
          idempotencyKey: `settle-${accountId}`,
        },
        env.md(),
      )
    ).settlement!.settlementId;

  const pay = async (accountId: string, amountMinor: number, date: string) => {
    clock(date);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', usdPayment(accountId, amountMinor, at(date)));
  };
  const runDailyThrough = async (dates: string[]) => {
    for (const date of dates) {
      clock(date);
      await env.client.runDaily({ asOfDate: '' }, env.md());
    }
  };

  const cancelRequest = (promiseId: string, over: Partial<promises.CancelPromiseRequest> = {}) => ({
    promiseId,
    reason: 'wrong amount: the debtor promised 100.00',
    agentId: 'agent-7',
    idempotencyKey: `cancel-${promiseId}`,
    ...over,
  });
  const withdrawRequest = (settlementId: string, over: Partial<promises.WithdrawSettlementRequest> = {}) => ({
    settlementId,
    reason: 'the creditor recalled the offer',
    agentId: 'sup-3',
    idempotencyKey: `withdraw-${settlementId}`,
    ...over,
  });

  const errorOf = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );
  const promise = async (promiseId: string) => (await env.client.getPromise({ promiseId }, env.md())).promise!;
  const settlement = async (settlementId: string) =>
    (await env.client.getSettlement({ settlementId }, env.md())).settlement!;
  const cancelledEvents = async (promiseId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseCancelled')).filter((e) => e.promiseId === promiseId);
  const withdrawnEvents = async (settlementId: string) =>
    (await published(sut, 'collections.promises.v1.SettlementWithdrawn')).filter(
      (e) => e.settlementId === settlementId,
    );
  const discounts = async (accountId: string) =>
    (
      await ledgerSut.dataSource.query(
        `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = $2`,
        [accountId, ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT],
      )
    )[0].n as number;
  const rest = (path: string, body: unknown, apiKey = sut.apiKey) =>
    fetch(`${sut.app.httpUrl}${path}`, {
      method: 'POST',
      headers: { [API_KEY_HEADER]: apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('cancels an open promise once, keeps what it was paid, answers a retry alike, and neither the daily run nor a later payment touches it', async () => {
    const accountId = await newAccount();
    const promiseId = await promiseOf(accountId);
    await pay(accountId, 5_000, '2026-03-03'); // counted to the promise before the cancel

    clock('2026-03-04');
    const { promise: cancelled } = await env.client.cancelPromise(cancelRequest(promiseId), env.md());
    const expected = {
      promiseId,
      state: PromiseState.PROMISE_STATE_CANCELLED,
      paid: USD(5_000),
      cancelledAt: at('2026-03-04'),
      cancelledBy: 'agent-7',
      cancelReason: 'wrong amount: the debtor promised 100.00',
    };
    expect(cancelled).toMatchObject(expected);
    expect(await promise(promiseId)).toMatchObject(expected);
    const announced = [
      {
        promiseId,
        accountId,
        amount: USD(20_000),
        paid: USD(5_000),
        dueDate: '2026-03-10',
        cancelledAt: at('2026-03-04'),
        cancelledBy: 'agent-7',
      },
    ];
    expect(await cancelledEvents(promiseId)).toEqual(announced);

    // A retry with the same key answers the cancelled promise again and announces nothing more.
    clock('2026-03-05');
    expect((await env.client.cancelPromise(cancelRequest(promiseId), env.md())).promise).toMatchObject(expected);
    expect(
      await errorOf(env.client.cancelPromise(cancelRequest(promiseId, { idempotencyKey: 'k2' }), env.md())),
    ).toEqual({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/is already cancelled/) });

    // A later payment counts towards nothing of it; past its due date and grace days it is not broken.
    await pay(accountId, 20_000, '2026-03-06');
    await runDailyThrough(['2026-03-14', '2026-04-01']);
    expect(await promise(promiseId)).toMatchObject({ state: PromiseState.PROMISE_STATE_CANCELLED, paid: USD(5_000) });
    expect(await cancelledEvents(promiseId)).toEqual(announced);
    expect(await outboxTypesOf(sut, accountId)).toEqual(['PromiseMade', 'PromiseCancelled']);
  });

  it('refuses to cancel a kept or broken promise (FAILED_PRECONDITION) and another tenant’s or an unknown one (NOT_FOUND)', async () => {
    const keptAccount = await newAccount();
    const keptId = await promiseOf(keptAccount, 20_000, '2026-03-10');
    await pay(keptAccount, 20_000, '2026-03-03');
    const brokenAccount = await newAccount();
    const brokenId = await promiseOf(brokenAccount, 20_000, '2026-03-03');
    await runDailyThrough(['2026-03-07']);
    expect((await promise(keptId)).state).toBe(PromiseState.PROMISE_STATE_KEPT);
    expect((await promise(brokenId)).state).toBe(PromiseState.PROMISE_STATE_BROKEN);

    expect(await errorOf(env.client.cancelPromise(cancelRequest(keptId), env.md()))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is kept: only an open promise can be cancelled/),
    });
    expect(await errorOf(env.client.cancelPromise(cancelRequest(brokenId), env.md()))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is broken/),
    });

    const openId = await promiseOf(await newAccount());
    expect((await errorOf(env.client.cancelPromise(cancelRequest(openId), env.mdOther()))).code).toBe(status.NOT_FOUND);
    expect((await errorOf(env.client.cancelPromise(cancelRequest(randomUUID()), env.md()))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await errorOf(env.client.cancelPromise(cancelRequest('not-an-id'), env.md()))).code).toBe(status.NOT_FOUND);
    for (const id of [keptId, brokenId, openId]) expect(await cancelledEvents(id)).toEqual([]);
    expect((await promise(openId)).state).toBe(PromiseState.PROMISE_STATE_OPEN);
  });

  it('refuses a cancel or a withdrawal without a one-line reason, an idempotency key or, with the API key, the agent, and changes nothing', async () => {
    const accountId = await newAccount();
    const promiseId = await promiseOf(accountId);
    const settlementId = await settlementOf(accountId);
    const bad: [Record<string, string>, RegExp][] = [
      [{ reason: '  ' }, /reason is required/],
      [{ reason: 'x'.repeat(501) }, /at most 500/],
      [{ reason: 'Ana\nsaid no' }, /control characters/],
      [{ idempotencyKey: '' }, /idempotency_key is required/],
      // The tenant's API key names no person: the system calling with it says whom it acts for, as CancelPlan asks.
      [{ agentId: '' }, /agent_id is required: who ends the (promise|settlement)/],
    ];
    for (const [over, message] of bad) {
      const cancel = await errorOf(env.client.cancelPromise(cancelRequest(promiseId, over), env.md()));
      const withdraw = await errorOf(env.client.withdrawSettlement(withdrawRequest(settlementId, over), env.md()));
      for (const answer of [cancel, withdraw]) {
        expect({ over, code: answer.code }).toEqual({ over, code: status.INVALID_ARGUMENT });
        expect(answer.details).toMatch(message);
      }
    }
    expect((await promise(promiseId)).state).toBe(PromiseState.PROMISE_STATE_OPEN);
    expect((await settlement(settlementId)).state).toBe(SettlementState.SETTLEMENT_STATE_OPEN);
  });

  it('withdraws an open settlement once, keeps what it was paid, and it neither lapses, takes a later payment nor posts a discount', async () => {
    const accountId = await newAccount();
    const settlementId = await settlementOf(accountId);
    await pay(accountId, 10_000, '2026-03-03'); // counted to the settlement before the withdrawal

    clock('2026-03-04');
    const { settlement: withdrawn } = await env.client.withdrawSettlement(withdrawRequest(settlementId), env.md());
    const expected = {
      settlementId,
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      paid: USD(10_000),
      withdrawnAt: at('2026-03-04'),
      withdrawnBy: 'sup-3',
      withdrawReason: 'the creditor recalled the offer',
    };
    expect(withdrawn).toMatchObject(expected);
    const announced = [
      {
        settlementId,
        accountId,
        amount: USD(75_000),
        paid: USD(10_000),
        dueDate: '2026-03-12',
        withdrawnAt: at('2026-03-04'),
        withdrawnBy: 'sup-3',
      },
    ];
    expect(await withdrawnEvents(settlementId)).toEqual(announced);

    clock('2026-03-05');
    expect((await env.client.withdrawSettlement(withdrawRequest(settlementId), env.md())).settlement).toMatchObject(
      expected,
    );
    expect(
      await errorOf(env.client.withdrawSettlement(withdrawRequest(settlementId, { idempotencyKey: 'k2' }), env.md())),
    ).toEqual({ code: status.FAILED_PRECONDITION, details: expect.stringMatching(/is already withdrawn/) });

    // The rest of the sum, paid within the due date: it does not complete the withdrawn settlement.
    await pay(accountId, 65_000, '2026-03-10');
    await runDailyThrough(['2026-03-16', '2026-04-01']);
    expect(await settlement(settlementId)).toMatchObject(expected);
    expect(await discounts(accountId)).toBe(0);
    expect(await withdrawnEvents(settlementId)).toEqual(announced);
    expect(await outboxTypesOf(sut, accountId)).toEqual([
      'SettlementAgreed',
      'SettlementPaymentApplied',
      'SettlementWithdrawn',
    ]);
  });

  it('refuses to withdraw a paid or lapsed settlement (FAILED_PRECONDITION) and another tenant’s or an unknown one (NOT_FOUND)', async () => {
    const paidAccount = await newAccount();
    const paidId = await settlementOf(paidAccount);
    await pay(paidAccount, 75_000, '2026-03-03');
    const lapsedAccount = await newAccount();
    const lapsedId = await settlementOf(lapsedAccount);
    await runDailyThrough(['2026-03-16']);
    expect((await settlement(paidId)).state).toBe(SettlementState.SETTLEMENT_STATE_PAID);
    expect((await settlement(lapsedId)).state).toBe(SettlementState.SETTLEMENT_STATE_LAPSED);

    expect(await errorOf(env.client.withdrawSettlement(withdrawRequest(paidId), env.md()))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is paid: only an open settlement can be withdrawn/),
    });
    expect(await errorOf(env.client.withdrawSettlement(withdrawRequest(lapsedId), env.md()))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: expect.stringMatching(/is lapsed/),
    });

    const openId = await settlementOf(await newAccount());
    expect((await errorOf(env.client.withdrawSettlement(withdrawRequest(openId), env.mdOther()))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await errorOf(env.client.withdrawSettlement(withdrawRequest(randomUUID()), env.md()))).code).toBe(
      status.NOT_FOUND,
    );
    for (const id of [paidId, lapsedId, openId]) expect(await withdrawnEvents(id)).toEqual([]);
    expect((await settlement(openId)).state).toBe(SettlementState.SETTLEMENT_STATE_OPEN);
  });

  it('cancels a promise at POST /v1/promises/promises/{id}/cancel and withdraws a settlement at POST /v1/promises/settlements/{id}/withdraw', async () => {
    const accountId = await newAccount();
    const promiseId = await promiseOf(accountId);
    const settlementId = await settlementOf(accountId);

    expect(
      (await rest(`/v1/promises/promises/${promiseId}/cancel`, cancelRequest(promiseId), sut.otherApiKey)).status,
    ).toBe(404);
    const cancelled = await rest(`/v1/promises/promises/${promiseId}/cancel`, {
      reason: 'debtor retracted it on the call',
      agentId: 'agent-9',
      idempotencyKey: 'rest-k1',
    });
    expect(cancelled.status).toBe(200);
    expect(((await cancelled.json()) as { promise: unknown }).promise).toMatchObject({
      promiseId,
      state: PromiseState.PROMISE_STATE_CANCELLED,
      cancelledBy: 'agent-9',
      cancelReason: 'debtor retracted it on the call',
    });
    const again = await rest(`/v1/promises/promises/${promiseId}/cancel`, {
      reason: 'debtor retracted it on the call',
      agentId: 'agent-9',
      idempotencyKey: 'rest-k1',
    });
    expect(again.status).toBe(200);
    const other = await rest(`/v1/promises/promises/${promiseId}/cancel`, cancelRequest(promiseId));
    expect(other.status).toBe(422);
    expect(await cancelledEvents(promiseId)).toHaveLength(1);

    expect(
      (await rest(`/v1/promises/settlements/${settlementId}/withdraw`, withdrawRequest(settlementId), sut.otherApiKey))
        .status,
    ).toBe(404);
    const withdrawn = await rest(`/v1/promises/settlements/${settlementId}/withdraw`, {
      reason: 'creditor recalled the offer',
      agentId: 'sup-9',
      idempotencyKey: 'rest-w1',
    });
    expect(withdrawn.status).toBe(200);
    expect(((await withdrawn.json()) as { settlement: unknown }).settlement).toMatchObject({
      settlementId,
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      withdrawnBy: 'sup-9',
      withdrawReason: 'creditor recalled the offer',
    });
    expect(
      (await rest(`/v1/promises/settlements/${settlementId}/withdraw`, withdrawRequest(settlementId))).status,
    ).toBe(422);
    expect(await withdrawnEvents(settlementId)).toHaveLength(1);
  });

  it('erases why a promise was cancelled and why a settlement was withdrawn when the ledger erases the account’s debtor', async () => {
    const debtorId = `debtor-${randomUUID().slice(0, 8)}`;
    const accountId = await newAccount(debtorId);
    const promiseId = await promiseOf(accountId);
    const settlementId = await settlementOf(accountId);
    await env.client.cancelPromise(cancelRequest(promiseId, { reason: 'Juan Pérez gave the wrong account' }), env.md());
    await env.client.withdrawSettlement(
      withdrawRequest(settlementId, { reason: 'Juan Pérez is in hospital' }),
      env.md(),
    );
    expect((await promise(promiseId)).cancelReason).toBe('Juan Pérez gave the wrong account');
    expect((await settlement(settlementId)).withdrawReason).toBe('Juan Pérez is in hospital');

    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      ledger.DebtorUpserted.fromPartial({ debtorId, erased: true }),
    );
    expect(await promise(promiseId)).toMatchObject({
      state: PromiseState.PROMISE_STATE_CANCELLED,
      cancelledBy: 'agent-7',
      cancelReason: 'erased',
    });
    expect(await settlement(settlementId)).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      withdrawnBy: 'sup-3',
      withdrawReason: 'erased',
    });
  });

  /** Sessions of this test's database waiting for a lock (a row's, here). */
  async function lockWaits(): Promise<number> {
    const [{ n }] = (await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    )) as { n: number }[];
    return n;
  }

  /**
   * Something else holds the row's lock (`lock`) while `first` and then `second` queue behind it, in
   * that order; then it lets go and both run to their end.
   */
  async function queued(
    lock: (m: ServiceUnderTest['dataSource']['manager']) => Promise<unknown>,
    first: () => Promise<unknown>,
    second: () => Promise<unknown>,
  ) {
    const holder = sut.dataSource.createQueryRunner();
    const calls: Promise<unknown>[] = [];
    try {
      await holder.startTransaction();
      await lock(holder.manager);
      calls.push(first().catch((err: unknown) => err));
      await waitFor(async () => (await lockWaits()) === 1, { message: 'the first waiting for the row' });
      calls.push(second().catch((err: unknown) => err));
      await waitFor(async () => (await lockWaits()) === 2, { message: 'the second waiting behind the first' });
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    return Promise.all(calls);
  }

  const payment = (accountId: string, amountMinor: number) => () =>
    deliver(sut, 'collections.ledger.v1.PaymentPosted', usdPayment(accountId, amountMinor, at('2026-03-04')));

  it('counts a payment that locked the promise before the cancel, and announces it in what the promise was paid', async () => {
    const accountId = await newAccount();
    const promiseId = await promiseOf(accountId);
    clock('2026-03-04');
    await queued(
      (m) => new PromisesRepository().lock(m, sut.tenant, promiseId),
      payment(accountId, 6_000),
      () => env.client.cancelPromise(cancelRequest(promiseId), env.md()),
    );
    expect(await promise(promiseId)).toMatchObject({ state: PromiseState.PROMISE_STATE_CANCELLED, paid: USD(6_000) });
    expect(await cancelledEvents(promiseId)).toMatchObject([{ paid: USD(6_000) }]);
  }, 60_000);

  it('counts nothing to a promise whose cancel locked it before the payment', async () => {
    const accountId = await newAccount();
    const promiseId = await promiseOf(accountId);
    clock('2026-03-04');
    await queued(
      (m) => new PromisesRepository().lock(m, sut.tenant, promiseId),
      () => env.client.cancelPromise(cancelRequest(promiseId), env.md()),
      payment(accountId, 6_000),
    );
    expect(await promise(promiseId)).toMatchObject({ state: PromiseState.PROMISE_STATE_CANCELLED, paid: USD(0) });
    expect(await cancelledEvents(promiseId)).toMatchObject([{ paid: USD(0) }]);
  }, 60_000);

  it('counts a payment that locked the settlement before the withdrawal, and nothing once the withdrawal locked it first', async () => {
    const before = await newAccount();
    const countedId = await settlementOf(before);
    clock('2026-03-04');
    await queued(
      (m) => new SettlementsRepository().lock(m, sut.tenant, countedId),
      payment(before, 10_000),
      () => env.client.withdrawSettlement(withdrawRequest(countedId), env.md()),
    );
    expect(await settlement(countedId)).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      paid: USD(10_000),
    });
    expect(await withdrawnEvents(countedId)).toMatchObject([{ paid: USD(10_000) }]);

    const after = await newAccount();
    const uncountedId = await settlementOf(after);
    clock('2026-03-04');
    await queued(
      (m) => new SettlementsRepository().lock(m, sut.tenant, uncountedId),
      () => env.client.withdrawSettlement(withdrawRequest(uncountedId), env.md()),
      payment(after, 10_000),
    );
    expect(await settlement(uncountedId)).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      paid: USD(0),
    });
    expect(await withdrawnEvents(uncountedId)).toMatchObject([{ paid: USD(0) }]);
  }, 60_000);
});
