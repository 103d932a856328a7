import { randomUUID } from 'node:crypto';
import { promises } from '@collections/contracts';
import { ServiceUnderTest, waitFor } from '@collections/testing';
import { PlansRepository } from '../src/plans/plans.repository';
import { PaymentBatchRepository } from '../src/promises/payment-batch.repository';
import { deliver, usdPayment } from './support/events';
import { PromisesApi, startPromisesApi, weeklyPlanOf300 } from './support/promises-api';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { PlanState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);

/**
 * A payment batch locks each account's oldest active plan. When that plan is being cancelled by
 * another transaction, the batch waits for its lock; once the cancel commits, PostgreSQL checks the
 * row again, finds it no longer active and moves on to the account's next active plan (the lock
 * sits below the LIMIT), so the payments go to that plan, not to single promises or to nothing.
 */
describe('a payment batch waiting on a plan that is being cancelled (real PostgreSQL, two sessions)', () => {
  let api: PromisesApi;
  let sut: ServiceUnderTest;
  let client: PromisesApi['client'];
  let md: PromisesApi['md'];
  const plans = new PlansRepository();

  beforeAll(async () => {
    api = await startPromisesApi(at('2026-03-02'));
    ({ sut, client, md } = api);
  });
  afterAll(() => api?.close());

  /** An account with two active plans of 300.00 USD: `first`, agreed a minute before `second`. */
  async function accountWithTwoPlans() {
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    sut.clock.set(at('2026-03-02'));
    const first = await weeklyPlanOf300(api, accountId);
    sut.clock.advance(60_000);
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
        idempotencyKey: `second-plan-${accountId}`,
      },
      md(),
    );
    return { accountId, first, second: plan!.planId };
  }

  /** Sessions of this test's database waiting for a lock (a row's, here). */
  async function lockWaits(): Promise<number> {
    const [{ n }] = (await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    )) as { n: number }[];
    return n;
  }

  const plan = async (planId: string) => (await client.getPlan({ planId }, md())).plan!;

  it('locks the account’s next active plan once the oldest one, whose lock it waited for, is cancelled', async () => {
    const { accountId, first, second } = await accountWithTwoPlans();
    const canceller = sut.dataSource.createQueryRunner();
    const batch = sut.dataSource.createQueryRunner();
    try {
      // The cancel's transaction: the plan locked and cancelled, not committed yet.
      await canceller.startTransaction();
      const locked = await plans.find(canceller.manager, sut.tenant, first, true);
      expect(locked?.state).toBe(PlanState.PLAN_STATE_ACTIVE);
      const cancelled = await plans.cancel(canceller.manager, sut.tenant, first, PlanState.PLAN_STATE_ACTIVE, {
        state: PlanState.PLAN_STATE_CANCELLED,
        cancelledAt: sut.clock.now(),
        cancelledBy: 'agent-7',
        reason: 'debtor takes a settlement instead',
        idempotencyKey: `cancel-${first}`,
      });
      expect(cancelled?.state).toBe(PlanState.PLAN_STATE_CANCELLED);

      await batch.startTransaction();
      const facts = new PaymentBatchRepository().lockAndRead(
        batch.manager,
        sut.tenant,
        [{ accountId, currency: 'USD' }],
        [`pay-${randomUUID()}`],
        '2026-03-01',
      );
      await waitFor(async () => (await lockWaits()) > 0, { message: 'the batch waiting for the plan’s lock' });
      await canceller.commitTransaction();

      const { plans: lockedByBatch } = await facts;
      expect(lockedByBatch.map((p) => ({ id: p.id, state: p.state }))).toEqual([
        { id: second, state: PlanState.PLAN_STATE_ACTIVE },
      ]);
    } finally {
      if (canceller.isTransactionActive) await canceller.rollbackTransaction();
      if (batch.isTransactionActive) await batch.rollbackTransaction();
      await canceller.release();
      await batch.release();
    }
  }, 60_000);

  it('counts a payment posted while the oldest plan is being cancelled towards the account’s next plan', async () => {
    const { accountId, first, second } = await accountWithTwoPlans();
    sut.clock.set(at('2026-03-04'));
    // Something else of the plan's holds its lock, so both the cancel and the payment queue behind it.
    const holder = sut.dataSource.createQueryRunner();
    let cancel: Promise<unknown> | undefined;
    let payment: Promise<unknown> | undefined;
    try {
      await holder.startTransaction();
      await plans.find(holder.manager, sut.tenant, first, true);
      cancel = client.cancelPlan(
        { planId: first, reason: 'debtor takes a settlement instead', agentId: 'agent-7', idempotencyKey: 'c1' },
        md(),
      );
      await waitFor(async () => (await lockWaits()) === 1, { message: 'the cancel waiting for the plan' });
      payment = deliver(sut, 'collections.ledger.v1.PaymentPosted', usdPayment(accountId, 6_000, at('2026-03-04')));
      await waitFor(async () => (await lockWaits()) === 2, { message: 'the payment waiting behind the cancel' });
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await Promise.all([cancel, payment]);

    expect(await plan(first)).toMatchObject({ state: PlanState.PLAN_STATE_CANCELLED, paid: USD(0) });
    expect(await plan(second)).toMatchObject({ state: PlanState.PLAN_STATE_ACTIVE, paid: USD(6_000) });
    const unallocated = (await sut.dataSource.query(
      `SELECT payment_id FROM promises.unallocated_payment WHERE account_id = $1`,
      [accountId],
    )) as unknown[];
    expect(unallocated).toEqual([]);
  }, 60_000);
});
