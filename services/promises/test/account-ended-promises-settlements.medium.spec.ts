import { randomUUID } from 'node:crypto';
import { ledger, ledgerLifecycle, promises } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { metadataFromPrincipalHeaders } from '@collections/platform';
import { deliver, outboxTypesOf, published, reversalOf, usdPayment, utcAccountOpened } from './support/events';
import { PromisesApi, startPromisesApi } from './support/promises-api';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PromiseState, SettlementState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);

/**
 * An account the ledger settles or closes owes nothing more: its open single promise is cancelled
 * and its open settlement withdrawn, by `ledger`, each announced once; the daily run then neither
 * breaks the promise nor lapses the settlement, a later payment is counted to neither, and a
 * reversal reopens neither. UTC accounts owing 1,000.00 USD; default rules (3 grace days).
 */
describe('single promises and settlements of an account the ledger settles or closes (real ledger, real PostgreSQL)', () => {
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

  /** A UTC account owing 1,000.00 USD in the ledger, announced to promises, on 2026-03-02. */
  async function newAccount(): Promise<string> {
    clock('2026-03-02');
    const accountId = `ended-${randomUUID().slice(0, 8)}`;
    await env.openLedgerAccount(accountId, {
      amountMinor: 100_000,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    await deliver(sut, 'collections.ledger.v1.AccountOpened', utcAccountOpened(accountId));
    return accountId;
  }

  const promiseOf = async (accountId: string, amountMinor: number, dueDate: string, md = env.md()) =>
    (
      await env.client.createPromise(
        { accountId, amount: USD(amountMinor), dueDate, idempotencyKey: `promise-${randomUUID()}` },
        md,
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
    const payment = usdPayment(accountId, amountMinor, at(date));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', payment);
    return payment;
  };

  const settled = (accountId: string) =>
    ledgerLifecycle.AccountSettled.fromPartial({
      accountId,
      entryId: `entry-${accountId}`,
      discount: USD(20_000),
      previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_DELINQUENT,
      effectiveDate: '2026-03-05',
      reason: 'debtor paid 800.00 in full and final settlement',
    });
  const closed = (accountId: string) =>
    ledgerLifecycle.AccountClosed.fromPartial({
      accountId,
      previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_CURRENT,
      closedOn: '2026-03-05',
      reason: 'paid off',
    });

  const promise = async (promiseId: string, md = env.md()) => (await env.client.getPromise({ promiseId }, md)).promise!;
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

  async function runDailyThrough(dates: string[]) {
    for (const date of dates) {
      clock(date);
      await env.client.runDaily({ asOfDate: '' }, env.md());
    }
  }

  it('ends the open promise and settlement of a settled account once, and neither a payment, a reversal nor the daily run brings them back', async () => {
    const accountId = await newAccount();
    const promiseId = await promiseOf(accountId, 20_000, '2026-03-10');
    const settlementId = await settlementOf(accountId);
    const counted = await pay(accountId, 10_000, '2026-03-04'); // to the open settlement first

    clock('2026-03-05');
    const eventId = await deliver(sut, 'collections.ledger.v1.AccountSettled', settled(accountId));

    expect(await promise(promiseId)).toMatchObject({
      state: PromiseState.PROMISE_STATE_CANCELLED,
      paid: USD(0),
      cancelledAt: at('2026-03-05'),
      cancelledBy: 'ledger',
    });
    expect(await settlement(settlementId)).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      paid: USD(10_000),
      withdrawnAt: at('2026-03-05'),
      withdrawnBy: 'ledger',
    });
    const promiseCancelled = [
      {
        promiseId,
        accountId,
        amount: USD(20_000),
        paid: USD(0),
        dueDate: '2026-03-10',
        cancelledAt: at('2026-03-05'),
        cancelledBy: 'ledger',
      },
    ];
    const settlementWithdrawn = [
      {
        settlementId,
        accountId,
        amount: USD(75_000),
        paid: USD(10_000),
        dueDate: '2026-03-12',
        withdrawnAt: at('2026-03-05'),
        withdrawnBy: 'ledger',
      },
    ];
    expect(await cancelledEvents(promiseId)).toEqual(promiseCancelled);
    expect(await withdrawnEvents(settlementId)).toEqual(settlementWithdrawn);

    // The ledger delivers the same event again: nothing changes, nothing is announced twice.
    clock('2026-03-06');
    await deliver(sut, 'collections.ledger.v1.AccountSettled', settled(accountId), eventId);
    expect(await cancelledEvents(promiseId)).toEqual(promiseCancelled);
    expect(await withdrawnEvents(settlementId)).toEqual(settlementWithdrawn);

    // A later payment is counted to neither (no promise kept, no settlement paid, no discount posted),
    // and the reversal of the one the settlement counted does not reopen it.
    await pay(accountId, 80_000, '2026-03-06');
    clock('2026-03-07');
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversalOf(counted));
    expect(await promise(promiseId)).toMatchObject({ state: PromiseState.PROMISE_STATE_CANCELLED, paid: USD(0) });
    expect(await settlement(settlementId)).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      paid: USD(0),
    });
    expect(await discounts(accountId)).toBe(0);

    // Past both due dates and their grace days: no promise broken, no settlement lapsed.
    await runDailyThrough(['2026-03-11', '2026-03-14', '2026-03-16', '2026-04-01']);
    expect(await outboxTypesOf(sut, accountId)).toEqual([
      'PromiseMade',
      'SettlementAgreed',
      'SettlementPaymentApplied',
      'SettlementWithdrawn',
      'PromiseCancelled',
      'SettlementPaymentApplied', // the reversal taken off what the withdrawn settlement counted
    ]);
  });

  it('ends them the same way when the ledger closes the account', async () => {
    const accountId = await newAccount();
    const promiseId = await promiseOf(accountId, 20_000, '2026-03-10');
    const settlementId = await settlementOf(accountId);

    clock('2026-03-05');
    const eventId = await deliver(sut, 'collections.ledger.v1.AccountClosed', closed(accountId));
    expect(await promise(promiseId)).toMatchObject({
      state: PromiseState.PROMISE_STATE_CANCELLED,
      cancelledBy: 'ledger',
    });
    expect(await settlement(settlementId)).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_WITHDRAWN,
      withdrawnBy: 'ledger',
    });
    await deliver(sut, 'collections.ledger.v1.AccountClosed', closed(accountId), eventId);
    expect(await cancelledEvents(promiseId)).toHaveLength(1);
    expect(await withdrawnEvents(settlementId)).toHaveLength(1);

    await runDailyThrough(['2026-03-14', '2026-04-01']);
    expect(await outboxTypesOf(sut, accountId)).toEqual([
      'PromiseMade',
      'SettlementAgreed',
      'SettlementWithdrawn',
      'PromiseCancelled',
    ]);
  });
});

