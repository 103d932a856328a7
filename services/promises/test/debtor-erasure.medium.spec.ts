import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { EventPayload, ledger, promises } from '@collections/contracts';
import { ServiceUnderTest, columnsHolding, publishedEvents } from '@collections/testing';
import { deliver } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ApprovalState, ApprovalDecision, TakenBy, PlanFrequency, PlanChannel } = promises;

/**
 * A debtor the ledger erases (EraseDebtor): what supervisors typed about them on their accounts'
 * held offers goes, who approved what stays. Against a real ledger (its own database, its gRPC
 * API), whose AccountOpened and DebtorUpserted events are delivered to promises as published.
 */
describe('a debtor the ledger erases (real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let sut: ServiceUnderTest;
  let client: PromisesOnLedger['client'];
  let md: () => Metadata;

  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  /** The ledger's latest event of `type` that `matches`, delivered to promises (a new event id unless given). */
  async function forwardFromLedger<
    T extends 'collections.ledger.v1.AccountOpened' | 'collections.ledger.v1.DebtorUpserted',
  >(type: T, matches: (e: EventPayload<T>) => boolean, id?: string): Promise<string> {
    const event = (await publishedEvents(env.ledgerSut, 'ledger', type)).filter(matches).pop();
    expect(event).toBeDefined();
    return deliver(sut, type, event!, id);
  }

  /** Debtor `name` in the ledger with a card account owing 1,200.00 USD since 2026-01-05, its opening delivered to promises. */
  async function debtorWithAccount(name: string) {
    const debtorId = `debtor-${randomUUID().slice(0, 8)}`;
    const accountId = `acct-${randomUUID().slice(0, 8)}`;
    const ledgerMd = env.ledgerMd();
    await env.ledgerClient.upsertDebtor(
      { debtor: ledger.Debtor.fromPartial({ debtorId, kind: 'person', displayName: name, country: 'CO' }) },
      ledgerMd,
    );
    await env.ledgerClient.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId,
        externalRef: `crm-${accountId}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        openedOn: '2025-01-01',
        timeZone: 'UTC',
        debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      ledgerMd,
    );
    await env.ledgerClient.postCharge(
      {
        accountId,
        kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
        amount: USD(120_000),
        idempotencyKey: `open-${accountId}`,
        effectiveDate: '2026-01-05',
        memo: '',
      },
      ledgerMd,
    );
    await env.ledgerClient.issueStatement(
      {
        accountId,
        cycle: 1,
        statementDate: '2026-01-05',
        dueDate: '2026-01-05',
        amountDue: USD(120_000),
        minimumDue: USD(120_000),
      },
      ledgerMd,
    );
    await forwardFromLedger('collections.ledger.v1.AccountOpened', (e) => e.accountId === accountId);
    return { debtorId, accountId, name };
  }

  /** Agent-1's plan of 30 instalments (beyond an agent's 24), held, then decided by sup-9 with `note`. */
  async function heldPlanDecided(accountId: string, decision: promises.ApprovalDecision, note: string) {
    const held = await client.createPlan(
      {
        accountId,
        total: USD(120_000),
        downPayment: USD(12_000),
        instalments: 30,
        frequency: PlanFrequency.PLAN_FREQUENCY_MONTHLY,
        firstDate: '2026-03-10',
        channel: PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: TakenBy.TAKEN_BY_AGENT,
        agentId: 'agent-1',
        idempotencyKey: `plan-${randomUUID()}`,
      },
      md(),
    );
    return decide(held.approval!.approvalId, decision, note);
  }

  /** Agent-1's settlement of 720.00 of 1,200.00 (40% off, beyond an agent's 30%), held, then decided by sup-9 with `note`. */
  async function heldSettlementDecided(accountId: string, decision: promises.ApprovalDecision, note: string) {
    const request = {
      accountId,
      amount: USD(72_000),
      dueDate: '2026-03-31',
      channel: PlanChannel.PLAN_CHANNEL_CALL,
      takenBy: TakenBy.TAKEN_BY_AGENT,
      agentId: 'agent-1',
      idempotencyKey: `settle-${randomUUID()}`,
    };
    const held = await client.createSettlement(request, md());
    return { request, ...(await decide(held.approval!.approvalId, decision, note)) };
  }

  async function decide(approvalId: string, decision: promises.ApprovalDecision, note: string) {
    const decided = await client.decideApproval({ approvalId, decision, supervisorId: 'sup-9', note }, md());
    expect(decided.approval!.decisionNote).toBe(note);
    return decided;
  }

  const approval = async (approvalId: string) => (await client.getApproval({ approvalId }, md())).approval!;

  type Decided = Awaited<ReturnType<typeof decide>>;
  let juan: Awaited<ReturnType<typeof debtorWithAccount>>;
  let rosa: Awaited<ReturnType<typeof debtorWithAccount>>;
  let juanPlan: Decided;
  let juanSettlement: Awaited<ReturnType<typeof heldSettlementDecided>>;
  let rosaPlan: Decided;
  let erasureId: string;

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    ({ sut, client, md } = env);
    juan = await debtorWithAccount('Juan Pérez');
    rosa = await debtorWithAccount('Rosa Díaz');
    juanPlan = await heldPlanDecided(
      juan.accountId,
      ApprovalDecision.APPROVAL_DECISION_APPROVE,
      'Juan Pérez lost his job, 30 instalments approved',
    );
    juanSettlement = await heldSettlementDecided(
      juan.accountId,
      ApprovalDecision.APPROVAL_DECISION_REJECT,
      'Juan Pérez told the agent his bonus comes in May: he can pay more',
    );
    rosaPlan = await heldPlanDecided(
      rosa.accountId,
      ApprovalDecision.APPROVAL_DECISION_REJECT,
      'Rosa Díaz is selling her car, ask again in April',
    );
    expect(await columnsHolding(sut.dataSource, juan.name)).toEqual(['promises.offer_approval.decision_note']);

    // Rosa changes her time zone (an ordinary upsert); the ledger erases Juan and says so.
    await env.ledgerClient.upsertDebtor(
      {
        debtor: ledger.Debtor.fromPartial({
          debtorId: rosa.debtorId,
          kind: 'person',
          displayName: rosa.name,
          country: 'CO',
          timeZone: 'America/Bogota',
        }),
      },
      env.ledgerMd(),
    );
    await forwardFromLedger('collections.ledger.v1.DebtorUpserted', (e) => e.debtorId === rosa.debtorId);
    await env.ledgerClient.eraseDebtor({ debtorId: juan.debtorId, reason: 'data-subject request 12' }, env.ledgerMd());
    erasureId = await forwardFromLedger(
      'collections.ledger.v1.DebtorUpserted',
      (e) => e.debtorId === juan.debtorId && e.erased,
    );
  });
  afterAll(() => env?.close());

  it("erases the supervisors' notes on the erased debtor's offers, and keeps who decided what, when, on which terms", async () => {
    expect(await approval(juanPlan.approval!.approvalId)).toEqual({ ...juanPlan.approval, decisionNote: 'erased' });
    expect(await approval(juanSettlement.approval!.approvalId)).toEqual({
      ...juanSettlement.approval,
      decisionNote: 'erased',
    });
    // Spelled out: the decision, the supervisor, the agent, the terms and why the offer was held.
    expect(await approval(juanPlan.approval!.approvalId)).toMatchObject({
      state: ApprovalState.APPROVAL_STATE_APPROVED,
      decidedBy: 'sup-9',
      agentId: 'agent-1',
      reason: 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
      plan: { total: USD(120_000), downPayment: USD(12_000), instalments: 30, firstDate: '2026-03-10' },
      planId: juanPlan.plan!.planId,
    });
    expect(await approval(juanSettlement.approval!.approvalId)).toMatchObject({
      state: ApprovalState.APPROVAL_STATE_REJECTED,
      decidedBy: 'sup-9',
      settlement: { amount: USD(72_000), dueDate: '2026-03-31' },
    });
    // The approved plan stands; the agent retrying the rejected offer hears who rejected it.
    expect((await client.getPlan({ planId: juanPlan.plan!.planId }, md())).plan!.instalments).toHaveLength(31);
    expect(await codeOf(client.createSettlement(juanSettlement.request, md()))).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'this settlement was held for approval and rejected by sup-9: erased',
    });
  });

  it("keeps no copy of the erased debtor's name anywhere in the service's database", async () => {
    expect(await columnsHolding(sut.dataSource, juan.name)).toEqual([]);
    expect(await columnsHolding(sut.dataSource, 'bonus comes in May')).toEqual([]);
  });

  it("leaves another debtor's offers as they were, an ordinary upsert included", async () => {
    expect(await approval(rosaPlan.approval!.approvalId)).toEqual(rosaPlan.approval);
    expect(await columnsHolding(sut.dataSource, rosa.name)).toEqual(['promises.offer_approval.decision_note']);
  });

  it('absorbs a redelivered erasure in the inbox', async () => {
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      { ...emptyDebtor(juan.debtorId), erased: true },
      erasureId,
    );
    const inbox = (await sut.dataSource.query(
      `SELECT outcome FROM promises.inbox WHERE consumer = 'promises' AND event_id = $1 AND tenant_id = $2`,
      [erasureId, sut.tenant],
    )) as { outcome: string }[];
    expect(inbox).toEqual([{ outcome: 'processed' }]);
    expect((await approval(juanPlan.approval!.approvalId)).decisionNote).toBe('erased');
  });

  it('takes no time zone and no country, from a ledger before the `erased` flag, as an erasure too', async () => {
    const luis = await debtorWithAccount('Luis Gómez');
    const rejected = await heldPlanDecided(
      luis.accountId,
      ApprovalDecision.APPROVAL_DECISION_REJECT,
      'Luis Gómez refuses to pay his brother-in-law’s card',
    );
    await deliver(sut, 'collections.ledger.v1.DebtorUpserted', { ...emptyDebtor(luis.debtorId), erased: false });
    expect(await approval(rejected.approval!.approvalId)).toEqual({ ...rejected.approval, decisionNote: 'erased' });
    expect(await columnsHolding(sut.dataSource, luis.name)).toEqual([]);
  });
});

/** A DebtorUpserted with nothing but the debtor's id (what an erasure carries). */
const emptyDebtor = (debtorId: string) =>
  ledger.DebtorUpserted.fromPartial({ debtorId, timeZone: '', country: '', language: '', region: '' });
