import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ledgerLifecycle, promises, scoring } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries, testEnv } from '@collections/testing';
import {
  APPROVALS_DECIDED_METRIC,
  APPROVALS_EXPIRED_METRIC,
  APPROVALS_OLDEST_METRIC,
  APPROVALS_WAITING_METRIC,
} from '../src/negotiation/approval-metrics';
import { DEFAULT_LIMITS, policyToProto } from '../src/negotiation/domain/negotiation-policy';
import { ApprovalExpiryScheduler } from '../src/negotiation/usecases/expire-approvals.usecase';
import { deliver, published } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ApprovalState, ApprovalDecision, TakenBy, PlanFrequency, PlanChannel } = promises;

/** Tenant negotiation limits and supervisor approvals, against a real ledger (its own database, its gRPC API). */
describe('negotiation limits per tenant and supervisor approvals (real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let sut: ServiceUnderTest;
  let ledgerClient: PromisesOnLedger['ledgerClient'];
  let client: PromisesOnLedger['client'];
  let ledgerMd: () => Metadata;
  let md: () => Metadata;
  let mdOther: () => Metadata;
  let n = 0;

  // The expiry job runs only when a test ticks it: its timer (a minute) could otherwise expire the
  // held offers a test expects the daily run to find.
  const expiryCheck = testEnv('PROMISES_APPROVAL_EXPIRY_CHECK_MS');
  beforeAll(async () => {
    expiryCheck('0');
    env = await startPromisesOnLedger();
    ({ sut, ledgerClient, client, ledgerMd, md, mdOther } = env);
  });
  afterAll(() => env.close());

  /** A ledger account owing `opening` USD since `since` (so the debt is that old on 2026-03-02). */
  async function newAccount(opening: number, since = '2026-01-05'): Promise<string> {
    const id = `acct-${++n}-${randomUUID().slice(0, 6)}`;
    await env.openLedgerAccount(id, {
      amountMinor: opening,
      currency: 'USD',
      timeZone: 'UTC',
      openedOn: '2025-01-01',
      chargedOn: since,
    });
    // Due on `since` and unpaid since: that old.
    await ledgerClient.issueStatement(
      {
        accountId: id,
        cycle: 1,
        statementDate: since,
        dueDate: since,
        amountDue: USD(opening),
        minimumDue: USD(opening),
      },
      ledgerMd(),
    );
    return id;
  }

  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  const planRequest = (accountId: string, over: Partial<promises.CreatePlanRequest> = {}) => ({
    accountId,
    total: USD(120_000),
    downPayment: USD(12_000),
    instalments: 6,
    frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY,
    firstDate: '2026-03-10',
    channel: PlanChannel.PLAN_CHANNEL_CALL,
    takenBy: TakenBy.TAKEN_BY_AGENT,
    agentId: 'agent-1',
    idempotencyKey: `plan-${accountId}-${randomUUID().slice(0, 6)}`,
    ...over,
  });
  const settlementRequest = (
    accountId: string,
    amountMinor: number,
    over: Partial<promises.CreateSettlementRequest> = {},
  ) => ({
    accountId,
    amount: USD(amountMinor),
    dueDate: '2026-03-31',
    channel: PlanChannel.PLAN_CHANNEL_CALL,
    takenBy: TakenBy.TAKEN_BY_AGENT,
    agentId: 'agent-1',
    idempotencyKey: `settle-${accountId}-${amountMinor}-${randomUUID().slice(0, 6)}`,
    ...over,
  });
  const rows = async (accountId: string) => {
    const [r] = (await sut.dataSource.query(
      `SELECT (SELECT count(*)::int FROM promises.payment_plan WHERE account_id = $1) AS plans,
              (SELECT count(*)::int FROM promises.plan_instalment i JOIN promises.payment_plan p
                 ON p.tenant_id = i.tenant_id AND p.id = i.plan_id WHERE p.account_id = $1) AS instalments,
              (SELECT count(*)::int FROM promises.settlement WHERE account_id = $1) AS settlements,
              (SELECT count(*)::int FROM promises.offer_approval WHERE account_id = $1) AS approvals`,
      [accountId],
    )) as { plans: number; instalments: number; settlements: number; approvals: number }[];
    return r;
  };
  /** The account's offers announced as held and as decided, oldest first. */
  const approvalEvents = async (accountId: string) => ({
    requested: (await published(sut, 'collections.promises.v1.OfferApprovalRequested')).filter(
      (e) => e.accountId === accountId,
    ),
    decided: (await published(sut, 'collections.promises.v1.OfferApprovalDecided')).filter(
      (e) => e.accountId === accountId,
    ),
  });

  /** Back to the platform's limits, for the tests after one that set the tenant's own. */
  const backToDefaultPolicy = () =>
    client.setNegotiationPolicy(
      {
        policy: policyToProto({ limits: DEFAULT_LIMITS, version: 0, changedBy: '', changeReason: '' }),
        changedBy: 'test',
        reason: 'reset',
      },
      md(),
    );

  describe('the tenant sets its own limits, versioned and audited', () => {
    afterAll(() => backToDefaultPolicy());

    it('keeps every version with who set it, when and why, and offers within the latest (gRPC and REST)', async () => {
      const { policy: before } = await client.getNegotiationPolicy({ version: 0 }, md());
      expect(before).toMatchObject({ version: 0, agent: { maxDiscountBps: 3_000, maxInstalments: 24 } });
      const accountId = await newAccount(100_000, '2025-06-01'); // 274 days past due: the age earns 40%
      const wanted = {
        ...before!,
        selfService: { maxDiscountBps: 500, maxInstalments: 3 },
        segmentLimits: [{ segment: scoring.Segment.SEGMENT_HARDSHIP, maxDiscountBps: 1_000 }],
        minInstalment: [USD(20_000)],
        minDownPaymentBps: 1_500,
        maxTermDays: 200,
      };
      const { policy: v1 } = await client.setNegotiationPolicy(
        { policy: wanted, changedBy: 'ops-lead@tenant', reason: 'Q2 collections policy' },
        md(),
      );
      expect(v1).toMatchObject({
        version: 1,
        changedBy: 'ops-lead@tenant',
        changeReason: 'Q2 collections policy',
        changedAt: sut.clock.now(),
        minDownPaymentBps: 1_500,
      });
      const rest = await fetch(`${sut.app.httpUrl}/v1/promises/negotiation-policy`, {
        method: 'PUT',
        headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({
          policy: promises.NegotiationPolicy.toJSON({ ...wanted, maxTermDays: 400 }),
          changedBy: 'ops-lead@tenant',
          reason: 'longer plans',
        }),
      });
      expect(rest.status).toBe(200);
      expect(((await rest.json()) as { policy: { version: number } }).policy.version).toBe(2);
      const old = await fetch(`${sut.app.httpUrl}/v1/promises/negotiation-policy?version=1`, {
        headers: { [API_KEY_HEADER]: sut.apiKey },
      });
      expect(((await old.json()) as { policy: { maxTermDays: number } }).policy.maxTermDays).toBe(200);
      expect((await client.getNegotiationPolicy({ version: 0 }, mdOther())).policy!.version).toBe(0);

      const offers = await client.getOffers(
        {
          accountId,
          takenBy: TakenBy.TAKEN_BY_SELF_SERVICE,
          frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY,
          firstDate: '',
        },
        md(),
      );
      expect(offers.settlement).toMatchObject({ amount: USD(95_000), discount: USD(5_000) });
      // 15% down, then 3 instalments of at least 200.00 within the self-service role.
      expect(offers.plans.map((p) => [p.instalmentCount, p.downPayment!.amountMinor])).toEqual([[3, 15_000]]);
      expect(offers.plans[0].total).toEqual(USD(100_000));
      expect(offers.plans[0].presentValue!.amountMinor).toBeLessThan(100_000);
      const agent = await client.getOffers(
        { accountId, takenBy: TakenBy.TAKEN_BY_AGENT, frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY, firstDate: '' },
        md(),
      );
      // 12 x 70.83 is below the minimum instalment; 24 months is beyond the term.
      expect(agent.plans.map((p) => p.instalmentCount)).toEqual([3]);
      expect(agent.settlement!.discount).toEqual(USD(30_000));

      // A hardship account gets at most 10% off, whoever grants it.
      await deliver(
        sut,
        'collections.scoring.v1.AccountScored',
        scoring.AccountScored.fromPartial({
          accountId,
          segment: scoring.Segment.SEGMENT_HARDSHIP,
          scoredAt: sut.clock.now(),
        }),
      );
      const hardship = await client.getOffers(
        { accountId, takenBy: TakenBy.TAKEN_BY_AGENT, frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY, firstDate: '' },
        md(),
      );
      expect(hardship.settlement!.discount).toEqual(USD(10_000));
      expect(await codeOf(client.createSettlement(settlementRequest(accountId, 89_999), md()))).toEqual({
        code: status.PERMISSION_DENIED,
        details: 'accounts in SEGMENT_HARDSHIP may get at most 10% off the balance',
      });
      const small = await codeOf(
        client.createPlan(
          planRequest(accountId, { total: USD(100_000), downPayment: USD(15_000), instalments: 6 }),
          md(),
        ),
      );
      expect(small).toEqual({ code: status.PERMISSION_DENIED, details: expect.stringMatching(/at least 20000 USD/) });
      const littleDown = await codeOf(
        client.createPlan(planRequest(accountId, { downPayment: USD(1_000), instalments: 3 }), md()),
      );
      expect(littleDown).toEqual({ code: status.PERMISSION_DENIED, details: expect.stringMatching(/at least 15%/) });
      expect(await rows(accountId)).toEqual({ plans: 0, instalments: 0, settlements: 0, approvals: 0 });
    });

    it('refuses a policy that makes no sense, or without who changes it, and keeps the current one', async () => {
      const { policy } = await client.getNegotiationPolicy({ version: 0 }, md());
      const refused = await codeOf(
        client.setNegotiationPolicy(
          { policy: { ...policy!, agent: { maxDiscountBps: 9_000, maxInstalments: 24 } }, changedBy: 'x', reason: '' },
          md(),
        ),
      );
      expect(refused).toEqual({
        code: status.INVALID_ARGUMENT,
        details: expect.stringMatching(/policy.agent may not go beyond/),
      });
      expect((await codeOf(client.setNegotiationPolicy({ policy, changedBy: '', reason: '' }, md()))).code).toBe(
        status.INVALID_ARGUMENT,
      );
      for (const approvalHours of [-1, 721])
        expect(
          await codeOf(
            client.setNegotiationPolicy({ policy: { ...policy!, approvalHours }, changedBy: 'x', reason: '' }, md()),
          ),
        ).toEqual({
          code: status.INVALID_ARGUMENT,
          details: `policy.approval_hours must be a whole number between 0 and 720, got ${approvalHours}`,
        });
      expect((await codeOf(client.getNegotiationPolicy({ version: 99 }, md()))).code).toBe(status.NOT_FOUND);
      expect((await client.getNegotiationPolicy({ version: 0 }, md())).policy!.version).toBe(policy!.version);
    });
  });

  describe("an agent beyond their own limits but within a supervisor's", () => {
    it('holds the plan for approval, creates nothing until a supervisor approves, then creates it once', async () => {
      const accountId = await newAccount(120_000);
      const request = planRequest(accountId, { instalments: 30 });
      const held = await client.createPlan(request, md());
      expect(held.plan).toBeUndefined();
      expect(held.approval).toMatchObject({
        state: ApprovalState.APPROVAL_STATE_PENDING,
        accountId,
        agentId: 'agent-1',
        reason: 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
        plan: { instalments: 30, idempotencyKey: request.idempotencyKey },
      });
      // A pending offer cannot be accepted: asking again answers the same pending approval.
      const again = await client.createPlan(request, md());
      expect(again).toEqual({ approval: held.approval, plan: undefined });
      expect(await rows(accountId)).toMatchObject({ plans: 0, instalments: 0, approvals: 1 });
      const pending = await client.listApprovals({ state: ApprovalState.APPROVAL_STATE_PENDING, accountId: '' }, md());
      expect(pending.approvals.map((a) => a.approvalId)).toContain(held.approval!.approvalId);
      expect((await client.listApprovals({ state: 0, accountId }, mdOther())).approvals).toEqual([]);

      expect(
        await codeOf(
          client.decideApproval(
            {
              approvalId: held.approval!.approvalId,
              decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
              supervisorId: 'agent-1',
              note: '',
            },
            md(),
          ),
        ),
      ).toEqual({ code: status.PERMISSION_DENIED, details: 'an agent cannot approve their own offer' });
      expect(
        (
          await codeOf(
            client.decideApproval(
              {
                approvalId: held.approval!.approvalId,
                decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
                supervisorId: 'sup-9',
                note: '',
              },
              mdOther(),
            ),
          )
        ).code,
      ).toBe(status.NOT_FOUND);

      sut.clock.advance(3_600_000);
      const decided = await client.decideApproval(
        {
          approvalId: held.approval!.approvalId,
          decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
          supervisorId: 'sup-9',
          note: 'long-standing customer',
        },
        md(),
      );
      expect(decided.approval).toMatchObject({
        state: ApprovalState.APPROVAL_STATE_APPROVED,
        decidedBy: 'sup-9',
        decidedAt: sut.clock.now(),
        decisionNote: 'long-standing customer',
        planId: decided.plan!.planId,
      });
      expect(decided.plan!.instalments).toHaveLength(31);
      expect(await rows(accountId)).toMatchObject({ plans: 1, instalments: 31 });
      // The agent's retry now answers the approved plan; a second decision is refused.
      expect((await client.createPlan(request, md())).plan!.planId).toBe(decided.plan!.planId);
      const twice = await codeOf(
        client.decideApproval(
          {
            approvalId: held.approval!.approvalId,
            decision: ApprovalDecision.APPROVAL_DECISION_REJECT,
            supervisorId: 'sup-2',
            note: '',
          },
          md(),
        ),
      );
      expect(twice).toEqual({
        code: status.FAILED_PRECONDITION,
        details: expect.stringMatching(/already approved by sup-9/),
      });
      expect(await rows(accountId)).toMatchObject({ plans: 1, instalments: 31 });
      // Announced once when held (not on the retry), once when approved (not on the refused decisions).
      const approvalId = held.approval!.approvalId;
      expect(await approvalEvents(accountId)).toEqual({
        requested: [
          {
            approvalId,
            accountId,
            kind: 'plan',
            agentId: 'agent-1',
            reason: 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
            policyVersion: held.approval!.policyVersion,
            requestedAt: held.approval!.requestedAt,
            expiresAt: held.approval!.expiresAt,
          },
        ],
        decided: [
          {
            approvalId,
            accountId,
            kind: 'plan',
            agentId: 'agent-1',
            decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
            decidedBy: 'sup-9',
            requestedAt: held.approval!.requestedAt,
            decidedAt: decided.approval!.decidedAt,
            planId: decided.plan!.planId,
            settlementId: '',
            debtorAnswered: true, // the plan is the answer
          },
        ],
      });
    });

    it('holds an offer sent five times at once (same idempotency key) once, and announces it once', async () => {
      const accountId = await newAccount(120_000);
      const request = planRequest(accountId, { instalments: 30 });
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => client.createPlan(request, md())));
      expect(new Set(answers.map((a) => a.approval!.approvalId)).size).toBe(1);
      expect(await rows(accountId)).toMatchObject({ plans: 0, approvals: 1 });
      expect((await approvalEvents(accountId)).requested.map((e) => e.approvalId)).toEqual([
        answers[0].approval!.approvalId,
      ]);
    });

    it('holds a plan without a down payment for approval, over gRPC and REST', async () => {
      const accountId = await newAccount(120_000);
      const overGrpc = planRequest(accountId, { instalments: 30, downPayment: undefined });
      const held = await client.createPlan(overGrpc, md());
      expect(held.approval).toMatchObject({
        state: ApprovalState.APPROVAL_STATE_PENDING,
        plan: { instalments: 30, idempotencyKey: overGrpc.idempotencyKey },
      });
      expect(held.approval!.plan!.downPayment).toBeUndefined();
      const overRest = await fetch(`${sut.app.httpUrl}/v1/promises/plans`, {
        method: 'POST',
        headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ ...planRequest(accountId, { instalments: 30 }), downPayment: null }),
      });
      expect(overRest.status).toBe(202);
      expect(await rows(accountId)).toMatchObject({ plans: 0, approvals: 2 });
    });

    it('holds a settlement over REST (202), and a rejection is recorded and refuses the offer from then on', async () => {
      const accountId = await newAccount(100_000);
      const headers = { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' };
      const request = settlementRequest(accountId, 60_000); // 40% off: beyond an agent's 30%, within a supervisor's 50%
      const created = await fetch(`${sut.app.httpUrl}/v1/promises/settlements`, {
        method: 'POST',
        headers,
        body: JSON.stringify(promises.CreateSettlementRequest.toJSON(request)),
      });
      expect(created.status).toBe(202);
      const { approval } = (await created.json()) as {
        approval: { approvalId: string; state: number; reason: string };
      };
      expect(approval).toMatchObject({
        state: ApprovalState.APPROVAL_STATE_PENDING,
        reason: expect.stringMatching(/at most 30%/),
      });
      const rejected = await fetch(`${sut.app.httpUrl}/v1/promises/approvals/${approval.approvalId}/decision`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ decision: 'APPROVAL_DECISION_REJECT', supervisorId: 'sup-3', note: 'too generous' }),
      });
      expect(rejected.status).toBe(200);
      const got = await client.getApproval({ approvalId: approval.approvalId }, md());
      expect(got.approval).toMatchObject({
        state: ApprovalState.APPROVAL_STATE_REJECTED,
        decidedBy: 'sup-3',
        decisionNote: 'too generous',
        settlementId: '',
      });
      expect(await codeOf(client.createSettlement(request, md()))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: 'this settlement was held for approval and rejected by sup-3: too generous',
      });
      expect(await rows(accountId)).toMatchObject({ settlements: 0, approvals: 1 });

      // Beyond the supervisor's 50% is refused outright, and nothing is held.
      expect(await codeOf(client.createSettlement(settlementRequest(accountId, 40_000), md()))).toEqual({
        code: status.PERMISSION_DENIED,
        details: 'an agent may grant at most 30% off the balance',
      });
      const approved = settlementRequest(accountId, 65_000);
      const heldAgain = await client.createSettlement(approved, md());
      const decided = await client.decideApproval(
        {
          approvalId: heldAgain.approval!.approvalId,
          decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
          supervisorId: 'sup-3',
          note: '',
        },
        md(),
      );
      expect(decided.settlement).toMatchObject({
        amount: USD(65_000),
        discount: USD(35_000),
        takenBy: TakenBy.TAKEN_BY_AGENT,
      });
      expect(await rows(accountId)).toMatchObject({ settlements: 1, approvals: 2 });
      // Both held offers announced; the rejection announced without the supervisor's note, then the approval.
      const events = await approvalEvents(accountId);
      expect(events.requested.map((e) => e.approvalId)).toEqual([approval.approvalId, heldAgain.approval!.approvalId]);
      expect(events.requested.map((e) => e.kind)).toEqual(['settlement', 'settlement']);
      expect(events.decided).toEqual([
        expect.objectContaining({
          approvalId: approval.approvalId,
          decision: ApprovalDecision.APPROVAL_DECISION_REJECT,
          decidedBy: 'sup-3',
          settlementId: '',
          debtorAnswered: false, // nothing else was agreed: the orchestrator calls the debtor back
        }),
        expect.objectContaining({
          approvalId: heldAgain.approval!.approvalId,
          decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
          settlementId: decided.settlement!.settlementId,
          debtorAnswered: true,
        }),
      ]);
      expect(JSON.stringify(events)).not.toContain('too generous');
      // The settlement announced once, when approved: neither holding nor the rejection announced one.
      const agreed = (await published(sut, 'collections.promises.v1.SettlementAgreed')).filter(
        (e) => e.accountId === accountId,
      );
      expect(agreed).toEqual([
        expect.objectContaining({ settlementId: decided.settlement!.settlementId, discount: USD(35_000) }),
      ]);
    });

    it('says a rejection leaves nobody waiting where the debtor promised to pay, or the ledger closed the account, since', async () => {
      const promisedAccount = await newAccount(120_000);
      const endedAccount = await newAccount(120_000);
      const onPromised = (await client.createPlan(planRequest(promisedAccount, { instalments: 30 }), md())).approval!;
      const onEnded = (await client.createPlan(planRequest(endedAccount, { instalments: 30 }), md())).approval!;
      sut.clock.advance(60_000);
      const promise = { accountId: promisedAccount, amount: USD(20_000), dueDate: '2026-03-20' };
      await client.createPromise({ ...promise, idempotencyKey: `p-${promisedAccount}` }, md());
      await deliver(
        sut,
        'collections.ledger.v1.AccountClosed',
        ledgerLifecycle.AccountClosed.fromPartial({ accountId: endedAccount, closedOn: '2026-03-02' }),
      );
      for (const held of [onPromised, onEnded]) {
        const decision = { decision: ApprovalDecision.APPROVAL_DECISION_REJECT, supervisorId: 'sup-1', note: '' };
        await client.decideApproval({ approvalId: held.approvalId, ...decision }, md());
      }
      const decided = [
        ...(await approvalEvents(promisedAccount)).decided,
        ...(await approvalEvents(endedAccount)).decided,
      ];
      expect(decided.map((e) => [e.approvalId, e.decision, e.debtorAnswered])).toEqual([
        [onPromised.approvalId, ApprovalDecision.APPROVAL_DECISION_REJECT, true],
        [onEnded.approvalId, ApprovalDecision.APPROVAL_DECISION_REJECT, true],
      ]);
    });

    it('re-checks a held plan when it is approved: a first date now past is refused and nothing is created', async () => {
      const accountId = await newAccount(120_000);
      const held = await client.createPlan(planRequest(accountId, { instalments: 30, firstDate: '2026-03-03' }), md());
      sut.clock.advance(2 * 86_400_000);
      const late = await codeOf(
        client.decideApproval(
          {
            approvalId: held.approval!.approvalId,
            decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
            supervisorId: 'sup-1',
            note: '',
          },
          md(),
        ),
      );
      expect(late).toEqual({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/in the past/) });
      expect((await client.getApproval({ approvalId: held.approval!.approvalId }, md())).approval!.state).toBe(
        ApprovalState.APPROVAL_STATE_PENDING,
      );
      expect(await rows(accountId)).toMatchObject({ plans: 0, instalments: 0 });
      expect((await approvalEvents(accountId)).decided).toEqual([]); // nothing decided, nothing announced
    });
  });

  describe('an offer nobody decides in time', () => {
    /** This tenant's count of plans waiting for a supervisor, as promises' /metrics gives it. */
    const plansWaiting = async () =>
      (await scrapeSeries(sut.app.httpUrl, APPROVALS_WAITING_METRIC, ['tenant_id', 'kind']))[`${sut.tenant} plan`];
    const pendingPlans = async () =>
      (
        await client.listApprovals({ state: ApprovalState.APPROVAL_STATE_PENDING, accountId: '' }, md())
      ).approvals.filter((a) => a.plan).length;

    afterAll(() => backToDefaultPolicy());

    it('expires after the policy hours (72 by default): no supervisor can decide it, its retry says so, a new request is held again', async () => {
      const accountId = await newAccount(120_000);
      const byDefault = await client.createPlan(planRequest(accountId, { instalments: 30 }), md());
      expect(byDefault.approval!.expiresAt).toEqual(
        new Date(byDefault.approval!.requestedAt!.getTime() + 72 * 3_600_000),
      );

      const { policy } = await client.getNegotiationPolicy({ version: 0 }, md());
      await client.setNegotiationPolicy(
        { policy: { ...policy!, approvalHours: 4 }, changedBy: 'ops-lead', reason: 'offers answered within the shift' },
        md(),
      );
      const request = planRequest(accountId, { instalments: 30 });
      const held = (await client.createPlan(request, md())).approval!;
      const id = held.approvalId;
      expect(held.expiresAt).toEqual(new Date(held.requestedAt!.getTime() + 4 * 3_600_000));
      const stateOf = async () => (await client.getApproval({ approvalId: id }, md())).approval!;
      const idsIn = async (state: promises.ApprovalState) =>
        (await client.listApprovals({ state, accountId }, md())).approvals.map((a) => a.approvalId);

      sut.clock.advance(4 * 3_600_000 - 1_000);
      expect((await stateOf()).state).toBe(ApprovalState.APPROVAL_STATE_PENDING);
      const waitingBefore = await plansWaiting();
      expect(waitingBefore).toBe(await pendingPlans());

      sut.clock.advance(1_000);
      expect(await stateOf()).toMatchObject({ state: ApprovalState.APPROVAL_STATE_EXPIRED, decidedBy: '' });
      expect(await idsIn(ApprovalState.APPROVAL_STATE_PENDING)).toEqual([byDefault.approval!.approvalId]);
      expect(await idsIn(ApprovalState.APPROVAL_STATE_EXPIRED)).toEqual([id]);
      expect(await plansWaiting()).toBe(waitingBefore - 1);

      const decide = (decision: promises.ApprovalDecision) =>
        codeOf(client.decideApproval({ approvalId: id, decision, supervisorId: 'sup-1', note: '' }, md()));
      const expired = `approval ${id} expired at ${held.expiresAt!.toISOString()} with no decision: the agent can propose the offer again`;
      expect(await decide(ApprovalDecision.APPROVAL_DECISION_APPROVE)).toEqual({
        code: status.FAILED_PRECONDITION,
        details: expired,
      });
      expect(await decide(ApprovalDecision.APPROVAL_DECISION_REJECT)).toEqual({
        code: status.FAILED_PRECONDITION,
        details: expired,
      });
      expect(await codeOf(client.createPlan(request, md()))).toEqual({
        code: status.FAILED_PRECONDITION,
        details: `this plan was held for approval and expired at ${held.expiresAt!.toISOString()} with no decision: propose it again under a new idempotency key`,
      });
      const again = await client.createPlan({ ...request, idempotencyKey: `${request.idempotencyKey}-again` }, md());
      expect(again.approval!.state).toBe(ApprovalState.APPROVAL_STATE_PENDING);
      expect(await rows(accountId)).toMatchObject({ plans: 0, instalments: 0, approvals: 3 });
    });

    it('is stored as expired and announced by its own job on the clock, not an hour later with the daily run, and counted for a day', async () => {
      const accountId = await newAccount(120_000);
      const held = (await client.createPlan(planRequest(accountId, { instalments: 30 }), md())).approval!;
      const job = sut.app.app.get(ApprovalExpiryScheduler);
      const storedState = async () =>
        (
          (await sut.dataSource.query(`SELECT state FROM promises.offer_approval WHERE id = $1`, [
            held.approvalId,
          ])) as { state: number }[]
        )[0].state;
      const announced = async () =>
        (await published(sut, 'collections.promises.v1.OfferApprovalExpired')).filter((e) => e.accountId === accountId);

      // The tenant's plan offers expired in the last 24 hours, on /metrics and as ListApprovals has them.
      const expiredLastDay = async () =>
        (await scrapeSeries(sut.app.httpUrl, APPROVALS_EXPIRED_METRIC, ['tenant_id', 'kind']))[`${sut.tenant} plan`] ??
        0;
      const listedLastDay = async () => {
        const now = sut.clock.now().getTime();
        return (
          await client.listApprovals({ state: ApprovalState.APPROVAL_STATE_EXPIRED, accountId: '' }, md())
        ).approvals
          .filter((a) => a.plan && a.expiresAt!.getTime() > now - 86_400_000 && a.expiresAt!.getTime() <= now)
          .map((a) => a.approvalId);
      };

      sut.clock.advance(held.expiresAt!.getTime() - sut.clock.now().getTime() - 1_000);
      await job.tick();
      expect(await storedState()).toBe(ApprovalState.APPROVAL_STATE_PENDING);
      expect(await announced()).toEqual([]);
      const before = await expiredLastDay();
      expect(before).toBe((await listedLastDay()).length);

      sut.clock.advance(1_000);
      // Expired by the clock before the job stores it: counted at once.
      expect(await expiredLastDay()).toBeGreaterThanOrEqual(before + 1);
      const logged: unknown[][] = [];
      const info = jest.spyOn(sut.context.logger, 'info').mockImplementation(((...args: unknown[]) => {
        logged.push(args);
      }) as never);
      const stored = await job.tick().finally(() => info.mockRestore());
      expect(stored).toBeGreaterThanOrEqual(1);
      // One line for the operator: how many, per tenant, and nothing of the debtor's.
      const lines = logged.filter(([, m]) => typeof m === 'string' && m.startsWith('offers held for a supervisor'));
      expect(lines).toHaveLength(1);
      const [fields, message] = lines[0] as [
        { expired: number; byTenant: Record<string, { expired: number; debtorWaiting: number }> },
        string,
      ];
      expect(message).toBe(
        'offers held for a supervisor expired undecided; for each debtor still waiting an agent is asked to call back',
      );
      expect(fields.expired).toBe(stored);
      expect(Object.values(fields.byTenant).reduce((n, t) => n + t.expired, 0)).toBe(stored);
      expect(fields.byTenant[sut.tenant].debtorWaiting).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(logged)).not.toContain(accountId);
      expect(await storedState()).toBe(ApprovalState.APPROVAL_STATE_EXPIRED);
      expect((await announced()).map((e) => e.approvalId)).toEqual([held.approvalId]);
      expect(await listedLastDay()).toContain(held.approvalId);
      expect(await expiredLastDay()).toBe((await listedLastDay()).length);
      await job.tick();
      expect(await client.runDaily({ asOfDate: '' }, md())).toMatchObject({ approvalsExpired: 0 });
      expect(await announced()).toHaveLength(1);

      // A day later it no longer counts (offers held earlier may have expired since).
      sut.clock.advance(86_400_000);
      expect(await listedLastDay()).not.toContain(held.approvalId);
      expect(await expiredLastDay()).toBe((await listedLastDay()).length);
    });

    it('is stored as expired by the daily run and announced once, answered where the ledger ended the account or something was agreed or promised since', async () => {
      const accountId = await newAccount(120_000);
      const endedAccount = await newAccount(120_000);
      const agreedAccount = await newAccount(120_000);
      const promisedAccount = await newAccount(120_000);
      const early = (await client.createPlan(planRequest(accountId, { instalments: 30 }), md())).approval!;
      const onEnded = (await client.createSettlement(settlementRequest(endedAccount, 60_000), md())).approval!;
      const onAgreed = (await client.createPlan(planRequest(agreedAccount, { instalments: 30 }), md())).approval!;
      const onPromised = (await client.createPlan(planRequest(promisedAccount, { instalments: 30 }), md())).approval!;
      sut.clock.advance(60_000);
      // The agent agrees a plan within their own limits instead: the debtor has an answer.
      expect((await client.createPlan(planRequest(agreedAccount, { instalments: 12 }), md())).plan).toBeDefined();
      // Or the debtor promises to pay part of it meanwhile: someone talked to them since.
      const promise = { accountId: promisedAccount, amount: USD(20_000), dueDate: '2026-03-20' };
      expect(
        (await client.createPromise({ ...promise, idempotencyKey: `p-${promisedAccount}` }, md())).promise,
      ).toBeDefined();
      await deliver(
        sut,
        'collections.ledger.v1.AccountClosed',
        ledgerLifecycle.AccountClosed.fromPartial({ accountId: endedAccount, closedOn: '2026-03-02' }),
      );
      sut.clock.advance(3_600_000);
      const late = (await client.createPlan(planRequest(accountId, { instalments: 30 }), md())).approval!;
      sut.clock.advance(early.expiresAt!.getTime() - sut.clock.now().getTime());
      const { approvalsExpired } = await client.runDaily({ asOfDate: '' }, md());
      expect(approvalsExpired).toBeGreaterThanOrEqual(4);
      const stored = (await sut.dataSource.query(
        `SELECT id, state FROM promises.offer_approval WHERE account_id = ANY($1)`,
        [[accountId, endedAccount, agreedAccount, promisedAccount]],
      )) as { id: string; state: number }[];
      expect(Object.fromEntries(stored.map((r) => [r.id, r.state]))).toEqual({
        [early.approvalId]: ApprovalState.APPROVAL_STATE_EXPIRED,
        [onEnded.approvalId]: ApprovalState.APPROVAL_STATE_EXPIRED,
        [onAgreed.approvalId]: ApprovalState.APPROVAL_STATE_EXPIRED,
        [onPromised.approvalId]: ApprovalState.APPROVAL_STATE_EXPIRED,
        [late.approvalId]: ApprovalState.APPROVAL_STATE_PENDING,
      });
      const announced = async () =>
        (await published(sut, 'collections.promises.v1.OfferApprovalExpired')).filter((e) =>
          [accountId, endedAccount, agreedAccount, promisedAccount].includes(e.accountId),
        );
      const all = await announced();
      const others = all.filter((e) => e.approvalId !== early.approvalId);
      expect(all.find((e) => e.approvalId === early.approvalId)).toEqual({
        approvalId: early.approvalId,
        accountId,
        kind: 'plan',
        agentId: 'agent-1',
        reason: 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
        requestedAt: early.requestedAt,
        expiresAt: early.expiresAt,
        debtorAnswered: false, // the debtor still waits: the orchestrator calls back
      });
      // Announced too, so the orchestrator's pause ends, but nobody is to call back about them.
      expect(Object.fromEntries(others.map((e) => [e.approvalId, e.debtorAnswered]))).toEqual({
        [onEnded.approvalId]: true,
        [onAgreed.approvalId]: true,
        [onPromised.approvalId]: true,
      });
      expect((await client.runDaily({ asOfDate: '' }, md())).approvalsExpired).toBe(0);
      expect(await announced()).toHaveLength(4);
      expect((await client.getApproval({ approvalId: early.approvalId }, md())).approval!.state).toBe(
        ApprovalState.APPROVAL_STATE_EXPIRED,
      );
    });
  });

  it('answers bad decisions clearly', async () => {
    const accountId = await newAccount(120_000);
    const held = await client.createPlan(planRequest(accountId, { instalments: 25 }), md());
    const decide = (over: Partial<promises.DecideApprovalRequest>) =>
      codeOf(
        client.decideApproval(
          {
            approvalId: held.approval!.approvalId,
            decision: ApprovalDecision.APPROVAL_DECISION_APPROVE,
            supervisorId: 'sup-1',
            note: '',
            ...over,
          },
          md(),
        ),
      );
    expect(await decide({ decision: ApprovalDecision.APPROVAL_DECISION_UNSPECIFIED })).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'decision must be APPROVE or REJECT',
    });
    expect((await decide({ supervisorId: '' })).code).toBe(status.INVALID_ARGUMENT);
    expect((await decide({ approvalId: randomUUID() })).code).toBe(status.NOT_FOUND);
    expect((await decide({ approvalId: 'nope' })).code).toBe(status.NOT_FOUND);
  });

  it('refuses arrangements for an account the ledger does not have, or in another currency, and stores nothing', async () => {
    const accountId = await newAccount(50_000); // opened in the ledger; its AccountOpened has not reached promises
    const promiseRequest = (over: Partial<promises.CreatePromiseRequest>) => ({
      accountId,
      amount: USD(10_000),
      dueDate: '2026-03-20',
      idempotencyKey: `p-${randomUUID()}`,
      ...over,
    });
    expect(await codeOf(client.createPlan(planRequest('no-such-account'), md()))).toEqual({
      code: status.NOT_FOUND,
      details: 'account no-such-account does not exist in the ledger',
    });
    expect(
      await codeOf(
        client.createPlan(
          planRequest(accountId, { total: { amountMinor: 120_000, currency: 'EUR' }, downPayment: undefined }),
          md(),
        ),
      ),
    ).toEqual({ code: status.INVALID_ARGUMENT, details: `account ${accountId} is in USD, the plan in EUR` });
    expect((await codeOf(client.createPromise(promiseRequest({ accountId: 'no-such-account' }), md()))).code).toBe(
      status.NOT_FOUND,
    );
    expect(
      (await codeOf(client.createPromise(promiseRequest({ amount: { amountMinor: 10_000, currency: 'EUR' } }), md())))
        .code,
    ).toBe(status.INVALID_ARGUMENT);
    for (const amountMinor of [0, -100]) {
      expect((await codeOf(client.createPromise(promiseRequest({ amount: USD(amountMinor) }), md()))).code).toBe(
        status.INVALID_ARGUMENT,
      );
      expect((await codeOf(client.createSettlement(settlementRequest(accountId, amountMinor), md()))).code).toBe(
        status.INVALID_ARGUMENT,
      );
    }
    expect((await codeOf(client.createPromise(promiseRequest({ dueDate: '2026-03-01' }), md()))).details).toMatch(
      /in the past/,
    );
    const [{ n: promisesStored }] = await sut.dataSource.query(
      `SELECT count(*)::int AS n FROM promises.promise WHERE account_id = $1`,
      [accountId],
    );
    expect({ promisesStored, ...(await rows(accountId)) }).toEqual({
      promisesStored: 0,
      plans: 0,
      instalments: 0,
      settlements: 0,
      approvals: 0,
    });
    expect((await client.createPromise(promiseRequest({}), md())).promise!.accountId).toBe(accountId);
  });

  describe("the supervisors' queue in promises' /metrics", () => {
    /** The two gauges of this tenant, as `metric kind` → value. */
    const scrape = async () => {
      const out: Record<string, number> = {};
      for (const metric of [APPROVALS_WAITING_METRIC, APPROVALS_OLDEST_METRIC])
        for (const [labels, value] of Object.entries(
          await scrapeSeries(sut.app.httpUrl, metric, ['tenant_id', 'kind']),
        )) {
          const [tenant, kind] = labels.split(' ');
          if (tenant === sut.tenant) out[`${metric} ${kind}`] = value;
        }
      return out;
    };
    /** What a supervisor's queue holds (ListApprovals, pending), in the gauges' terms. */
    const fromQueue = async () => {
      const pending = (await client.listApprovals({ state: ApprovalState.APPROVAL_STATE_PENDING, accountId: '' }, md()))
        .approvals;
      const out: Record<string, number> = {};
      for (const kind of ['plan', 'settlement']) {
        const waiting = pending.filter((a) => (kind === 'plan' ? a.plan : a.settlement));
        if (waiting.length === 0) continue;
        out[`${APPROVALS_WAITING_METRIC} ${kind}`] = waiting.length;
        out[`${APPROVALS_OLDEST_METRIC} ${kind}`] = Math.min(
          ...waiting.map((a) => Math.floor(a.requestedAt!.getTime() / 1000)),
        );
      }
      return out;
    };

    it('counts the offers waiting for a supervisor by kind with the oldest request, and reads 0 once all are decided', async () => {
      const planAccount = await newAccount(120_000);
      const held = await client.createPlan(planRequest(planAccount, { instalments: 30 }), md());
      const planRequestedAt = held.approval!.requestedAt!;
      sut.clock.advance(3_600_000);
      const settlementAccount = await newAccount(100_000);
      const heldSettlement = await client.createSettlement(settlementRequest(settlementAccount, 60_000), md());
      expect(heldSettlement.approval!.state).toBe(ApprovalState.APPROVAL_STATE_PENDING);

      const waiting = await scrape();
      expect(waiting).toEqual(await fromQueue());
      expect(waiting[`${APPROVALS_WAITING_METRIC} plan`]).toBeGreaterThanOrEqual(1);
      expect(waiting[`${APPROVALS_WAITING_METRIC} settlement`]).toBeGreaterThanOrEqual(1);
      expect(waiting[`${APPROVALS_OLDEST_METRIC} plan`]).toBeLessThanOrEqual(
        Math.floor(planRequestedAt.getTime() / 1000),
      );

      // A supervisor decides every offer waiting: the counts read 0, and no request is the oldest.
      const pending = (await client.listApprovals({ state: ApprovalState.APPROVAL_STATE_PENDING, accountId: '' }, md()))
        .approvals;
      for (const a of pending)
        await client.decideApproval(
          {
            approvalId: a.approvalId,
            decision: ApprovalDecision.APPROVAL_DECISION_REJECT,
            supervisorId: 'sup-queue',
            note: 'cleared',
          },
          md(),
        );
      expect(await scrape()).toEqual({
        [`${APPROVALS_WAITING_METRIC} plan`]: 0,
        [`${APPROVALS_WAITING_METRIC} settlement`]: 0,
      });
      // The other tenant has no offer waiting, and no series.
      expect((await client.listApprovals({ state: 0, accountId: '' }, mdOther())).approvals).toEqual([]);
      const tenants = Object.keys(await scrapeSeries(sut.app.httpUrl, APPROVALS_WAITING_METRIC, ['tenant_id']));
      expect(tenants).toEqual([sut.tenant]);
    });

    it('counts the offers supervisors approved and rejected in the last 24 hours, as ListApprovals has them', async () => {
      const accountId = await newAccount(120_000);
      const decide = async (decision: promises.ApprovalDecision) => {
        const held = await client.createPlan(planRequest(accountId, { instalments: 30 }), md());
        await client.decideApproval(
          { approvalId: held.approval!.approvalId, decision, supervisorId: 'sup-day', note: '' },
          md(),
        );
      };
      await decide(ApprovalDecision.APPROVAL_DECISION_REJECT);
      await decide(ApprovalDecision.APPROVAL_DECISION_APPROVE);
      const decided = async () => {
        const out: Record<string, number> = {};
        const series = await scrapeSeries(sut.app.httpUrl, APPROVALS_DECIDED_METRIC, ['tenant_id', 'kind', 'decision']);
        for (const [labels, value] of Object.entries(series)) {
          const [tenant, kind, decision] = labels.split(' ');
          if (tenant === sut.tenant && value > 0) out[`${kind} ${decision}`] = value;
        }
        return out;
      };
      /** ListApprovals' approved and rejected offers decided in the 24 hours to the clock's now. */
      const listed = async () => {
        const since = sut.clock.now().getTime() - 86_400_000;
        const out: Record<string, number> = {};
        for (const [state, word] of [
          [ApprovalState.APPROVAL_STATE_APPROVED, 'approved'],
          [ApprovalState.APPROVAL_STATE_REJECTED, 'rejected'],
        ] as const) {
          for (const a of (await client.listApprovals({ state, accountId: '' }, md())).approvals) {
            if (a.decidedAt!.getTime() <= since) continue;
            const key = `${a.plan ? 'plan' : 'settlement'} ${word}`;
            out[key] = (out[key] ?? 0) + 1;
          }
        }
        return out;
      };
      const now = await decided();
      expect(now).toEqual(await listed());
      expect(now['plan approved']).toBeGreaterThanOrEqual(1);
      expect(now['plan rejected']).toBeGreaterThanOrEqual(1);
      // A day after the last decision, none is counted any more.
      sut.clock.advance(86_400_000);
      expect(await decided()).toEqual({});
    });
  });
});
