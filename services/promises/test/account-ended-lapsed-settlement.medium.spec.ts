import { randomUUID } from 'node:crypto';
import { EventPayload, ledger, ledgerLifecycle, promises } from '@collections/contracts';
import { grpcClient } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries } from '@collections/testing';
import { SETTLEMENT_REVIEWS_METRIC } from '../src/settlements/settlement-reviews';
import { deliver, outboxTypesOf, published } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { SettlementState } = promises;
const at = (date: string) => new Date(`${date}T15:00:00Z`);
type PaymentPosted = EventPayload<'collections.ledger.v1.PaymentPosted'>;

/**
 * A settlement the daily run lapsed still takes a payment made within its grace days and posted
 * later, but not once the ledger settled or closed the account: that payment then counts towards
 * nothing (`unallocated_payment`), no discount goes to the ledger, nothing is dead-lettered, and
 * whichever of the payment and the account's end promises reads first. UTC accounts owing
 * 1,000.00 USD; a settlement of 750.00 due 12 March (3 grace days: through 15 March) that counted
 * 700.00 and lapsed on 16 March; the late payment was made on 15 March and completes it.
 */
describe('a lapsed settlement of an account the ledger settled or closed takes no late payment (real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let ledgerSut: ServiceUnderTest;
  let sut: ServiceUnderTest;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    ({ ledgerSut, sut } = env);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, ledgerSut.app.grpcAddress);
  });
  afterAll(async () => {
    lifecycle?.close();
    await env?.close();
  });

  const clock = (date: string) => {
    sut.clock.set(at(date));
    ledgerSut.clock.set(at(date));
  };

  /** A payment the ledger posts, made on `effectiveDate`, and the PaymentPosted it announces. */
  async function ledgerPayment(accountId: string, amountMinor: number, effectiveDate: string): Promise<PaymentPosted> {
    const { paymentId } = await env.ledgerClient.postPayment(
      { accountId, amount: USD(amountMinor), idempotencyKey: `pay-${randomUUID()}`, reference: '', effectiveDate },
      env.ledgerMd(),
    );
    return {
      paymentId,
      accountId,
      amount: USD(amountMinor),
      balanceAfter: USD(0),
      postedAt: ledgerSut.clock.now(),
      reference: '',
      effectiveDate,
    };
  }

  /** The account with its settlement lapsed on 16 March, having counted 700.00 paid on 4 March. */
  async function lapsedSettlement(): Promise<{ accountId: string; settlementId: string }> {
    clock('2026-03-02');
    const accountId = `lapsed-${randomUUID().slice(0, 8)}`;
    await env.openLedgerAccount(accountId, {
      amountMinor: 100_000,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: '',
      product: 0,
      currency: 'USD',
      creditLimitMinor: 0,
      openedOn: '2026-01-01',
      debtors: [],
      timeZone: 'UTC',
    });
    const { settlement } = await env.client.createSettlement(
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
    );
    const settlementId = settlement!.settlementId;
    clock('2026-03-04');
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', await ledgerPayment(accountId, 70_000, '2026-03-04'));
    clock('2026-03-16');
    await env.client.runDaily({ asOfDate: '' }, env.md());
    expect(await stateOf(settlementId)).toMatchObject({
      state: SettlementState.SETTLEMENT_STATE_LAPSED,
      paid: USD(70_000),
    });
    return { accountId, settlementId };
  }

  /**
   * On 17 March the ledger ends the account and posts the late payment made on 15 March: closed,
   * the payment of the remaining 300.00 (made before the closing, posted just before it); settled,
   * the ledger's own discount of the remaining 300.00, then a payment of 300.00 (which would complete
   * the settlement: its discount would then exceed what is owed, and the ledger refuses it).
   */
  async function ledgerEnds(
    accountId: string,
    how: 'closed' | 'settled',
  ): Promise<{ late: PaymentPosted; ended: () => Promise<string> }> {
    clock('2026-03-17');
    if (how === 'closed') {
      const late = await ledgerPayment(accountId, 30_000, '2026-03-15');
      await lifecycle.closeAccount({ accountId, reason: 'paid off' }, env.ledgerMd());
      const payload = ledgerLifecycle.AccountClosed.fromPartial({
        accountId,
        previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_DELINQUENT,
        closedOn: '2026-03-17',
      });
      return { late, ended: () => deliver(sut, 'collections.ledger.v1.AccountClosed', payload) };
    }
    const { entryId } = await lifecycle.settleAccount(
      { accountId, idempotencyKey: `settle-account-${accountId}`, reason: 'agreed in full and final settlement' },
      env.ledgerMd(),
    );
    const late = await ledgerPayment(accountId, 30_000, '2026-03-15');
    const payload = ledgerLifecycle.AccountSettled.fromPartial({
      accountId,
      entryId,
      discount: USD(30_000),
      previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_DELINQUENT,
      effectiveDate: '2026-03-17',
    });
    return { late, ended: () => deliver(sut, 'collections.ledger.v1.AccountSettled', payload) };
  }

  /** `collections_settlement_reviews_total` of the service, by reason. */
  const reviews = () => scrapeSeries(sut.app.httpUrl, SETTLEMENT_REVIEWS_METRIC, ['reason']);
  const stateOf = async (settlementId: string) =>
    (await env.client.getSettlement({ settlementId }, env.md())).settlement!;
  const discounts = async (accountId: string) =>
    (
      await ledgerSut.dataSource.query(
        `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = $2`,
        [accountId, ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT],
      )
    )[0].n as number;
  const deadLetters = async (accountId: string) =>
    (await sut.dataSource.query(`SELECT count(*)::int AS n FROM promises.dead_letter WHERE key = $1`, [accountId]))[0]
      .n as number;
  /** Where promises recorded the payment: each table holding it, as often as it holds it. */
  const recorded = async (paymentId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT 'settlement' AS t FROM promises.settlement_payment WHERE payment_id = $1
         UNION ALL SELECT 'plan' FROM promises.plan_payment WHERE payment_id = $1
         UNION ALL SELECT 'promise' FROM promises.promise_payment WHERE payment_id = $1
         UNION ALL SELECT 'unallocated' FROM promises.unallocated_payment WHERE payment_id = $1`,
        [paymentId],
      )) as { t: string }[]
    ).map((r) => r.t);

  const cases = [
    { how: 'closed', order: 'the account’s end first', endedFirst: true, ledgerDiscounts: 0 },
    { how: 'closed', order: 'the late payment first', endedFirst: false, ledgerDiscounts: 0 },
    { how: 'settled', order: 'the account’s end first', endedFirst: true, ledgerDiscounts: 1 },
    { how: 'settled', order: 'the late payment first', endedFirst: false, ledgerDiscounts: 1 },
  ] as const;

  it.each(cases)(
    'a $how account: the late payment counts towards nothing, no discount is posted, nothing is dead-lettered ($order)',
    async ({ how, endedFirst, ledgerDiscounts }) => {
      const { accountId, settlementId } = await lapsedSettlement();
      const { late, ended } = await ledgerEnds(accountId, how);
      expect(await discounts(accountId)).toBe(ledgerDiscounts); // the ledger's own, when it settled
      const reviewsBefore = await reviews();

      if (endedFirst) await ended();
      await deliver(sut, 'collections.ledger.v1.PaymentPosted', late);
      if (!endedFirst) await ended();
      // A replay of the payment under a new event id changes nothing either.
      await deliver(sut, 'collections.ledger.v1.PaymentPosted', late);

      expect(await deadLetters(accountId)).toBe(0);
      expect(await stateOf(settlementId)).toMatchObject({
        state: SettlementState.SETTLEMENT_STATE_LAPSED,
        paid: USD(70_000),
        discountEntryId: '',
      });
      expect(await recorded(late.paymentId)).toEqual(['unallocated']);
      expect(await discounts(accountId)).toBe(ledgerDiscounts);
      // Read before the end, the payment completed the settlement and the ledger refused its
      // discount: the operators see it once (the replay finds the payment counted elsewhere).
      expect(await reviews()).toEqual({
        payment_reversed_after_discount: reviewsBefore.payment_reversed_after_discount,
        discount_refused: reviewsBefore.discount_refused + (endedFirst ? 0 : 1),
      });
      // ... and the orchestrator is asked for a review of it, once.
      expect(await outboxTypesOf(sut, accountId)).toEqual([
        'SettlementAgreed',
        'SettlementPaymentApplied',
        'SettlementLapsed',
        ...(endedFirst ? [] : ['SettlementReviewNeeded']),
      ]);
      const asked = (await published(sut, 'collections.promises.v1.SettlementReviewNeeded')).filter(
        (e) => e.accountId === accountId,
      );
      expect(asked).toEqual(
        endedFirst
          ? []
          : [
              {
                settlementId,
                accountId,
                paymentId: late.paymentId,
                reason: promises.SettlementReviewReason.SETTLEMENT_REVIEW_REASON_DISCOUNT_REFUSED,
                discount: (await stateOf(settlementId)).discount,
                payment: USD(30_000),
                occurredAt: expect.any(Date),
              },
            ],
      );
    },
  );
});
