import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ledger, promises } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries } from '@collections/testing';
import { SETTLEMENT_REVIEWS_METRIC } from '../src/settlements/settlement-reviews';
import { deliver, published } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/** Settlements against a real ledger service (its own database, its gRPC API). */
describe('settlements post their discount to the ledger exactly once (real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let ledgerSut: ServiceUnderTest;
  let sut: ServiceUnderTest;
  let ledgerPort: PromisesOnLedger['ledgerPort'];
  let ledgerClient: PromisesOnLedger['ledgerClient'];
  let client: PromisesOnLedger['client'];
  let ledgerMd: () => Metadata;
  let md: () => Metadata;
  let n = 0;

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    ({ ledgerSut, sut, ledgerPort, ledgerClient, client, ledgerMd, md } = env);
  });
  afterAll(() => env.close());

  /** A ledger account owing `opening` USD. */
  async function newAccount(opening: number): Promise<string> {
    const id = `acct-${++n}-${randomUUID().slice(0, 6)}`;
    await env.openLedgerAccount(id, {
      amountMinor: opening,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    return id;
  }

  const settle = (accountId: string, amountMinor: number, over: Partial<promises.CreateSettlementRequest> = {}) =>
    client.createSettlement(
      {
        accountId,
        amount: USD(amountMinor),
        dueDate: '2026-03-31',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agentId: 'agent-1',
        idempotencyKey: `settle-${accountId}-${amountMinor}`,
        ...over,
      },
      md(),
    );

  /** Pays in the ledger, then hands its PaymentPosted to the promises consumer (as the transport would). */
  async function payInLedger(accountId: string, amountMinor: number, eventId = randomUUID()) {
    const paid = await ledgerClient.postPayment(
      { accountId, amount: USD(amountMinor), idempotencyKey: `pay-${eventId}`, reference: '', effectiveDate: '' },
      ledgerMd(),
    );
    const event = {
      paymentId: paid.paymentId,
      accountId,
      amount: USD(amountMinor),
      balanceAfter: paid.balance,
      postedAt: sut.clock.now(),
      reference: '',
      effectiveDate: '',
    };
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', event, eventId);
    return { event, eventId };
  }

  /** A payment of `amountMinor` posted in the ledger, then reversed there (nsf): the payment and the reversal as the ledger announces it. */
  async function bouncedInLedger(accountId: string, amountMinor: number) {
    const bounced = await payInLedger(accountId, amountMinor);
    const reversal = await ledgerClient.reversePayment(
      { paymentId: bounced.event.paymentId, reason: 'nsf', idempotencyKey: `rev-${bounced.eventId}` },
      ledgerMd(),
    );
    const reversed = {
      entryId: reversal.entryId,
      paymentId: bounced.event.paymentId,
      accountId,
      amount: USD(amountMinor),
      reason: 'nsf',
    };
    return { bounced, reversed };
  }

  /** `collections_settlement_reviews_total` of the service, by reason. */
  const reviews = () => scrapeSeries(sut.app.httpUrl, SETTLEMENT_REVIEWS_METRIC, ['reason']);

  const discounts = async (accountId: string) =>
    (
      await ledgerSut.dataSource.query(
        `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = $2`,
        [accountId, ledger.EntryKind.ENTRY_KIND_SETTLEMENT_DISCOUNT],
      )
    )[0].n as number;

  /** What the service announced of `accountId`'s settlements: agreed, then paid. */
  const announced = async (accountId: string) => ({
    agreed: (await published(sut, 'collections.promises.v1.SettlementAgreed')).filter((e) => e.accountId === accountId),
    paid: (await published(sut, 'collections.promises.v1.SettlementPaid')).filter((e) => e.accountId === accountId),
  });

  it('posts the discount once when the sum is paid in two parts, even when the last payment comes twice', async () => {
    const accountId = await newAccount(100_000);
    const { settlement } = await settle(accountId, 75_000);
    expect(settlement).toMatchObject({
      balance: USD(100_000),
      amount: USD(75_000),
      discount: USD(25_000),
      state: promises.SettlementState.SETTLEMENT_STATE_OPEN,
    });
    await settle(accountId, 75_000); // a retry under the same key: the same settlement, announced once
    expect((await announced(accountId)).agreed).toEqual([
      {
        settlementId: settlement!.settlementId,
        accountId,
        balance: USD(100_000),
        amount: USD(75_000),
        discount: USD(25_000),
        dueDate: '2026-03-31',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agreedAt: sut.clock.now(),
      },
    ]);
    await payInLedger(accountId, 25_000);
    expect(await discounts(accountId)).toBe(0);
    const last = await payInLedger(accountId, 50_000);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', last.event, last.eventId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', last.event); // same payment, new event id

    expect(await discounts(accountId)).toBe(1);
    const balance = await ledgerClient.getBalance({ accountId, asOfDate: '' }, ledgerMd());
    expect(balance.balance).toEqual(USD(0));
    const { settlement: after } = await client.getSettlement({ settlementId: settlement!.settlementId }, md());
    expect(after).toMatchObject({ paid: USD(75_000), state: promises.SettlementState.SETTLEMENT_STATE_PAID });
    expect(after!.discountEntryId).not.toBe('');
    expect((await announced(accountId)).paid).toEqual([
      {
        settlementId: settlement!.settlementId,
        accountId,
        paid: USD(75_000),
        discount: USD(25_000),
        discountEntryId: after!.discountEntryId,
        paidOn: last.event.postedAt.toISOString().slice(0, 10),
        paidAt: last.event.postedAt,
      },
    ]);
  });

  it('posts nothing more when the discount was already posted under the settlement key (a retried handler)', async () => {
    const accountId = await newAccount(50_000);
    const { settlement } = await settle(accountId, 40_000);
    // As if an earlier attempt reached the ledger and then rolled back.
    const first = await ledgerPort.postDiscount(sut.tenant, {
      accountId,
      amount: USD(10_000),
      idempotencyKey: `settlement-discount-${settlement!.settlementId}`,
      effectiveDate: '',
      reason: 'earlier attempt',
    });
    await payInLedger(accountId, 40_000);
    expect(await discounts(accountId)).toBe(1);
    const { settlement: after } = await client.getSettlement({ settlementId: settlement!.settlementId }, md());
    expect(after!.discountEntryId).toBe(first.entryId);
    expect((await ledgerClient.getBalance({ accountId, asOfDate: '' }, ledgerMd())).balance).toEqual(USD(0));
  });

  it('refuses a settlement at or above the balance, in another currency, beyond the role, or for an unknown account', async () => {
    const accountId = await newAccount(10_000);
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => status.OK,
        (err: ServiceError) => err.code,
      );
    expect(await codeOf(settle(accountId, 10_000))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(settle(accountId, 0))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(settle(accountId, 5_000, { amount: { amountMinor: 5_000, currency: 'EUR' } }))).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(await codeOf(settle(accountId, 5_000, { dueDate: '2026-03-01' }))).toBe(status.INVALID_ARGUMENT);
    expect(await codeOf(settle('no-such-account', 5_000))).toBe(status.NOT_FOUND);
    // An agent may forgive 30% (50% with a supervisor's approval), the bot 15%, the debtor alone 10%.
    expect(await codeOf(settle(accountId, 4_999))).toBe(status.PERMISSION_DENIED);
    expect(await codeOf(settle(accountId, 8_000, { takenBy: promises.TakenBy.TAKEN_BY_BOT }))).toBe(
      status.PERMISSION_DENIED,
    );
    expect(await codeOf(settle(accountId, 9_000, { takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE }))).toBe(status.OK);
    const [{ n: stored }] = await sut.dataSource.query(`SELECT count(*)::int AS n FROM promises.settlement`);
    expect(stored).toBe(3);
  });

  /** What the service announced on the plan topic of `accountId`, in order, by short type. */
  const onPlanTopic = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT headers->>'ce_type' AS type FROM promises.outbox WHERE key = $1 AND topic = $2 ORDER BY id`,
        [accountId, 'collections.promises.plan.v1'],
      )) as { type: string }[]
    ).map((r) => r.type.replace('collections.promises.v1.', ''));
  const applied = async (accountId: string) =>
    (await published(sut, 'collections.promises.v1.SettlementPaymentApplied')).filter((e) => e.accountId === accountId);

  it('announces each payment a settlement counts, once, with what is paid and what remains, then that it is paid', async () => {
    const accountId = await newAccount(80_000);
    const { settlement } = await settle(accountId, 60_000);
    const settlementId = settlement!.settlementId;
    const first = await payInLedger(accountId, 20_000);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', first.event, first.eventId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', first.event); // same payment, new event id
    expect(await applied(accountId)).toEqual([
      {
        settlementId,
        accountId,
        paymentId: first.event.paymentId,
        applied: USD(20_000),
        paid: USD(20_000),
        remaining: USD(40_000),
        appliedAt: sut.clock.now(),
      },
    ]);
    expect(await onPlanTopic(accountId)).toEqual(['SettlementAgreed', 'SettlementPaymentApplied']);

    const last = await payInLedger(accountId, 40_000);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', last.event, last.eventId); // redelivery
    expect((await applied(accountId)).slice(1)).toEqual([
      {
        settlementId,
        accountId,
        paymentId: last.event.paymentId,
        applied: USD(40_000),
        paid: USD(60_000),
        remaining: USD(0),
        appliedAt: sut.clock.now(),
      },
    ]);
    expect(await onPlanTopic(accountId)).toEqual([
      'SettlementAgreed',
      'SettlementPaymentApplied',
      'SettlementPaymentApplied',
      'SettlementPaid',
    ]);
    expect((await announced(accountId)).paid).toMatchObject([{ settlementId, paid: USD(60_000) }]);
  });

  it('announces a reversed payment of an open settlement as a negative payment, once', async () => {
    const accountId = await newAccount(80_000);
    const { settlement } = await settle(accountId, 60_000);
    const { bounced, reversed } = await bouncedInLedger(accountId, 20_000);
    const eventId = await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed);
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed, eventId); // redelivery
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed); // same reversal, new event id
    expect((await applied(accountId)).map((e) => [e.paymentId, e.applied, e.paid, e.remaining])).toEqual([
      [bounced.event.paymentId, USD(20_000), USD(20_000), USD(40_000)],
      [bounced.event.paymentId, USD(-20_000), USD(0), USD(60_000)],
    ]);
    const { settlement: open } = await client.getSettlement({ settlementId: settlement!.settlementId }, md());
    expect(open).toMatchObject({ paid: USD(0), state: promises.SettlementState.SETTLEMENT_STATE_OPEN });
  });

  it('asks once for a review of a paid settlement whose payment was reversed, however often the reversal comes', async () => {
    const accountId = await newAccount(40_000);
    const { settlement } = await settle(accountId, 30_000);
    const { bounced, reversed } = await bouncedInLedger(accountId, 30_000);
    expect(await discounts(accountId)).toBe(1);
    const reviewsBefore = await reviews();
    const warnings: unknown[][] = [];
    const warn = jest.spyOn(sut.context.logger, 'warn').mockImplementation(((...args: unknown[]) => {
      warnings.push(args);
    }) as never);
    try {
      const eventId = await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed);
      await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed, eventId); // redelivery
      await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed); // same reversal, new event id
    } finally {
      warn.mockRestore();
    }
    expect(warnings).toEqual([
      [
        { tenantId: sut.tenant, settlementId: settlement!.settlementId, paymentId: bounced.event.paymentId },
        'a payment of a paid settlement was reversed; its discount stays posted and needs a review',
      ],
    ]);
    // Counted once for the operators' alert, under its reason.
    expect(await reviews()).toEqual({
      payment_reversed_after_discount: reviewsBefore.payment_reversed_after_discount + 1,
      discount_refused: reviewsBefore.discount_refused,
    });
    // Announced once, for the orchestrator to queue a review: the discount posted, the amount reversed.
    const asked = (await published(sut, 'collections.promises.v1.SettlementReviewNeeded')).filter(
      (e) => e.accountId === accountId,
    );
    expect(asked).toEqual([
      {
        settlementId: settlement!.settlementId,
        accountId,
        paymentId: bounced.event.paymentId,
        reason: promises.SettlementReviewReason.SETTLEMENT_REVIEW_REASON_PAYMENT_REVERSED_AFTER_DISCOUNT,
        discount: USD(10_000),
        payment: USD(30_000),
        occurredAt: sut.clock.now(),
      },
    ]);
    // The settlement stays paid, its discount posted once.
    const { settlement: paid } = await client.getSettlement({ settlementId: settlement!.settlementId }, md());
    expect(paid).toMatchObject({ paid: USD(30_000), state: promises.SettlementState.SETTLEMENT_STATE_PAID });
    expect(await discounts(accountId)).toBe(1);
  });

  it('does not count a reversed payment again when it is replayed under a new event id, nor announce it', async () => {
    const accountId = await newAccount(80_000);
    const { settlement } = await settle(accountId, 60_000);
    const { bounced, reversed } = await bouncedInLedger(accountId, 20_000);
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', bounced.event); // same payment, new event id

    const { settlement: open } = await client.getSettlement({ settlementId: settlement!.settlementId }, md());
    expect(open).toMatchObject({ paid: USD(0), state: promises.SettlementState.SETTLEMENT_STATE_OPEN });
    expect((await applied(accountId)).map((e) => [e.paymentId, e.applied, e.paid])).toEqual([
      [bounced.event.paymentId, USD(20_000), USD(20_000)],
      [bounced.event.paymentId, USD(-20_000), USD(0)],
    ]);
  });

  it('takes a reversed payment off an open settlement, so the discount waits for the sum', async () => {
    const accountId = await newAccount(40_000);
    const { settlement } = await settle(accountId, 30_000);
    const { reversed } = await bouncedInLedger(accountId, 20_000);
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', reversed);
    await payInLedger(accountId, 10_000);
    expect(await discounts(accountId)).toBe(0);
    const { settlement: open } = await client.getSettlement({ settlementId: settlement!.settlementId }, md());
    expect(open).toMatchObject({ paid: USD(10_000), state: promises.SettlementState.SETTLEMENT_STATE_OPEN });
    const last = await payInLedger(accountId, 20_000);
    expect(await discounts(accountId)).toBe(1);
    expect((await ledgerClient.getBalance({ accountId, asOfDate: '' }, ledgerMd())).balance).toEqual(USD(0));

    // A plan agreed afterwards does not count the settlement's payment again when it is replayed.
    const { plan } = await client.createPlan(
      {
        accountId,
        total: USD(9_000),
        downPayment: undefined,
        instalments: 3,
        frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
        firstDate: '2026-03-10',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_BOT,
        agentId: '',
        idempotencyKey: `plan-after-${accountId}`,
      },
      md(),
    );
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', last.event);
    expect((await client.getPlan({ planId: plan!.planId }, md())).plan!.paid).toEqual(USD(0));
  });

  it('offers a settlement and plans from the ledger standing, within what the role may grant (gRPC and REST)', async () => {
    const accountId = await newAccount(100_000);
    const ask = (takenBy: promises.TakenBy) =>
      client.getOffers(
        { accountId, takenBy, frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY, firstDate: '2026-03-15' },
        md(),
      );
    const agent = await ask(promises.TakenBy.TAKEN_BY_AGENT);
    expect(agent.balance).toEqual(USD(100_000));
    expect(agent.plans.map((p) => p.instalmentCount)).toEqual([3, 6, 12, 24]);
    for (const plan of agent.plans) {
      expect(plan.schedule.reduce((s, i) => s + i.amount!.amountMinor, 0)).toBe(100_000);
      expect(plan.schedule[0]).toMatchObject({ seq: 0, dueDate: '2026-03-15', amount: USD(10_000) });
    }
    if (agent.settlement) expect(agent.settlement.discount!.amountMinor).toBeLessThanOrEqual(30_000);
    const self = await ask(promises.TakenBy.TAKEN_BY_SELF_SERVICE);
    expect(self.plans.map((p) => p.instalmentCount)).toEqual([3, 6]);
    expect(self.settlement?.discount?.amountMinor ?? 0).toBeLessThanOrEqual(10_000);

    const rest = await fetch(
      `${sut.app.httpUrl}/v1/promises/accounts/${accountId}/offers?takenBy=TAKEN_BY_BOT&frequency=PLAN_FREQUENCY_WEEKLY`,
      { headers: { [API_KEY_HEADER]: sut.apiKey } },
    );
    expect(rest.status).toBe(200);
    const body = (await rest.json()) as { plans: { instalmentCount: number }[] };
    expect(body.plans.map((p) => p.instalmentCount)).toEqual([3, 6, 12]);
  });
});
