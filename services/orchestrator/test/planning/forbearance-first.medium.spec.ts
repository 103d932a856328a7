import { ledger, promises } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { orchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { deliver, startConsumers } from '../support/events';
import { ALL_STOPS, putStrategies } from '../support/strategies';

/** Monday 23 November 2026, 10:00 in Madrid (UTC+1), three days after the directive applies. */
const NOW = new Date('2026-11-23T09:00:00Z');
const DUE = '2026-09-01'; // 83 days past due on NOW

/** A late-stage strategy: a text the day after the due date; a legal referral at 60 days past due. */
const lateStage: StrategyDocument = {
  name: 'Late stage',
  priority: 1,
  entry: { daysPastDue: { min: -5, max: 400 }, jurisdictions: ['ES', 'US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [{ id: 'd+1', channel: 'sms', template: 'overdue', offset: { from: 'due_date', days: 1 } }],
    },
  ],
  stopConditions: ALL_STOPS,
  legalReferral: { atDaysPastDue: 60 },
};

describe('forbearance before enforcement (EU Consumer Credit Directive art. 35; real PostgreSQL, in-process events)', () => {
  let sut: ServiceUnderTest;
  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();

  beforeAll(async () => {
    sut = await startServiceUnderTest(orchestratorService, NOW);
    await startConsumers(sut, orchestratorService);
    await putStrategies(sut, { 'late-stage': lateStage });
  });
  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
  });

  /** A debtor of `country` with a loan of 1,200.00 due on 1 September 2026, as the ledger tells it. */
  async function openAccount(country: 'ES' | 'US', n: string) {
    const accountId = `acct-${country}-${n}`;
    const debtorId = `debtor-${country}-${n}`;
    const [timeZone, region, currency] =
      country === 'ES' ? ['Europe/Madrid', 'MD', 'EUR'] : ['America/New_York', 'NY', 'USD'];
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      {
        debtorId,
        timeZone,
        language: country === 'ES' ? 'es' : 'en',
        country,
        region,
        consentedChannels: ['sms', 'email', 'call'],
        erased: false,
      },
      debtorId,
    );
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: `LOAN-${n}`,
      product: ledger.Product.PRODUCT_PERSONAL_LOAN,
      currency,
      creditLimitMinor: 0,
      openedOn: '2025-06-01',
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone,
    });
    await deliver(sut, 'collections.ledger.v1.StatementIssued', {
      accountId,
      cycle: 1,
      statementDate: '2026-08-10',
      dueDate: DUE,
      amountDue: { amountMinor: 120_000, currency },
      minimumDue: { amountMinor: 120_000, currency },
      hasReportedStatus: false,
      reportedStatus: 0,
    });
    return accountId;
  }

  const referred = async (accountId: string) =>
    (
      await q<{ referred_to_legal: boolean }>(`SELECT referred_to_legal FROM planner_account WHERE account_id = $1`, [
        accountId,
      ])
    )[0].referred_to_legal;
  const tasks = (accountId: string) =>
    q<{ kind: string; reason: string; caused_by_event_id: string }>(
      `SELECT kind, reason, caused_by_event_id FROM agent_task WHERE account_id = $1`,
      [accountId],
    );
  const decisions = (accountId: string) =>
    q<{ allowed: boolean; reasons: string[]; stage: string; pack_version: string | null }>(
      `SELECT allowed, reasons, stage, pack_version FROM contact_decision WHERE account_id = $1 ORDER BY decided_at, id`,
      [accountId],
    );

  it('refuses a Spanish account’s legal referral without forbearance, queues one negotiation, and refers it once a plan was agreed and defaulted', async () => {
    const accountId = await openAccount('ES', '1');

    expect(await referred(accountId)).toBe(false);
    const refusals = (await decisions(accountId)).filter((d) => !d.allowed);
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ stage: 'plan', pack_version: '2026.2' });
    expect(refusals[0].reasons[0]).toMatch(
      /^ES-FORBEARANCE-FIRST: Reasonable forbearance .* no forbearance measure is on record for the account$/,
    );
    const queued = await tasks(accountId);
    expect(queued).toEqual([
      {
        kind: 'negotiate',
        reason: expect.stringMatching(/^forbearance must be offered before enforcement \(ES-FORBEARANCE-FIRST\)/),
        caused_by_event_id: expect.stringMatching(new RegExp(`^forbearance:${accountId}:late-stage:`)),
      },
    ]);

    // Planned again (the daily run, the next day): refused again, still one negotiation task.
    sut.clock.set(new Date('2026-11-24T09:00:00Z'));
    await dailyRun();
    expect(await referred(accountId)).toBe(false);
    expect((await decisions(accountId)).filter((d) => !d.allowed)).toHaveLength(2);
    expect(await tasks(accountId)).toHaveLength(1);

    // The debtor agrees a plan (forbearance), then defaults on it: the referral is made.
    const money = { amountMinor: 120_000, currency: 'EUR' };
    await deliver(sut, 'collections.promises.v1.PlanAgreed', {
      planId: 'plan-1',
      accountId,
      total: money,
      frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
      instalments: [{ seq: 1, dueDate: '2026-12-01', amount: money }],
      agreedAt: sut.clock.now(),
      channel: promises.PlanChannel.PLAN_CHANNEL_WEB,
      takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
    });
    expect(await referred(accountId)).toBe(false); // the plan pauses the cadence while it runs
    sut.clock.set(new Date('2026-12-10T09:00:00Z'));
    await deliver(sut, 'collections.promises.v1.PlanDefaulted', {
      planId: 'plan-1',
      accountId,
      missedInstalments: 1,
      unpaid: money,
      defaultedAt: sut.clock.now(),
    });
    expect(await referred(accountId)).toBe(true);
    expect((await decisions(accountId)).at(-1)).toMatchObject({
      allowed: true,
      reasons: ['legal-referral: the strategy refers the account for legal action'],
    });
    expect(await tasks(accountId)).toHaveLength(1);
  });

  it('refers a US account at the same step as before, with no negotiation task', async () => {
    sut.clock.set(NOW);
    const accountId = await openAccount('US', '1');
    expect(await referred(accountId)).toBe(true);
    expect((await decisions(accountId)).filter((d) => !d.allowed)).toEqual([]);
    expect(await tasks(accountId)).toEqual([]);
  });
});
