import { randomUUID } from 'node:crypto';
import { SimulatedClock } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { plannerHandlers } from '../../src/planning/planner.consumer';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { MarkedAccountsPlanningJob } from '../../src/planning/usecases/marked-accounts-planning';
import { AgentQueueEscalation, PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { Fact, factConsumer, openedAccountFacts, scoredFact } from '../support/planner-facts';

/** Tuesday 10 March 2026, 10:00 in Bogotá. */
const NOW = new Date('2026-03-10T15:00:00Z');
const NEXT_DAY = new Date('2026-03-11T15:00:00Z');
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
        { id: 'd-1', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: -1 } },
        { id: 'd+1', channel: 'email', template: 'overdue', offset: { from: 'due_date', days: 1 } },
      ],
    },
  ],
  stopConditions: ['payment'],
};

/** One account's facts as the ledger and scoring publish them (three topics in all). */
const facts = (accountId: string, debtorId: string): Fact[] => [
  ...openedAccountFacts(accountId, debtorId),
  scoredFact(accountId, 200_000_00, NOW),
  {
    type: 'collections.ledger.v1.PaymentPosted',
    key: accountId,
    payload: {
      paymentId: `pay-${accountId}`,
      accountId,
      amount: COP(50_000_00),
      balanceAfter: COP(200_000_00),
      postedAt: NOW,
      reference: 'PSE',
      effectiveDate: '',
    },
  },
];

describe('planning on a simulated clock: events mark accounts, the clock plans them (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  const saved = { ...process.env };
  const tenants = { inOrder: '', reversed: '' };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: { addressesOf: async () => undefined, close: () => undefined } }),
      NOW,
    );
    tenants.inOrder = sut.tenant;
    tenants.reversed = `t-${randomUUID()}`;
    for (const t of Object.values(tenants))
      await sut.dataSource.query(
        `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'reminders', 1, $2)`,
        [t, JSON.stringify(strategy)],
      );
  });

  afterAll(async () => {
    await sut?.close();
    process.env = saved;
  });

  const rows = async (sql: string, tenantId: string) => (await sut.dataSource.query(sql, [tenantId])) as unknown[];
  const decisions = (tenantId: string) =>
    rows(
      `SELECT account_id, channel, allowed, reasons, stage, decided_at, contact_at, caused_by_event FROM contact_decision
        WHERE tenant_id = $1 ORDER BY account_id, contact_at, channel, allowed`,
      tenantId,
    );
  const schedules = (tenantId: string) =>
    rows(
      `SELECT account_id, step_id, channel, status, due_at FROM contact_schedule WHERE tenant_id = $1 ORDER BY account_id, step_id`,
      tenantId,
    );

  it('plans each account once, at the next move, the same whatever order its topics arrived in', async () => {
    const clock = new SimulatedClock(NOW);
    const ctx: ServiceContext = { ...sut.context, clock };
    const repo = new PlannerRepository();
    const planner = new PlanAccountUseCase(ctx, repo, new AgentQueueEscalation());
    const handlers = plannerHandlers(planner, repo);
    const job = new MarkedAccountsPlanningJob(ctx, planner, repo);
    job.onApplicationBootstrap();
    const consume = factConsumer(sut, handlers, clock);
    // Two accounts a tenant; one tenant gets every account's facts in publication order, the other
    // in reverse (a score and a payment before the debtor, the account or its statement are known).
    for (const account of ['acct-1', 'acct-2']) {
      const script = facts(account, `debtor-${account}`);
      for (const fact of script) await consume(tenants.inOrder, fact);
      for (const fact of [...script].reverse()) await consume(tenants.reversed, fact);
    }

    // Nothing decided yet: each account is marked once, asked for an answer (the score).
    for (const t of Object.values(tenants)) {
      expect(await decisions(t)).toEqual([]);
      expect(
        await rows(`SELECT account_id, answer FROM planner_mark WHERE tenant_id = $1 ORDER BY account_id`, t),
      ).toEqual([
        { account_id: 'acct-1', answer: true },
        { account_id: 'acct-2', answer: true },
      ]);
    }

    // The clock moves a day: the daily planning run, then the marked accounts, then the dispatcher.
    const moved = await clock.advanceTo(NEXT_DAY);
    expect(moved.jobs).toEqual([{ job: 'daily planning run (marked accounts)', ran: true }]);
    expect(await sut.dataSource.query(`SELECT count(*)::int AS n FROM planner_mark`)).toEqual([{ n: 0 }]);

    // D-1 (11 March) is today at 10:00 in Bogotá, inside Colombia's SMS hours: one decision and
    // one pending SMS an account, due now, in both tenants alike.
    const inOrder = await decisions(tenants.inOrder);
    expect(inOrder).toEqual(
      ['acct-1', 'acct-2'].map((account_id) =>
        expect.objectContaining({ account_id, channel: 2, allowed: true, stage: 'plan', decided_at: NEXT_DAY }),
      ),
    );
    const withoutCause = (list: unknown[]) =>
      list.map((d) => ({ ...(d as Record<string, unknown>), caused_by_event: undefined }));
    expect(withoutCause(await decisions(tenants.reversed))).toEqual(withoutCause(inOrder));
    const expected = ['acct-1', 'acct-2'].map((account_id) => ({
      account_id,
      step_id: 'd-1',
      channel: 'sms',
      status: 'pending',
      due_at: NEXT_DAY,
    }));
    expect(await schedules(tenants.inOrder)).toEqual(expected);
    expect(await schedules(tenants.reversed)).toEqual(expected);

    // A move with nothing marked plans nothing.
    expect(await job.run()).toEqual({ accounts: 0 });
  });
});
