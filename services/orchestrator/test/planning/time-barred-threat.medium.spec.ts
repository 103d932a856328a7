import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { ChannelProvider } from '../../src/channels/domain';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF, testDispatchDeps } from '../support/dispatch-deps';
import { startConsumers } from '../support/events';
import { ALL_STOPS, putStrategies } from '../support/strategies';
import {
  contactDecisionsOf,
  openUnpaidLoan,
  putLimitationPeriods,
  theTimeBarredRefusalAtSend,
} from '../support/time-barred-debts';

/** Monday 23 November 2026, 10:00 in Los Angeles (UTC-8). */
const NOW = new Date('2026-11-23T18:00:00Z');
/** The next day, 10:00 in Los Angeles. */
const TOMORROW = new Date('2026-11-24T18:00:00Z');

const WINDOW = { from: '09:00', to: '12:00' };

/** A final notice by text the day the account enters, which says legal collection may follow; an overdue text the next day. */
const finalNotice: StrategyDocument = {
  name: 'Final notice',
  priority: 1,
  entry: { jurisdictions: ['US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        {
          id: 'final',
          channel: 'sms',
          template: 'final-notice',
          offset: { from: 'entry', days: 0 },
          preferredWindow: WINDOW,
        },
        {
          id: 'after',
          channel: 'sms',
          template: 'overdue',
          offset: { from: 'entry', days: 1 },
          preferredWindow: WINDOW,
        },
      ],
    },
  ],
  stopConditions: ALL_STOPS,
};

const THREAT = 'Without payment, the account may be referred for legal collection.';

describe('no message threatening legal action on a time-barred debt (Regulation F §1006.26(b); real PostgreSQL, in-process events, Twilio stand-in)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const saved = { ...process.env };
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const textsTo = (phone: string) => channels.twilio.messages.filter((m) => m.to === phone).map((m) => m.body);
  const pendingSteps = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT step_id FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 AND status = 'pending'`,
        [sut.tenant, accountId],
      )) as { step_id: string }[]
    ).map((r) => r.step_id);

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({
      directory,
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0 },
    });
    sut = await startServiceUnderTest(service, NOW);
    await startConsumers(sut, service);
    await putStrategies(sut, { 'final-notice': finalNotice });
    // The lender's figure for California: 4 years (the pack carries none; Oregon gets none).
    await putLimitationPeriods(sut, { CA: { years: 4 } });
  });
  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /** A debtor in `region` whose 1,200.00 loan fell due on `dueDate` unpaid, with a mobile the texts go to. */
  async function open(n: string, region: string, dueDate: string) {
    const phone = `+1213555${region === 'CA' ? 1 : 2}0${n.padStart(2, '0')}`;
    const { accountId, debtorId } = await openUnpaidLoan(sut, n, region, dueDate);
    debtors.set(
      debtorId,
      ledger.Debtor.fromPartial({
        debtorId,
        kind: 'person',
        displayName: `Sam ${n} Rivera`,
        timeZone: 'America/Los_Angeles',
        language: 'en',
        country: 'US',
        region,
        contactPoints: [{ type: 'phone', value: phone, verified: true, consentedChannels: ['sms', 'call'] }],
      }),
    );
    return { accountId, phone };
  }

  it('does not send a Californian debt past the lender’s 4-year period the final notice, records one refusal, and sends the next step’s overdue text the next day', async () => {
    sut.clock.set(NOW);
    const { accountId, phone } = await open('1', 'CA', '2021-06-01');
    await dispatch();

    expect(textsTo(phone)).toEqual([]);
    const refusals = (await contactDecisionsOf(sut, accountId)).filter((d) => !d.allowed);
    expect(refusals).toEqual([
      expect.objectContaining({
        stage: 'plan',
        override_version: 1,
        reasons: [
          expect.stringMatching(
            /^US-TIME-BARRED: A debt collector must not bring or threaten to bring a legal action .* \[.*§1006\.26\(b\)\] — the debt is time-barred in CA: its 4-year limitation period from the default date 2021-06-01 ran out on 2025-06-01$/,
          ),
        ],
      }),
    ]);
    // The cadence goes on: the overdue text, which threatens nothing, is the next contact.
    expect(await pendingSteps(accountId)).toEqual(['after']);

    sut.clock.set(TOMORROW);
    await dailyRun();
    await dispatch();
    const texts = textsTo(phone);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^Sam 1 Rivera, your payment of \$1,200\.00 was due on /);
    expect(texts[0]).not.toContain('legal');
    expect((await contactDecisionsOf(sut, accountId)).filter((d) => !d.allowed)).toHaveLength(1);
  });

  it('sends the final notice to a Californian debt still inside the period', async () => {
    sut.clock.set(NOW);
    const { accountId, phone } = await open('2', 'CA', '2024-06-01');
    await dispatch();

    expect(textsTo(phone)).toEqual([expect.stringContaining(THREAT)]);
    expect((await contactDecisionsOf(sut, accountId)).filter((d) => !d.allowed)).toEqual([]);
  });

  it('sends the final notice to a debt of a state with no period configured', async () => {
    sut.clock.set(NOW);
    const { accountId, phone } = await open('3', 'OR', '2016-06-01');
    await dispatch();

    expect(textsTo(phone)).toEqual([expect.stringContaining(THREAT)]);
    expect((await contactDecisionsOf(sut, accountId)).filter((d) => !d.allowed)).toEqual([]);
  });

  it('does not send a final notice a process left sending the day before the debt became time-barred: withdrawn, the refusal recorded, the overdue text next', async () => {
    // Due 24 November 2022: the lender's 4 years run out on 24 November 2026, tomorrow in Los Angeles.
    sut.clock.set(NOW);
    const { accountId, phone } = await open('4', 'CA', '2022-11-24');
    const finalRow = async () =>
      (
        (await sut.dataSource.query(
          `SELECT id, status, cancel_reason, decision_id FROM contact_schedule
            WHERE tenant_id = $1 AND account_id = $2 AND step_id = 'final'`,
          [sut.tenant, accountId],
        )) as { id: string; status: string; cancel_reason: string | null; decision_id: string }[]
      )[0];

    // Today at 10:00 a process claims the final notice and dies as it calls Twilio: the row stays `sending`.
    let called = false;
    const dying: ChannelProvider = {
      channel: 'sms',
      send: () => {
        called = true;
        return new Promise(() => undefined);
      },
      verifySignature: () => false,
      parseWebhook: () => [],
    };
    void new DispatchDueContactsUseCase(sut.context, new PlannerRepository(), sut.app.app.get(PlanAccountUseCase), {
      ...testDispatchDeps(directory),
      providers: { ...channels.providers, sms: dying },
    }).run();
    await waitFor(() => called, { message: 'the dying process called its SMS provider' });
    const left = await finalRow();
    expect(left.status).toBe('sending');

    // Taken up tomorrow at 10:00, once the debt is time-barred: the final notice does not go.
    sut.clock.set(TOMORROW);
    await dispatch();
    expect(await finalRow()).toMatchObject({ id: left.id, status: 'cancelled', cancel_reason: 'stop:time-barred' });
    const refusalId = await theTimeBarredRefusalAtSend(sut, accountId, {
      state: 'CA',
      defaultDate: '2022-11-24',
      ranOut: '2026-11-24',
    });
    expect((await finalRow()).decision_id).toBe(refusalId);
    // The cadence goes on: the overdue text, which threatens nothing, is what the debtor gets.
    const texts = textsTo(phone);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toMatch(/^Sam 4 Rivera, your payment of \$1,200\.00 was due on /);
    expect(texts[0]).not.toContain('legal');
  });
});
