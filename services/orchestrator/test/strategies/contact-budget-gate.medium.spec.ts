import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { ContactBudgetGate } from '../../src/strategies/contact-budget.gate';

const NOW = new Date('2026-03-11T15:00:00Z');
const strategy = (perDay: number) => ({
  name: 'Budgeted',
  priority: 1,
  entry: {},
  arms: [
    {
      id: 'champion',
      weight: 100,
      contactBudget: { perDay, rankBy: 'days_past_due' },
      steps: [{ id: 'd0', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: 0 } }],
    },
  ],
  stopConditions: ['payment'],
});

describe('the contact budget gate (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: { addressesOf: async () => undefined, close: () => undefined } }),
      NOW,
    );
    const t = sut.tenant;
    await sut.dataSource.query(
      `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'budgeted', 1, $2)`,
      [t, JSON.stringify(strategy(1))],
    );
    for (const [i, dpd] of [10, 30, 20].entries()) {
      await sut.dataSource.query(
        `INSERT INTO planner_account (tenant_id, account_id, currency, days_past_due, due_date) VALUES ($1, $2, 'USD', $3, '2026-02-01')`,
        [t, `acct-${i}`, dpd],
      );
      await sut.dataSource.query(
        `INSERT INTO contact_schedule (tenant_id, account_id, debtor_id, decision_id, strategy_id, strategy_version, arm_id,
           step_id, channel, template, fallback, due_at, status, created_at, updated_at)
         VALUES ($1, $2, $3, gen_random_uuid(), 'budgeted', 1, 'champion', 'd0', 'sms', 'reminder', false, $4, 'pending', $4, $4)`,
        [t, `acct-${i}`, `debtor-${i}`, new Date(NOW.getTime() - 60_000)],
      );
    }
  });

  afterAll(async () => {
    await sut?.close();
    process.env = saved;
  });

  const heldAccounts = async (gate: ContactBudgetGate) => {
    const ids = [...(await gate.heldBack(NOW, new Set()))];
    const rows = (await sut.dataSource.query(
      `SELECT account_id FROM contact_schedule WHERE id = ANY ($1::uuid[]) ORDER BY account_id`,
      [ids],
    )) as { account_id: string }[];
    return rows.map((r) => r.account_id);
  };

  it('holds back what the arm cannot afford today, and follows new versions of the strategy, one that drops the budget too', async () => {
    const gate = new ContactBudgetGate(sut.dataSource);
    // One a day, most days past due first: acct-1 (30 days) goes, the others wait.
    expect(await heldAccounts(gate)).toEqual(['acct-0', 'acct-2']);
    // Asked again (the dispatcher's next pass): the same answer.
    expect(await heldAccounts(gate)).toEqual(['acct-0', 'acct-2']);

    // A new version raises the budget to two a day: the same gate sees it on its next pass.
    await sut.dataSource.query(
      `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'budgeted', 2, $2)`,
      [sut.tenant, JSON.stringify(strategy(2))],
    );
    expect(await heldAccounts(gate)).toEqual(['acct-0']);

    // A version without budgets lifts them: the older versions' budgets no longer apply.
    await sut.dataSource.query(
      `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'budgeted', 3, $2)`,
      [sut.tenant, JSON.stringify({ ...strategy(1), arms: [{ ...strategy(1).arms[0], contactBudget: undefined }] })],
    );
    expect(await heldAccounts(gate)).toEqual([]);
  });
});
