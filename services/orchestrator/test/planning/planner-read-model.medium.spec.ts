import { randomUUID } from 'node:crypto';
import { EventPayload, EventType, ledger, scoring } from '@collections/contracts';
import { ConsumedEvent } from '@collections/messaging';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { plannerHandlers } from '../../src/planning/planner.consumer';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { AgentQueueEscalation, PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';

/** Tuesday 10 March 2026, 10:00 in Bogotá; the statement falls due on Thursday. */
const NOW = new Date('2026-03-10T15:00:00Z');
const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
const strategy = {
  name: 'Reminders',
  priority: 1,
  entry: {},
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        { id: 'd-2', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: -2 } },
        { id: 'd+1', channel: 'email', template: 'overdue', offset: { from: 'due_date', days: 1 } },
      ],
    },
  ],
  stopConditions: ['payment'],
};

type Fact = { [T in EventType]: { type: T; key: string; payload: EventPayload<T> } }[EventType];

const opened = (accountId: string, debtorId: string): Fact[] => [
  {
    type: 'collections.ledger.v1.DebtorUpserted',
    key: debtorId,
    payload: { debtorId, timeZone: 'America/Bogota', language: 'es', country: 'CO', region: '', consentedChannels: [] },
  },
  {
    type: 'collections.ledger.v1.AccountOpened',
    key: accountId,
    payload: {
      accountId,
      externalRef: `TC-${accountId}`,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: 'COP',
      creditLimitMinor: 500_000_00,
      openedOn: '2025-06-01',
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone: 'America/Bogota',
    },
  },
  {
    type: 'collections.ledger.v1.StatementIssued',
    key: accountId,
    payload: {
      accountId,
      cycle: 1,
      statementDate: '2026-02-20',
      dueDate: '2026-03-12',
      amountDue: COP(250_000_00),
      minimumDue: COP(25_000_00),
      hasReportedStatus: false,
      reportedStatus: 0,
    },
  },
];

const scored = (accountId: string, balanceMinor: number): Fact => ({
  type: 'collections.scoring.v1.AccountScored',
  key: accountId,
  payload: {
    accountId,
    probabilityToPay: 0.4,
    segment: scoring.Segment.SEGMENT_NEGOTIATE,
    modelVersion: 'm1',
    reasons: [],
    scoredAt: NOW,
    expectedRecovery: COP(100_000_00),
    priority: 0.5,
    balance: COP(balanceMinor),
    daysPastDue: -2,
    segmentRule: 'test',
    imputedFeatures: [],
    modelArm: '',
  },
});

/** The ledger's answer to a payment of the whole balance. */
const paidOff = (accountId: string): Fact[] => [
  {
    type: 'collections.ledger.v1.PaymentPosted',
    key: accountId,
    payload: {
      paymentId: `pay-${accountId}`,
      accountId,
      amount: COP(250_000_00),
      balanceAfter: COP(0),
      postedAt: NOW,
      reference: 'PSE',
    },
  },
  {
    type: 'collections.ledger.v1.BalanceChanged',
    key: accountId,
    payload: {
      balance: {
        accountId,
        asOfDate: '2026-03-10',
        principal: COP(0),
        interest: COP(0),
        fees: COP(0),
        total: COP(0),
        pastDue: COP(0),
        daysPastDue: 0,
        agingBucket: 'current',
      },
      causedByEntryId: `entry-${accountId}`,
    },
  },
];

describe("the planner's read model: the ledger's balance over scoring's copy (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  let consume: (fact: Fact) => Promise<void>;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: { addressesOf: async () => undefined, close: () => undefined } }),
      NOW,
    );
    await sut.dataSource.query(
      `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'reminders', 1, $2)`,
      [sut.tenant, JSON.stringify(strategy)],
    );
    const repo = new PlannerRepository();
    const handlers = plannerHandlers(new PlanAccountUseCase(sut.context, repo, new AgentQueueEscalation()), repo);
    consume = async (fact: Fact) => {
      const event = {
        ...fact,
        id: randomUUID(),
        source: '/collections/test',
        time: sut.clock.now(),
        tenantId: sut.tenant,
        topic: '',
        partition: 0,
        offset: '0',
      } as ConsumedEvent;
      const handle = handlers[fact.type] as (e: ConsumedEvent, hc: unknown) => Promise<void>;
      await sut.dataSource.transaction((tx) => handle(event, { tx, outbox: sut.context.backbone.outbox }));
    };
  });

  afterAll(async () => {
    await sut?.close();
    process.env = saved;
  });

  const account = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT balance_minor::int AS balance, balance_known AS known FROM planner_account
          WHERE tenant_id = $1 AND account_id = $2`,
        [sut.tenant, accountId],
      )) as { balance: number; known: boolean }[]
    )[0];
  const pending = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT step_id FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 AND status = 'pending'`,
        [sut.tenant, accountId],
      )) as { step_id: string }[]
    ).map((r) => r.step_id);

  it('a score computed before a payment and consumed after it does not bring back the balance the payment cleared', async () => {
    for (const fact of opened('acct-late', 'debtor-late')) await consume(fact);
    await consume(scored('acct-late', 250_000_00));
    expect(await pending('acct-late')).toEqual(['d-2']);

    for (const fact of paidOff('acct-late')) await consume(fact);
    expect(await account('acct-late')).toEqual({ balance: 0, known: true });
    expect(await pending('acct-late')).toEqual([]);

    // Scoring's answer to an earlier ledger event, published after the payment's.
    await consume(scored('acct-late', 250_000_00));

    expect(await account('acct-late')).toEqual({ balance: 0, known: true });
    expect(await pending('acct-late')).toEqual([]);
  });

  it("scoring's balance stands for the balance, score after score, until the ledger tells one", async () => {
    for (const fact of opened('acct-scored', 'debtor-scored')) await consume(fact);
    expect(await account('acct-scored')).toEqual({ balance: 250_000_00, known: false });

    await consume(scored('acct-scored', 200_000_00));
    expect(await account('acct-scored')).toEqual({ balance: 200_000_00, known: true });
    await consume(scored('acct-scored', 0));

    expect(await account('acct-scored')).toEqual({ balance: 0, known: true });
    expect(await pending('acct-scored')).toEqual([]);
  });
});
