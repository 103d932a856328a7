import { ledger, orchestrator, orchestratorDispatch } from '@collections/contracts';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { deliver, published, startConsumers } from '../support/events';
import { ALL_STOPS, putStrategies } from '../support/strategies';

/** Chicago on daylight time (from 8 March 2026): UTC−5. */
const chicago = (date: string, time: string) => new Date(`${date}T${time}:00-05:00`);
const DUE = '2026-03-12'; // a Thursday: D-3 is Monday 9 March

/** A US text three days before the due date, 09:00–12:00 in the debtor's zone. */
const usText: StrategyDocument = {
  name: 'US text',
  priority: 1,
  entry: { daysPastDue: { min: -5, max: 60 }, jurisdictions: ['US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        {
          id: 'd-3',
          channel: 'sms',
          template: 'reminder',
          offset: { from: 'due_date', days: -3 },
          preferredWindow: { from: '09:00', to: '12:00' },
        },
      ],
    },
  ],
  stopConditions: ALL_STOPS,
};

/**
 * Regulation F §1006.6(b)(3) at the dispatcher: the ledger's only number for a debtor is at a
 * workplace whose employer forbids contact, and the orchestrator's facts (DebtorUpserted's
 * contact limits) do not say so yet. Nothing is sent, and the reason on record is the law's
 * (US-WORKPLACE), not a missing address. Real PostgreSQL, the Twilio stand-in.
 */
describe('a text whose only number the ledger flags as a forbidden workplace, before the orchestrator’s facts know it', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();

  beforeAll(async () => {
    Object.assign(process.env, JOB_TIMERS_OFF);
    channels = await startChannelStandIns();
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { us: usText });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /**
   * A US debtor in Chicago whose one phone the ledger flags `workplaceForbidden`, and a card account
   * due on DUE, as the ledger's events tell the orchestrator; `factsKnow`: DebtorUpserted carries the
   * ledger's contact limits (else it is the event of a ledger before them: the facts lag).
   */
  async function openUsAccount(n: string, phone: string, factsKnow: boolean) {
    const accountId = `acct-work-${n}`;
    const debtorId = `debtor-work-${n}`;
    const profile = { timeZone: 'America/Chicago', language: 'en', country: 'US', region: '' };
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: `Dana ${n} Night`,
      nationalId: '',
      contactPoints: [{ type: 'phone', value: phone, verified: true, consentedChannels: [], workplaceForbidden: true }],
      ...profile,
    });
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      {
        debtorId,
        ...profile,
        consentedChannels: ['sms'],
        erased: false,
        ...(factsKnow
          ? { contactLimits: { inconvenientTimes: [], workplaceForbiddenChannels: ['call', 'sms', 'whatsapp'] } }
          : {}),
      },
      debtorId,
    );
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: `US-${n}`,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: 'USD',
      creditLimitMinor: 5_000_00,
      openedOn: '2025-06-01',
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone: 'America/Chicago',
    });
    await deliver(sut, 'collections.ledger.v1.StatementIssued', {
      accountId,
      cycle: 1,
      statementDate: '2026-02-20',
      dueDate: DUE,
      amountDue: { amountMinor: 1_000_00, currency: 'USD' },
      minimumDue: { amountMinor: 100_00, currency: 'USD' },
      hasReportedStatus: false,
      reportedStatus: 0,
    });
    return accountId;
  }

  const smsRefusals = (accountId: string) =>
    q<{ id: string; stage: string; reasons: string[] }>(
      `SELECT id, stage, reasons FROM contact_decision
        WHERE tenant_id = $1 AND account_id = $2 AND channel = $3 AND NOT allowed ORDER BY decided_at, id`,
      [sut.tenant, accountId, orchestrator.Channel.CHANNEL_SMS],
    );
  const refusedSms = async () =>
    (await scrapeSeries(sut.app.httpUrl, 'collections_contact_refusals_total', ['channel', 'rule', 'outcome']))[
      'sms other refused'
    ] ?? 0;

  it('sends nothing, records the law’s refusal (US-WORKPLACE, in the words the policy check gives) and fails the row as workplace-forbidden, not no-address', async () => {
    const WORK = '+13125550111';
    const accountId = await openUsAccount('lag', WORK, false);
    // What the law says of the same number once the facts know it: the words the refusal must carry.
    const knownId = await openUsAccount('known', '+13125550112', true);
    sut.clock.set(chicago('2026-03-09', '06:00'));
    await dailyRun();
    const [known] = await smsRefusals(knownId);
    expect(known?.reasons).toEqual([expect.stringMatching(/^US-WORKPLACE: /)]);
    const counted = await refusedSms();

    sut.clock.set(chicago('2026-03-09', '09:30'));
    await dispatch();

    expect(channels.twilio.messages.filter((m) => m.to === WORK)).toEqual([]);
    const [row] = await q<{ id: string; status: string; outcome_code: string; decision_id: string }>(
      `SELECT id, status, outcome_code, decision_id FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2`,
      [sut.tenant, accountId],
    );
    expect(row).toMatchObject({ status: 'failed', outcome_code: 'workplace-forbidden' });
    const decisions = await q<{ id: string; allowed: boolean; reasons: string[] }>(
      `SELECT id, allowed, reasons FROM contact_decision WHERE tenant_id = $1 AND caused_by_event = $2
        ORDER BY decided_at, allowed DESC`,
      [sut.tenant, `dispatch:${row.id}`],
    );
    // Allowed on the facts when the row was claimed; refused once the ledger's number was known.
    expect(decisions).toEqual([
      { id: expect.any(String), allowed: true, reasons: [] },
      { id: row.decision_id, allowed: false, reasons: known.reasons },
    ]);
    expect((await refusedSms()) - counted).toBe(1);
    const failed = (await published(sut, 'collections.orchestrator.v1.ContactFailed')).filter(
      (e) => e.accountId === accountId,
    );
    expect(failed).toEqual([
      expect.objectContaining({
        scheduleId: row.id,
        decisionId: row.decision_id,
        failure: orchestratorDispatch.ContactFailure.CONTACT_FAILURE_NO_ROUTE,
        code: 'workplace-forbidden',
      }),
    ]);
  });
});
