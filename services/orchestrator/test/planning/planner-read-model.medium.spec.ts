import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { plannerHandlers } from '../../src/planning/planner.consumer';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { AgentQueueEscalation, PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { Fact, factConsumer, openedAccountFacts, scoredFact } from '../support/planner-facts';

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

const scored = (accountId: string, balanceMinor: number) => scoredFact(accountId, balanceMinor, NOW);

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
      effectiveDate: '',
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
    const consumeAs = factConsumer(sut, handlers, sut.clock);
    consume = (fact) => consumeAs(sut.tenant, fact);
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
    for (const fact of openedAccountFacts('acct-late', 'debtor-late')) await consume(fact);
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
    for (const fact of openedAccountFacts('acct-scored', 'debtor-scored')) await consume(fact);
    expect(await account('acct-scored')).toEqual({ balance: 250_000_00, known: false });

    await consume(scored('acct-scored', 200_000_00));
    expect(await account('acct-scored')).toEqual({ balance: 200_000_00, known: true });
    await consume(scored('acct-scored', 0));

    expect(await account('acct-scored')).toEqual({ balance: 0, known: true });
    expect(await pending('acct-scored')).toEqual([]);
  });
});