/**
 * The same, where both tenants may take promises without asking a ledger (no ledger credentials:
 * accounts are checked against what was announced only): only the settled account's open promises
 * of that tenant end.
 */
describe('the promises an account’s end cancels (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  const otherMd = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
  const promiseOf = async (accountId: string, amountMinor: number, dueDate: string, metadata = md()) =>
    (
      await client.createPromise(
        { accountId, amount: USD(amountMinor), dueDate, idempotencyKey: `promise-${randomUUID()}` },
        metadata,
      )
    ).promise!.promiseId;
  const stateOf = async (promiseId: string, metadata = md()) =>
    (await client.getPromise({ promiseId }, metadata)).promise!.state;
  const cancelledEvents = async (promiseId: string) =>
    (await published(sut, 'collections.promises.v1.PromiseCancelled')).filter((e) => e.promiseId === promiseId);

  it('ends only that account’s open ones: a kept promise, another account’s and another tenant’s stay', async () => {
    sut.clock.set(at('2026-03-02'));
    const accountId = `ended-${randomUUID().slice(0, 8)}`;
    const keptId = await promiseOf(accountId, 5_000, '2026-03-03');
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', usdPayment(accountId, 5_000, at('2026-03-02')));
    const openId = await promiseOf(accountId, 20_000, '2026-03-10');
    const otherAccountPromiseId = await promiseOf(`ended-${randomUUID().slice(0, 8)}`, 20_000, '2026-03-10');
    const otherTenantPromiseId = await promiseOf(accountId, 20_000, '2026-03-10', otherMd());
    expect(await stateOf(keptId)).toBe(PromiseState.PROMISE_STATE_KEPT);

    sut.clock.set(at('2026-03-05'));
    await deliver(
      sut,
      'collections.ledger.v1.AccountSettled',
      ledgerLifecycle.AccountSettled.fromPartial({ accountId, effectiveDate: '2026-03-05' }),
    );

    expect(await stateOf(openId)).toBe(PromiseState.PROMISE_STATE_CANCELLED);
    expect(await cancelledEvents(openId)).toHaveLength(1);
    expect(await stateOf(keptId)).toBe(PromiseState.PROMISE_STATE_KEPT);
    expect(await stateOf(otherAccountPromiseId)).toBe(PromiseState.PROMISE_STATE_OPEN);
    expect(await stateOf(otherTenantPromiseId, otherMd())).toBe(PromiseState.PROMISE_STATE_OPEN);
    for (const id of [keptId, otherAccountPromiseId, otherTenantPromiseId])
      expect(await cancelledEvents(id)).toEqual([]);

    // Past the due dates and grace days: the others are still broken by the daily run, as before.
    sut.clock.set(at('2026-03-14'));
    await client.runDaily({ asOfDate: '' }, md());
    await client.runDaily({ asOfDate: '' }, otherMd());
    expect(await stateOf(otherAccountPromiseId)).toBe(PromiseState.PROMISE_STATE_BROKEN);
    expect(await stateOf(otherTenantPromiseId, otherMd())).toBe(PromiseState.PROMISE_STATE_BROKEN);
    expect(await stateOf(openId)).toBe(PromiseState.PROMISE_STATE_CANCELLED);
  });
});
