import { randomUUID } from 'node:crypto';
import { ledger, ledgerLifecycle, promises } from '@collections/contracts';
import { metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest } from '@collections/testing';
import { deliver, outboxTypesOf, published, usdPayment } from './support/events';
import { PromisesApi, startPromisesApi, weeklyPlanOf300 } from './support/promises-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PlanState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);

/**
 * An account the ledger settles or closes ends its active payment plans: each is cancelled by
 * `ledger`, so the daily run never misses an instalment of it nor defaults it into an agent's task.
 * Default rules (3 grace days, default after 2 missed instalments); plans are 3 weekly instalments
 * of 100.00 USD due 2026-03-10, -17 and -24.
 */
describe('an account the ledger settles or closes (real PostgreSQL, in-process events)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  const newAccount = () => `acct-${randomUUID().slice(0, 8)}`;

  /** A weekly plan of 300.00 USD on the account (weeklyPlanOf300), agreed on 2026-03-02; `nth` tells several apart. */
  async function newPlan(accountId: string, nth = 1, metadata: PromisesApi['md'] = md) {
    sut.clock.set(at('2026-03-02'));
    if (nth === 1) return weeklyPlanOf300({ client, md: metadata }, accountId);
    const { plan } = await client.createPlan(
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
        idempotencyKey: `plan-${nth}-${accountId}`,
      },
      metadata(),
    );
    return plan!.planId;
  }

  const pay = async (accountId: string, amountMinor: number, date: string) => {
    sut.clock.set(at(date));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', usdPayment(accountId, amountMinor, at(date)));
  };

  const settled = (accountId: string) =>
    ledgerLifecycle.AccountSettled.fromPartial({
      accountId,
      entryId: `entry-${accountId}`,
      discount: USD(20_000),
      previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_DELINQUENT,
      effectiveDate: '2026-03-05',
      reason: 'debtor paid 100.00 in full and final settlement',
    });

  const closed = (accountId: string) =>
    ledgerLifecycle.AccountClosed.fromPartial({
      accountId,
      previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_CURRENT,
      closedOn: '2026-03-05',
      reason: 'paid off',
    });

  const plan = async (planId: string) => (await client.getPlan({ planId }, md())).plan!;
  const cancelledEvents = async (planId: string) =>
    (await published(sut, 'collections.promises.v1.PlanCancelled')).filter((e) => e.planId === planId);

  async function runDailyThrough(dates: string[]) {
    for (const date of dates) {
      sut.clock.set(at(date));
      await client.runDaily({ asOfDate: '' }, md());
    }
  }

  it('cancels the active plan of a settled account once, by the ledger, and the daily run says nothing more of it', async () => {
    const accountId = newAccount();
    const planId = await newPlan(accountId);
    await pay(accountId, 10_000, '2026-03-04');

    sut.clock.set(at('2026-03-05'));
    const eventId = await deliver(sut, 'collections.ledger.v1.AccountSettled', settled(accountId));

    expect(await plan(planId)).toMatchObject({
      state: PlanState.PLAN_STATE_CANCELLED,
      cancelledAt: at('2026-03-05'),
      cancelledBy: 'ledger',
      cancelReason: 'account settled in the ledger',
      paid: USD(10_000),
    });
    const expected = [
      {
        planId,
        accountId,
        reason: '',
        cancelledAt: at('2026-03-05'),
        cancelledBy: 'ledger',
        paid: USD(10_000),
      },
    ];
    expect(await cancelledEvents(planId)).toEqual(expected);

    // The ledger delivers the same event again: nothing changes.
    sut.clock.set(at('2026-03-06'));
    await deliver(sut, 'collections.ledger.v1.AccountSettled', settled(accountId), eventId);
    expect(await cancelledEvents(planId)).toEqual(expected);
    expect((await plan(planId)).cancelledAt).toEqual(at('2026-03-05'));

    // Past every due date and grace period: no reminder, no missed instalment, no default.
    await runDailyThrough(['2026-03-09', '2026-03-14', '2026-03-21', '2026-03-28', '2026-04-10']);
    expect((await plan(planId)).state).toBe(PlanState.PLAN_STATE_CANCELLED);
    expect(await outboxTypesOf(sut, accountId)).toEqual(['PlanAgreed', 'PromiseKept', 'PlanCancelled']);
  });

  it('cancels the active plan of a closed account the same way', async () => {
    const accountId = newAccount();
    const planId = await newPlan(accountId);

    sut.clock.set(at('2026-03-05'));
    const eventId = await deliver(sut, 'collections.ledger.v1.AccountClosed', closed(accountId));
    expect(await plan(planId)).toMatchObject({
      state: PlanState.PLAN_STATE_CANCELLED,
      cancelledBy: 'ledger',
      cancelReason: 'account closed in the ledger',
      paid: USD(0),
    });
    await deliver(sut, 'collections.ledger.v1.AccountClosed', closed(accountId), eventId);
    expect(await cancelledEvents(planId)).toHaveLength(1);

    await runDailyThrough(['2026-03-09', '2026-03-14', '2026-03-21', '2026-03-28', '2026-04-10']);
    expect(await outboxTypesOf(sut, accountId)).toEqual(['PlanAgreed', 'PlanCancelled']);
  });

  it('ends every active plan of that account only: a completed plan, another account’s and another tenant’s stay', async () => {
    const accountId = newAccount();
    const completedId = await newPlan(accountId);
    await pay(accountId, 30_000, '2026-03-03');
    expect((await plan(completedId)).state).toBe(PlanState.PLAN_STATE_COMPLETED);
    const [firstId, secondId] = [await newPlan(accountId, 2), await newPlan(accountId, 3)];

    const otherAccountId = newAccount();
    const otherAccountPlanId = await newPlan(otherAccountId);
    const otherMd = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    const otherTenantPlanId = await newPlan(accountId, 1, otherMd);

    sut.clock.set(at('2026-03-05'));
    await deliver(sut, 'collections.ledger.v1.AccountSettled', settled(accountId));

    expect((await plan(firstId)).state).toBe(PlanState.PLAN_STATE_CANCELLED);
    expect((await plan(secondId)).state).toBe(PlanState.PLAN_STATE_CANCELLED);
    expect(await cancelledEvents(firstId)).toHaveLength(1);
    expect(await cancelledEvents(secondId)).toHaveLength(1);

    expect(await plan(completedId)).toMatchObject({ state: PlanState.PLAN_STATE_COMPLETED, cancelledBy: '' });
    expect((await plan(otherAccountPlanId)).state).toBe(PlanState.PLAN_STATE_ACTIVE);
    const otherTenantPlan = (await client.getPlan({ planId: otherTenantPlanId }, otherMd())).plan!;
    expect(otherTenantPlan.state).toBe(PlanState.PLAN_STATE_ACTIVE);
    expect(await cancelledEvents(completedId)).toEqual([]);
    expect(await cancelledEvents(otherAccountPlanId)).toEqual([]);
    expect(await cancelledEvents(otherTenantPlanId)).toEqual([]);
  });
});
