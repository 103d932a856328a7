import { randomUUID } from 'node:crypto';
import { ServiceError, status } from '@grpc/grpc-js';
import { ledger, ledgerLifecycle, orchestrator, orchestratorAgents, promises } from '@collections/contracts';
import { PaymentLinkSigner, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '@collections/ledger';
import { createPromisesService } from '../src/promises.service';
import { GrpcSettlementLedger } from '../src/settlements/ledger-port';
import { deliver, outboxTypesOf, published, startConsumers, utcAccountOpened } from './support/events';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const SECRET = 'the-payment-link-secret-shared-with-the-orchestrator';
const at = (date: string) => new Date(`${date}T15:00:00Z`);
const ENDED = (accountId: string) =>
  `account ${accountId} was settled or closed in the ledger: it takes no new promise/plan/settlement`;

/**
 * An account the ledger settled or closed owes nothing more: no new promise, plan or settlement is
 * taken on it, through the API, from the bot or an agent's call, or through a payment link, and it
 * is offered nothing. A retry of one made before the end still answers it. UTC accounts owing
 * 900.00 USD, 56 days past due on 2026-03-02.
 */
describe('no new commitment on an account the ledger settled or closed (real ledger, real PostgreSQL)', () => {
  let ledgerSut: ServiceUnderTest;
  let sut: ServiceUnderTest;
  let ledgerPort: GrpcSettlementLedger;
  let ledgerClient: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let client: ReturnType<typeof grpcClient<typeof promises.PromisesServiceService>>;
  const links = new PaymentLinkSigner(SECRET, 'https://pay.example/p');
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  const otherMd = () => metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
  const ledgerMd = () => metadataFromPrincipalHeaders({ apiKey: ledgerSut.apiKey });

  beforeAll(async () => {
    ledgerSut = await startServiceUnderTest(ledgerService);
    ledgerClient = grpcClient(ledger.LedgerServiceService, ledgerSut.app.grpcAddress);
    const definition = createPromisesService({
      ledger: {
        balanceOf: (...args) => ledgerPort.balanceOf(...args),
        standing: (...args) => ledgerPort.standing(...args),
        postDiscount: (...args) => ledgerPort.postDiscount(...args),
        // The other tenant has no ledger: its accounts are checked against what was announced only.
        servesTenant: (tenantId) => ledgerPort.servesTenant(tenantId),
        close: () => undefined,
      },
      selfService: {
        secret: SECRET,
        perToken: { limit: 100, windowMs: 60_000 },
        perClient: { limit: 100, windowMs: 60_000 },
      },
    });
    sut = await startServiceUnderTest(definition);
    ledgerPort = new GrpcSettlementLedger(ledgerSut.app.grpcAddress, `${sut.tenant}:${ledgerSut.apiKey}`);
    client = grpcClient(promises.PromisesServiceService, sut.app.grpcAddress);
    await startConsumers(sut, definition);
  });
  afterAll(async () => {
    client?.close();
    ledgerClient?.close();
    ledgerPort?.close();
    await sut?.context.backbone.stop();
    await sut?.close();
    await ledgerSut?.close();
  });

  const clock = (date: string) => {
    sut.clock.set(at(date));
    ledgerSut.clock.set(at(date));
  };

  /** A UTC account owing 900.00 USD since 2026-01-05 in the ledger, announced to promises. */
  async function newAccount(): Promise<string> {
    clock('2026-03-02');
    const id = `no-new-${randomUUID().slice(0, 8)}`;
    await ledgerClient.upsertDebtor(
      { debtor: ledger.Debtor.fromPartial({ debtorId: `d-${id}`, kind: 'person', displayName: 'Ana', country: 'CO' }) },
      ledgerMd(),
    );
    await ledgerClient.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId: id,
        externalRef: `crm-${id}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2025-01-01',
        timeZone: 'UTC',
        debtors: [{ debtorId: `d-${id}`, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      ledgerMd(),
    );
    await ledgerClient.postCharge(
      {
        accountId: id,
        kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
        amount: USD(90_000),
        idempotencyKey: `open-${id}`,
        effectiveDate: '2026-01-05',
        memo: '',
      },
      ledgerMd(),
    );
    await ledgerClient.issueStatement(
      {
        accountId: id,
        cycle: 1,
        statementDate: '2026-01-05',
        dueDate: '2026-01-05',
        amountDue: USD(90_000),
        minimumDue: USD(90_000),
      },
      ledgerMd(),
    );
    await deliver(sut, 'collections.ledger.v1.AccountOpened', utcAccountOpened(id));
    return id;
  }

  const settle = (accountId: string) =>
    deliver(
      sut,
      'collections.ledger.v1.AccountSettled',
      ledgerLifecycle.AccountSettled.fromPartial({
        accountId,
        entryId: `entry-${accountId}`,
        discount: USD(10_000),
        previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_DELINQUENT,
        effectiveDate: '2026-03-05',
        reason: 'paid 800.00 in full and final settlement',
      }),
    );
  const close = (accountId: string) =>
    deliver(
      sut,
      'collections.ledger.v1.AccountClosed',
      ledgerLifecycle.AccountClosed.fromPartial({
        accountId,
        previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_CURRENT,
        closedOn: '2026-03-05',
        reason: 'paid off',
      }),
    );

  const promiseRequest = (accountId: string, key = `promise-${randomUUID()}`) => ({
    accountId,
    amount: USD(20_000),
    dueDate: '2026-03-20',
    idempotencyKey: key,
  });
  const planRequest = (accountId: string, key = `plan-${randomUUID()}`) => ({
    accountId,
    total: USD(90_000),
    downPayment: undefined,
    instalments: 3,
    frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
    firstDate: '2026-03-10',
    channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
    takenBy: promises.TakenBy.TAKEN_BY_BOT,
    agentId: '',
    idempotencyKey: key,
  });
  /** 850.00 of 900.00: within an agent's own limits. */
  const settlementRequest = (accountId: string, key = `settle-${randomUUID()}`) => ({
    accountId,
    amount: USD(85_000),
    dueDate: '2026-03-12',
    channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
    takenBy: promises.TakenBy.TAKEN_BY_AGENT,
    agentId: 'agent-1',
    idempotencyKey: key,
  });

  const refusal = (call: Promise<unknown>) =>
    call.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );
  /** What promises holds of the account (any tenant) and what it announced of it. */
  const rowsOf = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT (SELECT count(*)::int FROM promise WHERE account_id = $1) AS promises,
                (SELECT count(*)::int FROM payment_plan WHERE account_id = $1) AS plans,
                (SELECT count(*)::int FROM settlement WHERE account_id = $1) AS settlements`,
        [accountId],
      )) as { promises: number; plans: number; settlements: number }[]
    )[0];

  it.each([
    ['settled', settle],
    ['closed', close],
  ])(
    'refuses a new promise, plan or settlement once the ledger %s the account (FAILED_PRECONDITION), creating and announcing nothing',
    async (_, end) => {
      const accountId = await newAccount();
      clock('2026-03-05');
      await end(accountId);
      const announced = await outboxTypesOf(sut, accountId);

      expect(await refusal(client.createPromise(promiseRequest(accountId), md()))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: ENDED(accountId),
      });
      expect(await refusal(client.createPlan(planRequest(accountId), md()))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: ENDED(accountId),
      });
      expect(await refusal(client.createSettlement(settlementRequest(accountId), md()))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: ENDED(accountId),
      });
      // Even one beyond the agent's limits is refused, not held for a supervisor.
      expect(
        await refusal(client.createSettlement({ ...settlementRequest(accountId), amount: USD(50_000) }, md())),
      ).toEqual({ code: status.FAILED_PRECONDITION, details: ENDED(accountId) });

      expect(await rowsOf(accountId)).toEqual({ promises: 0, plans: 0, settlements: 0 });
      expect(await outboxTypesOf(sut, accountId)).toEqual(announced);
      const approvals = await client.listApprovals(
        { state: promises.ApprovalState.APPROVAL_STATE_UNSPECIFIED, accountId },
        md(),
      );
      expect(approvals.approvals).toEqual([]);
    },
  );

  it.each([
    ['settled', settle],
    ['closed', close],
  ])(
    'takes them again, and offers again, once the ledger reopens the account it %s (a reversed payment left it owing)',
    async (_, end) => {
      const accountId = await newAccount();
      clock('2026-03-05');
      await end(accountId);
      expect(await refusal(client.createPlan(planRequest(accountId), md()))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: ENDED(accountId),
      });

      clock('2026-03-09');
      await deliver(
        sut,
        'collections.ledger.v1.AccountReopened',
        ledgerLifecycle.AccountReopened.fromPartial({
          accountId,
          entryId: `reversal-${accountId}`,
          paymentId: `payment-${accountId}`,
          previousStatus: ledger.AccountStatus.ACCOUNT_STATUS_SETTLED,
          status: ledger.AccountStatus.ACCOUNT_STATUS_DELINQUENT,
          balanceAfter: USD(90_000),
          effectiveDate: '2026-03-09',
        }),
      );
      expect((await client.createPromise(promiseRequest(accountId), md())).promise).toMatchObject({ accountId });
      expect((await client.createPlan(planRequest(accountId), md())).plan).toMatchObject({ accountId });
      expect((await client.createSettlement(settlementRequest(accountId), md())).settlement).toMatchObject({
        accountId,
      });
      const offers = await client.getOffers(
        {
          accountId,
          takenBy: promises.TakenBy.TAKEN_BY_AGENT,
          frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
          firstDate: '',
        },
        md(),
      );
      expect(offers.settlement).toBeDefined();
      expect(offers.plans.length).toBeGreaterThan(0);
      expect(await rowsOf(accountId)).toEqual({ promises: 1, plans: 1, settlements: 1 });
    },
  );

  it('still takes them on another account of the tenant and on another tenant’s account with the same id', async () => {
    const accountId = await newAccount();
    const other = await newAccount();
    clock('2026-03-05');
    await settle(accountId);

    expect((await client.createPromise(promiseRequest(other), md())).promise).toMatchObject({ accountId: other });
    expect((await client.createPlan(planRequest(other), md())).plan).toMatchObject({ accountId: other });
    expect((await client.createSettlement(settlementRequest(other), md())).settlement).toMatchObject({
      accountId: other,
    });
    // The other tenant's account of the same id never ended.
    expect((await client.createPromise(promiseRequest(accountId), otherMd())).promise).toMatchObject({ accountId });
    expect((await client.createPlan(planRequest(accountId), otherMd())).plan).toMatchObject({ accountId });
    expect(await outboxTypesOf(sut, other)).toEqual(['PromiseMade', 'PlanAgreed', 'SettlementAgreed']);
  });

  it('answers a retry of a promise, plan or settlement made before the end with the one made, announcing nothing', async () => {
    const accountId = await newAccount();
    const promise = promiseRequest(accountId);
    const plan = planRequest(accountId);
    const settlement = settlementRequest(accountId);
    const made = (await client.createPromise(promise, md())).promise!;
    const agreed = (await client.createPlan(plan, md())).plan!;
    const offered = (await client.createSettlement(settlement, md())).settlement!;
    clock('2026-03-05');
    await close(accountId);
    const announced = await outboxTypesOf(sut, accountId);

    expect((await client.createPromise(promise, md())).promise).toMatchObject({
      promiseId: made.promiseId,
      state: promises.PromiseState.PROMISE_STATE_CANCELLED,
    });
    expect((await client.createPlan(plan, md())).plan).toMatchObject({
      planId: agreed.planId,
      state: promises.PlanState.PLAN_STATE_CANCELLED,
    });
    expect((await client.createSettlement(settlement, md())).settlement).toMatchObject({
      settlementId: offered.settlementId,
      state: promises.SettlementState.SETTLEMENT_STATE_WITHDRAWN,
    });
    expect(await rowsOf(accountId)).toEqual({ promises: 1, plans: 1, settlements: 1 });
    expect(await outboxTypesOf(sut, accountId)).toEqual(announced);
  });

  it('refuses to approve a plan held for approval before the account ended, creating nothing', async () => {
    const accountId = await newAccount();
    const request = {
      ...planRequest(accountId),
      downPayment: USD(9_000),
      instalments: 30,
      takenBy: promises.TakenBy.TAKEN_BY_AGENT,
      agentId: 'agent-1',
    };
    const held = await client.createPlan(request, md());
    expect(held.approval).toMatchObject({ state: promises.ApprovalState.APPROVAL_STATE_PENDING });
    clock('2026-03-04'); // within the 72 hours the held offer waits for a supervisor
    await settle(accountId);
    const announced = await outboxTypesOf(sut, accountId);

    const decide = client.decideApproval(
      {
        approvalId: held.approval!.approvalId,
        decision: promises.ApprovalDecision.APPROVAL_DECISION_APPROVE,
        supervisorId: 'sup-9',
        note: '',
      },
      md(),
    );
    expect(await refusal(decide)).toEqual({ code: status.FAILED_PRECONDITION, details: ENDED(accountId) });
    expect(await rowsOf(accountId)).toEqual({ promises: 0, plans: 0, settlements: 0 });
    expect(await outboxTypesOf(sut, accountId)).toEqual(announced);
    expect((await client.getApproval({ approvalId: held.approval!.approvalId }, md())).approval).toMatchObject({
      state: promises.ApprovalState.APPROVAL_STATE_PENDING,
    });
  });

  it('skips a promise stated to the bot or an agent on an ended account, and takes the next on an open one', async () => {
    const accountId = await newAccount();
    const open = await newAccount();
    clock('2026-03-05');
    await settle(accountId);
    const intent = (id: string, intentId: string) => ({
      intentId,
      accountId: id,
      amount: USD(20_000),
      promisedDate: '2026-03-20',
      channel: orchestrator.Channel.CHANNEL_SMS,
      replyId: intentId,
      expressedAt: sut.clock.now(),
    });
    const call = (id: string, outcomeId: string) =>
      orchestratorAgents.CallOutcomeRecorded.fromPartial({
        outcomeId,
        accountId: id,
        outcome: orchestratorAgents.CallOutcome.CALL_OUTCOME_PROMISE,
        promisedAmount: USD(20_000),
        promisedDate: '2026-03-20',
      });

    await deliver(sut, 'collections.orchestrator.v1.PaymentIntentExpressed', intent(accountId, `sms:${accountId}`));
    await deliver(sut, 'collections.orchestrator.v1.CallOutcomeRecorded', call(accountId, `out-${accountId}`));
    await deliver(sut, 'collections.orchestrator.v1.PaymentIntentExpressed', intent(open, `sms:${open}`));
    await deliver(sut, 'collections.orchestrator.v1.CallOutcomeRecorded', call(open, `out-${open}`));

    expect(await rowsOf(accountId)).toEqual({ promises: 0, plans: 0, settlements: 0 });
    expect(await rowsOf(open)).toEqual({ promises: 2, plans: 0, settlements: 0 });
    const made = await published(sut, 'collections.promises.v1.PromiseMade');
    expect(made.filter((e) => e.accountId === accountId)).toEqual([]);
    expect(made.filter((e) => e.accountId === open)).toHaveLength(2);
  });

  it('offers nothing on an ended account, and its payment link shows the balance and refuses to accept', async () => {
    const accountId = await newAccount();
    const open = await newAccount();
    const offersOf = (id: string) =>
      client.getOffers(
        {
          accountId: id,
          takenBy: promises.TakenBy.TAKEN_BY_AGENT,
          frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
          firstDate: '',
        },
        md(),
      );
    clock('2026-03-05');
    await close(accountId);

    const none = await offersOf(accountId);
    expect(none).toMatchObject({ balance: USD(90_000), plans: [] });
    expect(none.settlement).toBeUndefined();
    const some = await offersOf(open);
    expect(some.settlement).toBeDefined();
    expect(some.plans.length).toBeGreaterThan(0);

    const token = links.sign({ tenantId: sut.tenant, accountId, expiresAt: at('2026-03-12') }).token;
    const view = await fetch(`${sut.app.httpUrl}/v1/self-service`, { headers: { 'x-payment-link-token': token } });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ accountId, balance: USD(90_000), offers: [] });
    for (const offerId of ['settlement', 'plan-3']) {
      const accepted = await fetch(`${sut.app.httpUrl}/v1/self-service/accept`, {
        method: 'POST',
        headers: { 'x-payment-link-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ offerId, idempotencyKey: `click-${offerId}` }),
      });
      expect(accepted.status).toBe(422);
      expect(await accepted.json()).toMatchObject({ message: ENDED(accountId) });
    }
    expect(await rowsOf(accountId)).toEqual({ promises: 0, plans: 0, settlements: 0 });
  });
  it('answers a payment link’s retry of an offer accepted before the end with what it made, and refuses a new click', async () => {
    const accountId = await newAccount();
    const token = links.sign({ tenantId: sut.tenant, accountId, expiresAt: at('2026-03-12') }).token;
    const accept = async (offerId: string, idempotencyKey: string) => {
      const response = await fetch(`${sut.app.httpUrl}/v1/self-service/accept`, {
        method: 'POST',
        headers: { 'x-payment-link-token': token, 'content-type': 'application/json' },
        body: JSON.stringify({ offerId, idempotencyKey }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, Record<string, unknown>> };
    };
    const plan = await accept('plan-3', 'click-plan');
    const settlement = await accept('settlement', 'click-settlement');
    expect([plan.status, settlement.status]).toEqual([201, 201]);
    clock('2026-03-05');
    await close(accountId);
    const announced = await outboxTypesOf(sut, accountId);

    const planAgain = await accept('plan-3', 'click-plan');
    expect(planAgain.status).toBe(201);
    expect(planAgain.body.plan).toMatchObject({
      planId: plan.body.plan.planId,
      state: promises.PlanState.PLAN_STATE_CANCELLED,
    });
    const settlementAgain = await accept('settlement', 'click-settlement');
    expect(settlementAgain.status).toBe(201);
    expect(settlementAgain.body.settlement).toMatchObject({
      settlementId: settlement.body.settlement.settlementId,
      state: promises.SettlementState.SETTLEMENT_STATE_WITHDRAWN,
    });
    // The settlement's key names no plan, nor a new click anything.
    for (const [offerId, key] of [
      ['plan-3', 'click-settlement'],
      ['plan-3', 'click-new'],
      ['settlement', 'click-new'],
    ]) {
      const refused = await accept(offerId, key);
      expect(refused).toEqual({ status: 422, body: expect.objectContaining({ message: ENDED(accountId) }) });
    }
    expect(await rowsOf(accountId)).toEqual({ promises: 0, plans: 1, settlements: 1 });
    expect(await outboxTypesOf(sut, accountId)).toEqual(announced);
  });
});
