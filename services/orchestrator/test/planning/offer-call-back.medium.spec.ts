import { EventPayload, ledger, orchestratorAgents as pb, promises } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { EXPIRED_OFFER_QUEUE, REJECTED_OFFER_QUEUE } from '../../src/planning/usecases/offer-call-back';
import { openColombianAccount } from '../support/accounts';
import { directoryOf } from '../support/channel-stand-ins';
import { deliver, published, startConsumers } from '../support/events';

type OfferApprovalExpired = EventPayload<'collections.promises.v1.OfferApprovalExpired'>;
type OfferApprovalDecided = EventPayload<'collections.promises.v1.OfferApprovalDecided'>;

/**
 * Promises' OfferApprovalExpired, and OfferApprovalDecided rejecting an offer the debtor waits on,
 * reaching the orchestrator: an agent calls the debtor back, the law permitting.
 */
describe('an offer that expired waiting for a supervisor, or that a supervisor rejected (real PostgreSQL)', () => {
  const debtors = new Map<string, ledger.Debtor>();
  let sut: ServiceUnderTest;
  let n = 0;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({ directory: directoryOf(debtors) });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
  });
  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    process.env = saved;
  });

  /** A Colombian debtor's account, consented to calls on a verified phone; 10:00 on a Monday in Bogotá. */
  const account = () =>
    openColombianAccount(sut, debtors, `offer-${++n}`, {
      balanceMinor: 1_200_000,
      dueDate: '2026-02-20',
      points: { phone: `+5730011190${String(n).padStart(2, '0')}` },
    });
  const expired = (accountId: string, approvalId: string): OfferApprovalExpired => ({
    approvalId,
    accountId,
    kind: 'settlement',
    agentId: 'agent-7',
    reason: 'an agent may grant at most 30% discount, asked 50%: needs a supervisor',
    requestedAt: new Date('2026-02-27T15:00:00Z'),
    expiresAt: new Date('2026-03-02T15:00:00Z'),
    debtorAnswered: false,
  });
  const rejected = (accountId: string, approvalId: string, over: Partial<OfferApprovalDecided> = {}) => ({
    approvalId,
    accountId,
    kind: 'plan',
    agentId: 'agent-7',
    decision: promises.ApprovalDecision.APPROVAL_DECISION_REJECT,
    decidedBy: 'sup-2',
    requestedAt: new Date('2026-03-02T13:00:00Z'),
    decidedAt: new Date('2026-03-02T14:30:00Z'),
    planId: '',
    settlementId: '',
    debtorAnswered: false,
    ...over,
  });
  /** Whether the planner holds the account's cadence for a commitment (a promise, a plan, a held offer). */
  const paused = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT promise_active FROM planner_account WHERE tenant_id = $1 AND account_id = $2`,
        [sut.tenant, accountId],
      )) as { promise_active: boolean }[]
    )[0]?.promise_active;
  /** The account's agent tasks as stored. */
  const storedTasks = async (accountId: string) =>
    (await sut.dataSource.query(`SELECT state, queue FROM agent_task WHERE tenant_id = $1 AND account_id = $2`, [
      sut.tenant,
      accountId,
    ])) as { state: string; queue: string }[];
  const tasksOf = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).filter((t) => t.accountId === accountId);

  it('queues one call back in the expired-offers queue, naming the offer, however often the event arrives', async () => {
    const accountId = await account();
    const event = expired(accountId, 'a0a0a0a0-0000-4000-8000-000000000001');
    // Held first: the cadence pauses while a supervisor may decide; the expiry ends the pause.
    const { requestedAt, expiresAt, approvalId, kind, agentId, reason } = event;
    const held = { approvalId, accountId, kind, agentId, reason, requestedAt, expiresAt, policyVersion: 1 };
    await deliver(sut, 'collections.promises.v1.OfferApprovalRequested', held);
    expect(await paused(accountId)).toBe(true);
    await deliver(sut, 'collections.promises.v1.OfferApprovalExpired', event);
    expect(await paused(accountId)).toBe(false);
    await deliver(sut, 'collections.promises.v1.OfferApprovalExpired', event); // redelivered under a new event id

    const tasks = await tasksOf(accountId);
    expect(tasks).toEqual([
      expect.objectContaining({
        accountId,
        kind: pb.AgentTaskKind.AGENT_TASK_KIND_CALL,
        queue: EXPIRED_OFFER_QUEUE,
        segment: 'negotiate',
        language: 'es',
        reason:
          'the settlement offer agent agent-7 held for a supervisor expired with no decision (an agent may grant at most 30% discount, asked 50%: needs a supervisor): call the debtor back with an answer',
        causedByEventId: `offer-expired:${event.approvalId}`,
        dueAt: sut.clock.now(),
      }),
    ]);
    expect(await storedTasks(accountId)).toEqual([{ state: 'open', queue: EXPIRED_OFFER_QUEUE }]);
  });

  it('queues nothing for a debtor the contact law refuses calls for good (a dispute hold)', async () => {
    const accountId = await account();
    await sut.dataSource.query(
      `INSERT INTO debtor_hold_state (tenant_id, hold_id, debtor_id, kind, active) VALUES ($1, 'hold-1', $2, $3, true)`,
      [sut.tenant, `debtor-offer-${n}`, ledger.HoldKind.HOLD_KIND_DISPUTE],
    );
    await deliver(
      sut,
      'collections.promises.v1.OfferApprovalExpired',
      expired(accountId, 'a0a0a0a0-0000-4000-8000-000000000002'),
    );
    expect(await tasksOf(accountId)).toEqual([]);
    expect(await storedTasks(accountId)).toEqual([]);
  });

  it('queues one call back in the rejected-offers queue when a supervisor rejects an offer the debtor waits on', async () => {
    const accountId = await account();
    const event = rejected(accountId, 'b0b0b0b0-0000-4000-8000-000000000001');
    await deliver(sut, 'collections.promises.v1.OfferApprovalDecided', event);
    await deliver(sut, 'collections.promises.v1.OfferApprovalDecided', event); // redelivered under a new event id

    expect(await tasksOf(accountId)).toEqual([
      expect.objectContaining({
        accountId,
        kind: pb.AgentTaskKind.AGENT_TASK_KIND_CALL,
        queue: REJECTED_OFFER_QUEUE,
        reason:
          'supervisor sup-2 rejected the plan offer agent agent-7 held for approval: call the debtor back with the answer and what can be offered',
        causedByEventId: `offer-rejected:${event.approvalId}`,
        dueAt: sut.clock.now(),
      }),
    ]);
  });

  it('queues nothing for an approved offer, nor for a rejected or expired one nobody waits on (something agreed since)', async () => {
    const accountId = await account();
    await deliver(
      sut,
      'collections.promises.v1.OfferApprovalDecided',
      rejected(accountId, 'b0b0b0b0-0000-4000-8000-000000000002', {
        decision: promises.ApprovalDecision.APPROVAL_DECISION_APPROVE,
        planId: 'plan-1',
        debtorAnswered: true,
      }),
    );
    await deliver(
      sut,
      'collections.promises.v1.OfferApprovalDecided',
      rejected(accountId, 'b0b0b0b0-0000-4000-8000-000000000003', { debtorAnswered: true }),
    );
    await deliver(sut, 'collections.promises.v1.OfferApprovalExpired', {
      ...expired(accountId, 'b0b0b0b0-0000-4000-8000-000000000004'),
      debtorAnswered: true,
    });
    expect(await tasksOf(accountId)).toEqual([]);
    expect(await storedTasks(accountId)).toEqual([]);
  });
});
