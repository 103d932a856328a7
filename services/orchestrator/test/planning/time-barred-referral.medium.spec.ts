import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { orchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { US_REGULATION_F_PACK } from '../../src/policy/packs';
import { StrategyDocument } from '../../src/strategies/domain';
import { startConsumers } from '../support/events';
import { ALL_STOPS, putStrategies } from '../support/strategies';
import { contactDecisionsOf, openUnpaidLoan, putLimitationPeriods } from '../support/time-barred-debts';

/** Monday 23 November 2026, 10:00 in Los Angeles (UTC-8). */
const NOW = new Date('2026-11-23T18:00:00Z');

/** A late-stage strategy: a letter the day after the due date; a legal referral at 60 days past due. */
const lateStage: StrategyDocument = {
  name: 'Late stage',
  priority: 1,
  entry: { daysPastDue: { min: -5 }, jurisdictions: ['ES', 'US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [{ id: 'd+1', channel: 'letter', template: 'overdue', offset: { from: 'due_date', days: 1 } }],
    },
  ],
  stopConditions: ALL_STOPS,
  legalReferral: { atDaysPastDue: 60 },
};

describe('no legal referral of a time-barred debt (Regulation F §1006.26(b); real PostgreSQL, in-process events)', () => {
  let sut: ServiceUnderTest;
  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();

  beforeAll(async () => {
    sut = await startServiceUnderTest(orchestratorService, NOW);
    await startConsumers(sut, orchestratorService);
    await putStrategies(sut, { 'late-stage': lateStage });
    // The lender's figure for California: 4 years (the pack carries none).
    await putLimitationPeriods(sut, { CA: { years: 4 } });
  });
  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
  });

  const openAccount = async (n: string, region: string, dueDate: string, country: 'US' | 'ES' = 'US') =>
    (await openUnpaidLoan(sut, n, region, dueDate, country)).accountId;

  const referred = async (accountId: string) =>
    (
      await q<{ referred_to_legal: boolean }>(`SELECT referred_to_legal FROM planner_account WHERE account_id = $1`, [
        accountId,
      ])
    )[0].referred_to_legal;
  const decisions = (accountId: string) => contactDecisionsOf(sut, accountId);

  it('refuses a Californian debt past the lender’s 4-year period once, leaves it unreferred, and records no second refusal when re-planned', async () => {
    sut.clock.set(NOW);
    const accountId = await openAccount('1', 'CA', '2021-06-01');

    expect(await referred(accountId)).toBe(false);
    const refusals = (await decisions(accountId)).filter((d) => !d.allowed);
    expect(refusals).toEqual([
      {
        allowed: false,
        stage: 'plan',
        pack_version: `${US_REGULATION_F_PACK.version}+${sut.tenant}.v1`,
        override_version: 1,
        reasons: [
          expect.stringMatching(
            /^US-TIME-BARRED: A debt collector must not bring or threaten to bring a legal action .* \[.*§1006\.26\(b\)\] — the debt is time-barred in CA: its 4-year limitation period from the default date 2021-06-01 ran out on 2025-06-01$/,
          ),
        ],
      },
    ]);

    // Planned again by the next days' runs: still unreferred, still the one refusal.
    sut.clock.set(new Date('2026-11-24T18:00:00Z'));
    await dailyRun();
    sut.clock.set(new Date('2026-11-25T18:00:00Z'));
    await dailyRun();
    expect(await referred(accountId)).toBe(false);
    expect((await decisions(accountId)).filter((d) => !d.allowed)).toHaveLength(1);
    expect((await decisions(accountId)).some((d) => d.reasons[0]?.startsWith('legal-referral:'))).toBe(false);
  });

  it('refers a Californian debt still inside the period', async () => {
    sut.clock.set(NOW);
    const accountId = await openAccount('2', 'CA', '2024-06-01');
    expect(await referred(accountId)).toBe(true);
    expect((await decisions(accountId)).filter((d) => !d.allowed)).toEqual([]);
    expect((await decisions(accountId)).at(-1)).toMatchObject({
      allowed: true,
      reasons: ['legal-referral: the strategy refers the account for legal action'],
    });
  });

  it('refers a debt of a state with no period configured, saying it could not be checked', async () => {
    sut.clock.set(NOW);
    const accountId = await openAccount('3', 'OR', '2016-06-01');
    expect(await referred(accountId)).toBe(true);
    expect((await decisions(accountId)).at(-1)).toMatchObject({
      allowed: true,
      reasons: [
        'legal-referral: the strategy refers the account for legal action',
        'US-TIME-BARRED: whether the debt is time-barred could not be checked — no limitation period is configured for OR',
      ],
    });
  });

  it('still refuses a Spanish account’s referral until forbearance is on record', async () => {
    sut.clock.set(NOW);
    const accountId = await openAccount('4', 'MD', '2026-09-01', 'ES');
    expect(await referred(accountId)).toBe(false);
    const refusals = (await decisions(accountId)).filter((d) => !d.allowed);
    expect(refusals).toHaveLength(1);
    expect(refusals[0].reasons[0]).toMatch(/^ES-FORBEARANCE-FIRST: .* no forbearance measure is on record/);
  });
});
