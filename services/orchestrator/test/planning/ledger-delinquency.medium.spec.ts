import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { deliver, published, startConsumers } from '../support/events';
import { openedAccountFacts } from '../support/planner-facts';
import { ALL_STOPS, putStrategies } from '../support/strategies';

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
/** Bogotá is UTC-5 all year: 10:00 local is 15:00Z. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);

/** From five days before the due date on, no upper bound; a person takes the account at 60 days past due. */
const lateStage: StrategyDocument = {
  name: 'Card, all stages',
  priority: 1,
  entry: { daysPastDue: { min: -5 }, jurisdictions: ['CO'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        {
          id: 'd+1',
          channel: 'sms',
          template: 'overdue',
          offset: { from: 'due_date', days: 1 },
          preferredWindow: { from: '10:00', to: '13:00' },
        },
      ],
    },
  ],
  stopConditions: ALL_STOPS,
  escalation: { atDaysPastDue: 60, queue: 'late-agents' },
};

/**
 * Strategies count days past due from the ledger's oldest unpaid due date (DelinquencyChanged,
 * BalanceChanged), not from the latest statement's: a card whose statements keep coming unpaid is
 * as late as its oldest cycle. The ledger's events reach the orchestrator's real consumers.
 */
describe("days past due from the ledger's delinquency, through the planner's consumers (real PostgreSQL)", () => {
  let sut: ServiceUnderTest;
  const saved = { ...process.env };
  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({
      directory: { addressesOf: async () => undefined, close: () => undefined },
    });
    sut = await startServiceUnderTest(service, bogota('2026-01-05', 10));
    await startConsumers(sut, service);
    await putStrategies(sut, { 'late-stage': lateStage });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    process.env = saved;
  });

  /**
   * The card opens with its statement due `firstDue`; then come the statements due on `laterDues`,
   * none paid: each is consumed on the 1st of its due date's month (the clock moves there).
   */
  const openCard = async (n: string, firstDue: string, laterDues: string[]) => {
    const accountId = `acct-${n}`;
    sut.clock.set(bogota(firstDue.replace(/-10$/, '-01'), 10));
    for (const fact of openedAccountFacts(accountId, `debtor-${n}`, { cycle: 1, dueDate: firstDue }))
      await deliver(sut, fact.type, fact.payload as never, fact.key);
    for (const [i, dueDate] of laterDues.entries()) {
      sut.clock.set(bogota(dueDate.replace(/-10$/, '-01'), 10));
      await statement(accountId, i + 2, dueDate);
    }
    return accountId;
  };
  const statement = (accountId: string, cycle: number, dueDate: string) =>
    deliver(sut, 'collections.ledger.v1.StatementIssued', {
      accountId,
      cycle,
      statementDate: dueDate.replace(/-10$/, '-01'),
      dueDate,
      amountDue: COP(250_000_00 * cycle),
      minimumDue: COP(25_000_00),
      hasReportedStatus: false,
      reportedStatus: 0,
    });
  const delinquency = (
    accountId: string,
    asOfDate: string,
    daysPastDue: number,
    previousBucket: string,
    bucket: string,
  ) =>
    deliver(sut, 'collections.ledger.v1.DelinquencyChanged', {
      accountId,
      asOfDate,
      daysPastDue,
      previousBucket,
      bucket,
      pastDue: COP(daysPastDue > 0 ? 250_000_00 : 0),
    });
  const agentTasks = (accountId: string) =>
    q<{ kind: string; queue: string; reason: string }>(
      `SELECT kind, queue, reason FROM agent_task WHERE tenant_id = $1 AND account_id = $2`,
      [sut.tenant, accountId],
    );
  const account = async (accountId: string) =>
    (
      await q<{
        due_date: string;
        oldest_unpaid_due_date: string | null;
        delinquency_as_of: string | null;
        escalated: boolean;
      }>(
        `SELECT due_date, oldest_unpaid_due_date, delinquency_as_of, escalated FROM planner_account
          WHERE tenant_id = $1 AND account_id = $2`,
        [sut.tenant, accountId],
      )
    )[0];

  it('statements due 10 Jan, 10 Feb and 10 Mar unpaid, 60 days past due as of 11 Mar: the strategy escalates at 60 days', async () => {
    const accountId = await openCard('three-cycles', '2026-01-10', ['2026-02-10', '2026-03-10']);
    sut.clock.set(bogota('2026-03-11', 6));
    await dailyRun(); // 1 day past the latest statement's due date
    expect(await agentTasks(accountId)).toEqual([]);
    sut.clock.set(bogota('2026-03-11', 10));

    // The tenant's buckets are 30/60/90: the account moved into 60-89 on 11 March.
    await delinquency(accountId, '2026-03-11', 60, '30-59', '60-89');

    expect(await agentTasks(accountId)).toEqual([
      { kind: 'call', queue: 'late-agents', reason: 'strategy late-stage escalates at 60 days past due' },
    ]);
    const created = (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).filter(
      (e) => e.accountId === accountId,
    );
    expect(created).toHaveLength(1);
    expect(await account(accountId)).toEqual({
      due_date: '2026-03-10',
      oldest_unpaid_due_date: '2026-01-10',
      delinquency_as_of: '2026-03-11',
      escalated: true,
    });
  });

  it('an older DelinquencyChanged consumed late does not undo the oldest unpaid due date; the daily run escalates on day 60', async () => {
    const accountId = await openCard('out-of-order', '2026-01-10', ['2026-02-10']);
    sut.clock.set(bogota('2026-02-10', 10));
    await delinquency(accountId, '2026-02-10', 31, '1-30', '31-60');
    sut.clock.set(bogota('2026-03-01', 10));
    await statement(accountId, 3, '2026-03-10');
    // Redelivered from before the first due date (a previous cycle had been paid): the account was current then.
    await delinquency(accountId, '2026-01-09', 0, '1-30', 'current');

    expect(await account(accountId)).toEqual({
      due_date: '2026-03-10',
      oldest_unpaid_due_date: '2026-01-10',
      delinquency_as_of: '2026-02-10',
      escalated: false,
    });

    // No event on day 60 (no bucket moves): the daily run counts from the oldest unpaid due date.
    sut.clock.set(bogota('2026-03-10', 6));
    await dailyRun();
    expect(await agentTasks(accountId)).toEqual([]); // 59 days
    sut.clock.set(bogota('2026-03-11', 6));
    await dailyRun();
    expect(await agentTasks(accountId)).toEqual([
      { kind: 'call', queue: 'late-agents', reason: 'strategy late-stage escalates at 60 days past due' },
    ]);
    expect((await account(accountId)).escalated).toBe(true);
  });

  it("a payment's BalanceChanged moves the oldest unpaid due date to the next unpaid cycle; the account is current once paid up", async () => {
    const accountId = await openCard('paid-oldest', '2026-01-10', ['2026-02-10', '2026-03-10']);
    sut.clock.set(bogota('2026-02-10', 10));
    await delinquency(accountId, '2026-02-10', 31, '1-30', '31-60');
    sut.clock.set(bogota('2026-03-11', 10));
    const balanceChanged = (asOfDate: string, daysPastDue: number, total: number) =>
      deliver(
        sut,
        'collections.ledger.v1.BalanceChanged',
        {
          balance: {
            accountId,
            asOfDate,
            principal: COP(total),
            interest: COP(0),
            fees: COP(0),
            total: COP(total),
            pastDue: COP(total),
            daysPastDue,
            agingBucket: daysPastDue > 30 ? '31-60' : daysPastDue > 0 ? '1-30' : 'current',
          },
          causedByEntryId: `entry-${asOfDate}-${daysPastDue}`,
        },
        accountId,
      );

    await balanceChanged('2026-03-11', 29, 500_000_00); // January's cycle paid: February's is the oldest unpaid
    expect(await account(accountId)).toMatchObject({
      oldest_unpaid_due_date: '2026-02-10',
      delinquency_as_of: '2026-03-11',
    });
    await balanceChanged('2026-03-12', 0, 250_000_00); // paid up to date
    expect(await account(accountId)).toMatchObject({ oldest_unpaid_due_date: null, delinquency_as_of: '2026-03-12' });
    expect(await agentTasks(accountId)).toEqual([]);
  });
});
