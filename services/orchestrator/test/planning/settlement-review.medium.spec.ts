import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { EventPayload, ledger, orchestratorAgents as pb, promises } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { SETTLEMENT_REVIEW_QUEUE } from '../../src/planning/usecases/settlement-review';
import { openColombianAccount } from '../support/accounts';
import { directoryOf } from '../support/channel-stand-ins';
import { deliver, published, startConsumers } from '../support/events';

type SettlementReviewNeeded = EventPayload<'collections.promises.v1.SettlementReviewNeeded'>;
const {
  SETTLEMENT_REVIEW_REASON_PAYMENT_REVERSED_AFTER_DISCOUNT: REVERSED,
  SETTLEMENT_REVIEW_REASON_DISCOUNT_REFUSED,
} = promises.SettlementReviewReason;
const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/**
 * Promises' SettlementReviewNeeded reaching the orchestrator: a settlement a person must decide on
 * becomes a `review_settlement` task, handed to an agent with that skill and closed without a call
 * outcome.
 */
describe('a settlement that needs a person becomes a review task (real PostgreSQL)', () => {
  const debtors = new Map<string, ledger.Debtor>();
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof pb.AgentQueueServiceService>>;
  let md: () => Metadata;
  let n = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({ directory: directoryOf(debtors) });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    client = grpcClient(pb.AgentQueueServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  });
  afterAll(async () => {
    client?.close();
    await sut?.context.backbone.stop();
    await sut?.close();
    process.env = saved;
  });

  const account = () =>
    openColombianAccount(sut, debtors, `review-${++n}`, {
      balanceMinor: 1_200_000,
      dueDate: '2026-02-20',
      points: { phone: `+5730022290${String(n).padStart(2, '0')}` },
    });
  const review = (accountId: string, over: Partial<SettlementReviewNeeded> = {}): SettlementReviewNeeded => ({
    settlementId: `c0c0c0c0-0000-4000-8000-00000000000${n}`,
    accountId,
    paymentId: `pay-${n}`,
    reason: REVERSED,
    discount: USD(300_000),
    payment: USD(900_000),
    occurredAt: new Date('2026-03-02T14:00:00Z'),
    ...over,
  });
  const tasksOf = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).filter((t) => t.accountId === accountId);
  const putAgent = (agentId: string, skills: pb.AgentTaskKind[]) =>
    client.putAgent(
      {
        agent: {
          agentId,
          name: '',
          skills,
          languages: ['es'],
          segments: [],
          queues: [SETTLEMENT_REVIEW_QUEUE],
          capacity: 5,
          active: true,
          claimed: 0,
        },
      },
      md(),
    );
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  it('queues one review per settlement, payment and reason, for a debtor the contact law refuses calls too, and an agent closes it without an outcome', async () => {
    const accountId = await account();
    // A dispute hold stops calls for good; a review reaches no one, so it is queued all the same.
    await sut.dataSource.query(
      `INSERT INTO debtor_hold_state (tenant_id, hold_id, debtor_id, kind, active) VALUES ($1, 'hold-1', $2, $3, true)`,
      [sut.tenant, `debtor-review-${n}`, ledger.HoldKind.HOLD_KIND_DISPUTE],
    );
    const event = review(accountId);
    await deliver(sut, 'collections.promises.v1.SettlementReviewNeeded', event);
    await deliver(sut, 'collections.promises.v1.SettlementReviewNeeded', event); // again, under a new event id
    // The hold holds: a call back the same debtor would get otherwise is not queued.
    await deliver(sut, 'collections.promises.v1.OfferApprovalExpired', {
      approvalId: 'd0d0d0d0-0000-4000-8000-000000000001',
      accountId,
      kind: 'plan',
      agentId: 'agent-7',
      reason: 'beyond the agent limits',
      requestedAt: new Date('2026-02-27T15:00:00Z'),
      expiresAt: new Date('2026-03-02T15:00:00Z'),
      debtorAnswered: false,
    });

    const tasks = await tasksOf(accountId);
    expect(tasks).toEqual([
      expect.objectContaining({
        accountId,
        kind: pb.AgentTaskKind.AGENT_TASK_KIND_REVIEW_SETTLEMENT,
        queue: SETTLEMENT_REVIEW_QUEUE,
        reason: `payment ${event.paymentId} of settlement ${event.settlementId} was reversed (9000.00 USD) after its discount of 3000.00 USD was posted: chase the reversed amount, or take the discount back with a ledger adjustment`,
        causedByEventId: `settlement-review:${event.settlementId}:${event.paymentId}:${REVERSED}`,
        dueAt: sut.clock.now(),
      }),
    ]);

    // Only an agent with the skill gets it; with a call outcome it cannot be closed, without one it is.
    await putAgent('caller', [pb.AgentTaskKind.AGENT_TASK_KIND_CALL]);
    await putAgent('reviewer', [pb.AgentTaskKind.AGENT_TASK_KIND_REVIEW_SETTLEMENT]);
    expect(await client.claimAgentTask({ agentId: 'caller', taskId: '' }, md())).toEqual({ found: false, phone: '' });
    const claimed = await client.claimAgentTask({ agentId: 'reviewer', taskId: '' }, md());
    expect(claimed).toMatchObject({ found: true, phone: '', task: { taskId: tasks[0].taskId, agentId: 'reviewer' } });
    const withOutcome = { agentId: 'reviewer', taskId: tasks[0].taskId, promisedDate: '' };
    expect(
      await failure(
        client.completeAgentTask({ ...withOutcome, outcome: pb.CallOutcome.CALL_OUTCOME_RIGHT_PARTY_CONTACT }, md()),
      ),
    ).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'invalid completion: a review_settlement task reaches no one: it has no outcome',
    });
    const done = await client.completeAgentTask(
      { ...withOutcome, outcome: pb.CallOutcome.CALL_OUTCOME_UNSPECIFIED },
      md(),
    );
    expect(done.task).toMatchObject({ taskId: tasks[0].taskId, state: pb.AgentTaskState.AGENT_TASK_STATE_COMPLETED });
    // No contact was recorded for it.
    expect(
      (await published(sut, 'collections.orchestrator.v1.CallOutcomeRecorded')).filter(
        (c) => c.accountId === accountId,
      ),
    ).toEqual([]);
  });

  it('says what to decide when the ledger refused the discount of a payment that completed the settlement', async () => {
    const accountId = await account();
    const event = review(accountId, { reason: SETTLEMENT_REVIEW_REASON_DISCOUNT_REFUSED, payment: USD(150_050) });
    await deliver(sut, 'collections.promises.v1.SettlementReviewNeeded', event);

    expect(await tasksOf(accountId)).toEqual([
      expect.objectContaining({
        kind: pb.AgentTaskKind.AGENT_TASK_KIND_REVIEW_SETTLEMENT,
        queue: SETTLEMENT_REVIEW_QUEUE,
        reason: `payment ${event.paymentId} (1500.50 USD) completed settlement ${event.settlementId} after the ledger had ended the account, which refused its discount of 3000.00 USD: the payment went to the account's plans and promises; decide what the debtor is told`,
        causedByEventId: `settlement-review:${event.settlementId}:${event.paymentId}:${SETTLEMENT_REVIEW_REASON_DISCOUNT_REFUSED}`,
      }),
    ]);
  });
});
