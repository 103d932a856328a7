import { ledger, orchestrator, orchestratorDispatch, promises } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { ChannelProvider } from '../../src/channels/domain';
import { DISPATCH, DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import {
  DAILY_PLANNING,
  DailyPlanningScheduler,
  DailyPlanningUseCase,
} from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { testDispatchDeps } from '../support/dispatch-deps';
import { StrategyDocument } from '../../src/strategies/domain';
import { openColombianAccount } from '../support/accounts';
import { deliver, published, startConsumers } from '../support/events';
import { ChannelStandIns, STAND_IN, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { deliverWebhook } from '../support/http-stand-in';
import { ALL_STOPS, D3_REMINDER_EMAIL, colombianEarlyStage, putStrategies } from '../support/strategies';

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
/** Bogotá is UTC-5 all year: 09:00 local is 14:00Z. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);
const DUE = '2026-03-12'; // a Thursday; D-3 is Monday 9 March

/** Pre-due e-mail at D-3, SMS at D+1, WhatsApp at D+5, a person at D+10. */
const cadence = colombianEarlyStage(
  'Early stage, negotiate',
  [
    D3_REMINDER_EMAIL,
    {
      id: 'd+1',
      channel: 'sms',
      template: 'overdue',
      offset: { from: 'due_date', days: 1 },
      preferredWindow: { from: '10:00', to: '13:00' },
      fallbackChannel: 'email',
    },
    {
      id: 'd+5',
      channel: 'whatsapp',
      template: 'overdue',
      offset: { from: 'due_date', days: 5 },
      preferredWindow: { from: '10:00', to: '13:00' },
    },
  ],
  { escalation: { atDaysPastDue: 10, queue: 'early-agents' } },
);

/** A US reminder (Regulation F asks no prior consent per channel): e-mail at D-3, SMS if e-mail is refused. */
const usReminder: StrategyDocument = {
  name: 'US reminder',
  priority: 2,
  entry: { daysPastDue: { min: -5, max: 60 }, jurisdictions: ['US'] },
  arms: [{ id: 'champion', weight: 100, steps: [{ ...D3_REMINDER_EMAIL, fallbackChannel: 'sms' }] }],
  stopConditions: ALL_STOPS,
};

describe('one account’s contact cycle, planned and dispatched on the injected clock (real PostgreSQL, SMTP server, provider stand-ins)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  let twilio: ChannelStandIns['twilio'];
  let meta: ChannelStandIns['meta'];
  let providers: ChannelStandIns['providers'];
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const saved = { ...process.env };

  const mails = () => channels.smtp.received();
  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const schedule = (accountId: string) =>
    q<{ step_id: string; channel: string; status: string; due_at: Date; cancel_reason: string | null }>(
      `SELECT step_id, channel, status, due_at, cancel_reason FROM contact_schedule WHERE account_id = $1 ORDER BY created_at, due_at`,
      [accountId],
    );

  /** The clock moves to each Bogotá day and hour in turn; each time the daily run and the dispatcher run. */
  const daysPass = async (...moments: [string, number][]) => {
    for (const [date, hour] of moments) {
      sut.clock.set(bogota(date, hour));
      await dailyRun();
      await dispatch();
    }
  };

  /** A promise to pay the whole balance on `dueDate`. */
  const promiseMade = (promiseId: string, accountId: string, dueDate: string) => ({
    promiseId,
    accountId,
    amount: COP(250_000_00),
    dueDate,
    madeAt: sut.clock.now(),
  });

  /** A plan of the whole balance in one instalment due on 9 April, agreed on the payment link at `agreedAt`. */
  const planAgreed = (planId: string, accountId: string, agreedAt: Date) => ({
    planId,
    accountId,
    total: COP(250_000_00),
    frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
    instalments: [{ seq: 1, dueDate: '2026-04-09', amount: COP(250_000_00) }],
    agreedAt,
    channel: promises.PlanChannel.PLAN_CHANNEL_WEB,
    takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
  });

  /** The plan paid in full, now. */
  const planCompleted = (planId: string, accountId: string) => ({
    planId,
    accountId,
    total: COP(250_000_00),
    completedAt: sut.clock.now(),
  });

  /** `paymentId` reversed, taking the completed plan back below its total, now. */
  const planReopened = (planId: string, accountId: string, paymentId: string) => ({
    planId,
    accountId,
    paymentId,
    remaining: COP(250_000_00),
    reopenedAt: sut.clock.now(),
  });

  const agentTasks = (accountId: string) =>
    q<{ kind: string; queue: string; segment: string }>(
      `SELECT kind, queue, segment FROM agent_task WHERE account_id = $1`,
      [accountId],
    );

  beforeAll(async () => {
    channels = await startChannelStandIns();
    ({ twilio, meta, providers } = channels);
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({
      directory,
      providers,
      // A run whose debtor, payment, balance and plan events are not consumed gives up after 0.2 s here (5 s by default).
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { 'early-negotiate': cadence, 'us-reminder': usReminder });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /** A Colombian debtor with a card account due on DUE, scored "negotiate". */
  async function openAccount(n: string, phone: string): Promise<{ accountId: string; email: string; phone: string }> {
    const email = `deudor-${n}@example.com`;
    const accountId = await openColombianAccount(sut, debtors, n, {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { email, phone },
    });
    return { accountId, email, phone };
  }

  it('reminds by e-mail at D-3, then SMS, then WhatsApp, then hands the account to an agent queue', async () => {
    const { accountId, email, phone } = await openAccount('full', '+573001110001');
    // Ten days before the due date no strategy takes the account yet: a refusal, with its reason.
    const [first] = await q<{ allowed: boolean; reasons: string[] }>(
      `SELECT allowed, reasons FROM contact_decision WHERE account_id = $1 ORDER BY decided_at, id LIMIT 1`,
      [accountId],
    );
    expect(first).toEqual({ allowed: false, reasons: [expect.stringMatching(/^no-strategy/)] });

    // D-5, 07:00 in Bogotá: the daily run (from the clock) enters the strategy and books the D-3 e-mail at 09:00.
    sut.clock.set(bogota('2026-03-07', 7));
    expect(await sut.app.app.get(DailyPlanningScheduler).tick()).toMatchObject({ accounts: expect.any(Number) });
    expect(await schedule(accountId)).toEqual([
      expect.objectContaining({ step_id: 'd-3', channel: 'email', status: 'pending', due_at: bogota('2026-03-09', 9) }),
    ]);
    sut.clock.set(bogota('2026-03-09', 8));
    expect(await dispatch()).toMatchObject({ sent: 0 });

    sut.clock.set(bogota('2026-03-09', 9));
    expect(await dispatch()).toMatchObject({ sent: 1 });
    const mail = mails().find((m) => m.to.includes(email));
    expect(mail?.headers.subject).toBe('Recordatorio de pago TC-full');
    expect(mail?.body).toContain('Hola Ana');

    sut.clock.set(bogota('2026-03-13', 10));
    expect(await dispatch()).toMatchObject({ sent: 1 });
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);

    sut.clock.set(bogota('2026-03-17', 10));
    expect(await dispatch()).toMatchObject({ sent: 1 });
    expect(meta.sent.filter((m) => `+${m.to}` === phone || m.to === phone)).toHaveLength(1);

    sut.clock.set(bogota('2026-03-22', 8));
    await dailyRun();
    const [account] = await q<{ escalated: boolean; steps_done: string[] }>(
      `SELECT escalated, steps_done FROM planner_account WHERE account_id = $1`,
      [accountId],
    );
    expect(account).toEqual({ escalated: true, steps_done: ['d-3', 'd+1', 'd+5'] });
    expect(await agentTasks(accountId)).toEqual([{ kind: 'call', queue: 'early-agents', segment: 'negotiate' }]);
    const created = (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).filter(
      (e) => e.accountId === accountId,
    );
    expect(created).toHaveLength(1);
    await dailyRun(); // a second run the same day queues nothing more
    expect(await agentTasks(accountId)).toHaveLength(1);
    const decisions = await published(sut, 'collections.orchestrator.v1.ContactDecision');
    expect(decisions.filter((d) => d.accountId === accountId).at(-1)).toMatchObject({
      channel: orchestrator.Channel.CHANNEL_CALL,
      allowed: true,
      reasons: ['escalation: handed to the agent queue early-agents'],
    });
    const sent = (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === accountId,
    );
    expect(sent.map((e) => [e.stepId, e.channel])).toEqual([
      ['d-3', orchestrator.Channel.CHANNEL_EMAIL],
      ['d+1', orchestrator.Channel.CHANNEL_SMS],
      ['d+5', orchestrator.Channel.CHANNEL_WHATSAPP],
    ]);
    // Nothing more to send, however often the dispatcher looks.
    sut.clock.set(bogota('2026-03-30', 10));
    expect(await dispatch()).toMatchObject({ sent: 0 });
  });

  it('stops the moment a payment arrives: the pending SMS is cancelled and nothing more is sent', async () => {
    const { accountId, phone } = await openAccount('paid', '+573001110002');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status])).toEqual([
      ['d-3', 'sent'],
      ['d+1', 'pending'],
    ]);

    sut.clock.set(bogota('2026-03-11', 16));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-1',
      accountId,
      amount: COP(250_000_00),
      balanceAfter: COP(0),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status, r.cancel_reason])).toEqual([
      ['d-3', 'sent', null],
      ['d+1', 'cancelled', 'stop:payment'],
    ]);
    await daysPass(['2026-03-13', 10], ['2026-03-17', 10], ['2026-03-22', 9]);
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(0);
    expect(meta.sent.filter((m) => `+${m.to}` === phone)).toHaveLength(0);
    const [account] = await q<{ escalated: boolean }>(`SELECT escalated FROM planner_account WHERE account_id = $1`, [
      accountId,
    ]);
    expect(account.escalated).toBe(false);
    expect(await agentTasks(accountId)).toEqual([]);
  });

  it('keeps the cadence after a partial payment; only the payment that clears the balance stops it', async () => {
    const { accountId, phone } = await openAccount('partial', '+573001110007');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();

    // A fifth of the balance, the day before the due date: the account will still be past due after it.
    sut.clock.set(bogota('2026-03-11', 16));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-partial-1',
      accountId,
      amount: COP(50_000_00),
      balanceAfter: COP(200_000_00),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });
    await deliver(sut, 'collections.ledger.v1.BalanceChanged', {
      balance: {
        accountId,
        asOfDate: '2026-03-11',
        principal: COP(200_000_00),
        interest: COP(0),
        fees: COP(0),
        total: COP(200_000_00),
        pastDue: COP(0),
        daysPastDue: 0,
        agingBucket: 'current',
      },
      causedByEntryId: 'entry-partial-1',
    });
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status])).toEqual([
      ['d-3', 'sent'],
      ['d+1', 'pending'],
    ]);
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch();
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status])).toEqual([
      ['d-3', 'sent'],
      ['d+1', 'sent'],
      ['d+5', 'pending'],
    ]);

    // The rest: nothing is owed any more, and the WhatsApp waiting for D+5 is cancelled.
    sut.clock.set(bogota('2026-03-14', 11));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-partial-2',
      accountId,
      amount: COP(200_000_00),
      balanceAfter: COP(0),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status, r.cancel_reason])).toEqual([
      ['d-3', 'sent', null],
      ['d+1', 'sent', null],
      ['d+5', 'cancelled', 'stop:payment'],
    ]);
    sut.clock.set(bogota('2026-03-17', 10));
    await dispatch();
    expect(meta.sent.filter((m) => `+${m.to}` === phone)).toHaveLength(0);

    // Every decision taken in the strategy names the account's champion/challenger arm, on the event and the audit row.
    const decisions = (await published(sut, 'collections.orchestrator.v1.ContactDecision')).filter(
      (d) => d.accountId === accountId && d.allowed,
    );
    expect(decisions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(decisions.map((d) => d.armId))).toEqual(new Set(['champion']));
    const arms = await q<{ arm_id: string | null }>(
      `SELECT DISTINCT arm_id FROM contact_decision WHERE account_id = $1 AND allowed`,
      [accountId],
    );
    expect(arms).toEqual([{ arm_id: 'champion' }]);
  });

  it('pauses the cadence for a payment plan and reminds of the instalment falling due, once, with the instalment template', async () => {
    const { accountId, phone } = await openAccount('instalment', '+573001110008');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    const instalmentDueSoon = {
      planId: 'plan-7',
      accountId,
      seq: 1,
      dueDate: '2026-03-12',
      amountDue: COP(50_000_00),
      daysUntilDue: 3,
    };
    sut.clock.set(bogota('2026-03-09', 7));
    await deliver(sut, 'collections.promises.v1.InstalmentDueSoon', instalmentDueSoon);
    await deliver(sut, 'collections.promises.v1.InstalmentDueSoon', instalmentDueSoon); // redelivered by promises
    expect((await schedule(accountId)).map((r) => [r.step_id, r.channel, r.status, r.due_at])).toEqual([
      ['d-3', 'email', 'cancelled', bogota('2026-03-09', 9)],
      ['instalment:plan-7:1', 'sms', 'pending', bogota('2026-03-09', 9)],
    ]);
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    const sms = twilio.messages.filter((m) => m.to === phone);
    expect(sms).toHaveLength(1);
    // It says how much is due and when: COP 50,000.00 on 12 March, as promises told it.
    expect(sms[0].body).toMatch(
      /la próxima cuota de tu acuerdo de pago \(cuenta TC-instalment\): \$\s50\.000 el 12 de marzo de 2026\./,
    );
    const scheduled = (await published(sut, 'collections.orchestrator.v1.ContactScheduled')).filter(
      (e) => e.accountId === accountId && e.template === 'instalment-reminder',
    );
    expect(scheduled).toHaveLength(1);
  });

  /** Promises' notice that instalment 1 of `planId` (COP 50,000) falls due on 12 March. */
  const instalmentDueSoon = (accountId: string, planId: string) =>
    deliver(sut, 'collections.promises.v1.InstalmentDueSoon', {
      planId,
      accountId,
      seq: 1,
      dueDate: '2026-03-12',
      amountDue: COP(50_000_00),
      daysUntilDue: 3,
    });

  /** The ledger reversed `paymentId` (a bank's return): COP 80,000 back on the account. */
  const paymentReversed = (accountId: string, paymentId: string) => ({
    entryId: `reversal-${paymentId}`,
    paymentId,
    accountId,
    amount: COP(80_000_00),
    reason: 'nsf',
  });

  it('tells the debtor once that a payment came back, in place of the pending reminder, and the cadence goes on after it', async () => {
    const { accountId, phone } = await openAccount('returned', '+573001110041');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 7));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', paymentReversed(accountId, 'pay-31'));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', paymentReversed(accountId, 'pay-31')); // redelivered
    // A plan of the account meanwhile (the daily run at 08:00) leaves the notice where it is.
    sut.clock.set(bogota('2026-03-09', 8));
    await dailyRun();
    expect((await schedule(accountId)).map((r) => [r.step_id, r.channel, r.status, r.cancel_reason])).toEqual([
      ['d-3', 'email', 'cancelled', 'replaced:payment-returned'],
      ['payment-returned:pay-31', 'sms', 'pending', null],
    ]);

    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    const sms = twilio.messages.filter((m) => m.to === phone);
    expect(sms).toHaveLength(1);
    // The amount that came back, and what the account owes now.
    expect(sms[0].body).toMatch(
      /tu pago de \$\s80\.000 a la cuenta TC-returned fue devuelto por tu banco .* El saldo es ahora \$\s250\.000\./,
    );
    const notices = (await published(sut, 'collections.orchestrator.v1.ContactScheduled')).filter(
      (e) => e.accountId === accountId && e.template === 'payment-returned',
    );
    expect(notices).toHaveLength(1);
    // Sent, the account is planned again: the cadence goes on with its next step.
    expect((await schedule(accountId)).filter((r) => r.status === 'pending').map((r) => r.step_id)).toEqual(['d+1']);
  });

  it('books the notice behind a plan’s instalment reminder once the reminder is sent, and sends both', async () => {
    const { accountId, phone } = await openAccount('returned-behind', '+573001110042');
    sut.clock.set(bogota('2026-03-09', 7));
    await instalmentDueSoon(accountId, 'plan-42');
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', paymentReversed(accountId, 'pay-42'));
    // The reminder waits for 09:00; the notice waits behind it, not over it.
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status])).toEqual([
      ['instalment:plan-42:1', 'pending'],
    ]);

    // Sent, the reminder makes way: the account's plan after it books the notice, which the law allows at once.
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    expect((await schedule(accountId)).map((r) => [r.step_id, r.channel, r.status, r.due_at])).toEqual([
      ['instalment:plan-42:1', 'sms', 'sent', bogota('2026-03-09', 9)],
      ['payment-returned:pay-42', 'sms', 'sent', bogota('2026-03-09', 9)],
    ]);
    const sms = twilio.messages.filter((m) => m.to === phone);
    expect(sms.map((m) => m.body)).toEqual([
      expect.stringContaining('la próxima cuota de tu acuerdo de pago'),
      expect.stringMatching(/tu pago de \$\s80\.000 a la cuenta TC-returned-behind fue devuelto/),
    ]);
  });

  it('books the notice that waited behind a reminder the moment the plan is cancelled and the reminder with it', async () => {
    const { accountId } = await openAccount('returned-cancelled', '+573001110045');
    sut.clock.set(bogota('2026-03-09', 7));
    await instalmentDueSoon(accountId, 'plan-45');
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', paymentReversed(accountId, 'pay-45'));
    sut.clock.set(bogota('2026-03-09', 8));
    await deliver(sut, 'collections.promises.v1.PlanCancelled', {
      planId: 'plan-45',
      accountId,
      reason: 'the payment that started it bounced',
      cancelledAt: sut.clock.now(),
      cancelledBy: 'agent-7',
      paid: COP(0),
    });
    // The chase resumes (its D-3 e-mail), and the notice takes that contact's place.
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status, r.cancel_reason])).toEqual([
      ['instalment:plan-45:1', 'cancelled', 'replanned:schedule'],
      ['d-3', 'cancelled', 'replaced:payment-returned'],
      ['payment-returned:pay-45', 'pending', null],
    ]);
  });

  it('gives a waiting notice up once it has waited more than 3 days, rather than tell of a return days old', async () => {
    const { accountId } = await openAccount('returned-stale', '+573001110044');
    sut.clock.set(bogota('2026-03-09', 7));
    await instalmentDueSoon(accountId, 'plan-44');
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', paymentReversed(accountId, 'pay-44'));
    // Nothing dispatched for four days; then the reminder's outcome makes way for the notice, too late.
    sut.clock.set(bogota('2026-03-13', 9));
    await dispatch();
    expect((await schedule(accountId)).filter((r) => r.step_id.startsWith('payment-returned'))).toEqual([]);
    expect(
      await q(`SELECT notice FROM returned_payment WHERE account_id = $1 AND payment_id = 'pay-44'`, [accountId]),
    ).toEqual([{ notice: 'not-booked' }]);
  });

  it('tells of no reversal it learns of days late, as when its consumer was far behind', async () => {
    const { accountId } = await openAccount('returned-late', '+573001110048');
    sut.clock.set(bogota('2026-03-09', 7));
    const reversedOn5th = bogota('2026-03-05', 16);
    await deliver(
      sut,
      'collections.ledger.v1.PaymentReversed',
      paymentReversed(accountId, 'pay-48'),
      accountId,
      reversedOn5th,
    );
    expect((await schedule(accountId)).filter((r) => r.step_id.startsWith('payment-returned'))).toEqual([]);
    expect(await q(`SELECT notice, reversed_at FROM returned_payment WHERE account_id = $1`, [accountId])).toEqual([
      { notice: 'not-booked', reversed_at: reversedOn5th },
    ]);
  });

  it('tells of a returned payment by e-mail when the debtor’s number turns out to be invalid', async () => {
    // A number the SMS provider refuses as invalid (code 21211): not in E.164 form.
    const { accountId, email } = await openAccount('returned-invalid', '+0573001110046');
    sut.clock.set(bogota('2026-03-09', 7));
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', paymentReversed(accountId, 'pay-46'));
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    sut.clock.set(bogota('2026-03-10', 10));
    await dispatch();
    const notices = (await schedule(accountId)).filter((r) => r.step_id === 'payment-returned:pay-46');
    expect(notices.map((r) => [r.channel, r.status])).toEqual([
      ['sms', 'invalid'],
      ['email', 'sent'],
    ]);
    // Beside the cadence's own reminder, which goes on after the notice.
    const notice = mails().filter(
      (m) => m.to.includes(email) && m.headers.subject === 'Tu pago fue devuelto TC-returned-invalid',
    );
    expect(notice).toHaveLength(1);
    expect(notice[0].body).toContain('a la cuenta TC-returned-invalid');
  });

  it('reminds of an instalment by e-mail when the debtor’s number turns out to be invalid', async () => {
    const { accountId } = await openAccount('instalment-invalid', '+0573001110047');
    sut.clock.set(bogota('2026-03-09', 7));
    await instalmentDueSoon(accountId, 'plan-47');
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    sut.clock.set(bogota('2026-03-10', 10));
    await dispatch();
    expect((await schedule(accountId)).map((r) => [r.step_id, r.channel, r.status])).toEqual([
      ['instalment:plan-47:1', 'sms', 'invalid'],
      ['instalment:plan-47:1', 'email', 'sent'],
    ]);
  });

  it('books no notice for a debtor who disputes the debt, and records the law’s refusal', async () => {
    const { accountId } = await openAccount('returned-dispute', '+573001110043');
    sut.clock.set(bogota('2026-03-09', 7));
    await deliver(
      sut,
      'collections.ledger.v1.HoldChanged',
      {
        holdId: 'dispute-33',
        debtorId: 'debtor-returned-dispute',
        source: 'ledger',
        startsOn: '',
        endsOn: '',
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        active: true,
      },
      'debtor-returned-dispute',
    );
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', paymentReversed(accountId, 'pay-33'));
    expect((await schedule(accountId)).filter((r) => r.step_id.startsWith('payment-returned'))).toEqual([]);
    // Asked on SMS, e-mail and WhatsApp in turn: each refused for the dispute.
    const refusals = await q<{ allowed: boolean; reasons: string[] }>(
      `SELECT allowed, reasons FROM contact_decision WHERE account_id = $1 AND decided_at = $2 ORDER BY id`,
      [accountId, bogota('2026-03-09', 7)],
    );
    expect(refusals).toEqual(Array(3).fill({ allowed: false, reasons: [expect.stringMatching(/dispute/i)] }));
  });

  /**
   * A new account's D-3 e-mail is pending when, at 07:00 on its day, the event that pauses the
   * cadence (`deliverPause`, given the account) arrives: the row is cancelled (`stop:promise`) and
   * nothing goes out by any channel for the next eight days. Answers the account.
   */
  async function expectCadencePaused(
    n: string,
    phone: string,
    deliverPause: (accountId: string) => Promise<unknown>,
  ): Promise<string> {
    const { accountId, email } = await openAccount(n, phone);
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status])).toEqual([['d-3', 'pending']]);

    sut.clock.set(bogota('2026-03-09', 7));
    await deliverPause(accountId);
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status, r.cancel_reason])).toEqual([
      ['d-3', 'cancelled', 'stop:promise'],
    ]);
    await daysPass(['2026-03-09', 9], ['2026-03-13', 10], ['2026-03-17', 10]);
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(0);
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(0);
    expect(meta.sent.filter((m) => `+${m.to}` === phone)).toHaveLength(0);
    return accountId;
  }

  it('pauses the cadence the moment a plan is agreed, not when its first instalment falls due', async () => {
    // The debtor agrees a plan whose first instalment is due in a month: no reminder of the overdue balance meanwhile.
    await expectCadencePaused('plan-agreed', '+573001110012', (accountId) =>
      deliver(sut, 'collections.promises.v1.PlanAgreed', planAgreed('plan-agreed-1', accountId, sut.clock.now())),
    );
  });

  it('pauses the cadence while a promise to pay runs, and takes it up again once the promise is broken', async () => {
    // The debtor promises an agent to pay the whole balance on the 16th: no reminder meanwhile.
    const accountId = await expectCadencePaused('promise-made', '+573001110014', (accountId) =>
      deliver(sut, 'collections.promises.v1.PromiseMade', promiseMade('promise-made-1', accountId, '2026-03-16')),
    );

    // Unpaid past its grace days: broken, and the chase goes on.
    sut.clock.set(bogota('2026-03-20', 7));
    await deliver(sut, 'collections.promises.v1.PromiseBroken', {
      promiseId: 'promise-made-1',
      accountId,
      amount: COP(250_000_00),
      paid: COP(0),
      dueDate: '2026-03-16',
      brokenAt: sut.clock.now(),
      planId: '',
      instalmentSeq: 0,
    });
    expect((await schedule(accountId)).filter((r) => r.status === 'pending')).toHaveLength(1);
  });

  it('pauses the cadence while an offer waits for a supervisor, and takes it up again once it is rejected', async () => {
    // The agent offers 30 instalments, beyond their limits: a supervisor is to decide, the debtor waits.
    const approvalId = 'c0c0c0c0-0000-4000-8000-000000000001';
    const held = { approvalId, kind: 'plan', agentId: 'agent-1', requestedAt: bogota('2026-03-09', 7) };
    const accountId = await expectCadencePaused('held-offer', '+573001110032', (accountId) =>
      deliver(sut, 'collections.promises.v1.OfferApprovalRequested', {
        ...held,
        accountId,
        reason: 'an agent may grant at most 24 instalments, asked 30: needs a supervisor',
        policyVersion: 1,
        expiresAt: bogota('2026-03-12', 7),
      }),
    );

    // The supervisor says no: the chase goes on, and an agent is to call the debtor back.
    sut.clock.set(bogota('2026-03-18', 7));
    await deliver(sut, 'collections.promises.v1.OfferApprovalDecided', {
      ...held,
      accountId,
      decision: promises.ApprovalDecision.APPROVAL_DECISION_REJECT,
      decidedBy: 'sup-1',
      decidedAt: sut.clock.now(),
      planId: '',
      settlementId: '',
      debtorAnswered: false,
    });
    expect((await schedule(accountId)).filter((r) => r.status === 'pending')).toHaveLength(1);
  });

  it('pauses the cadence while a settlement runs, and takes it up again once it lapses unpaid', async () => {
    // The debtor agrees with an agent to settle for COP 180,000 by the 16th: no reminder meanwhile.
    const accountId = await expectCadencePaused('settlement', '+573001110018', (accountId) =>
      deliver(sut, 'collections.promises.v1.SettlementAgreed', {
        settlementId: 'settlement-1',
        accountId,
        balance: COP(250_000_00),
        amount: COP(180_000_00),
        discount: COP(70_000_00),
        dueDate: '2026-03-16',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agreedAt: sut.clock.now(),
      }),
    );

    // Unpaid past its grace days: lapsed, and the chase goes on.
    sut.clock.set(bogota('2026-03-20', 7));
    await deliver(sut, 'collections.promises.v1.SettlementLapsed', {
      settlementId: 'settlement-1',
      accountId,
      amount: COP(180_000_00),
      paid: COP(0),
      dueDate: '2026-03-16',
      lapsedAt: sut.clock.now(),
    });
    expect((await schedule(accountId)).filter((r) => r.status === 'pending')).toHaveLength(1);
  });

  it('pauses the cadence while a plan runs, and takes it up again once the plan is cancelled', async () => {
    const planId = 'plan-cancelled-1';
    const accountId = await expectCadencePaused('plan-cancelled', '+573001110028', (accountId) =>
      deliver(sut, 'collections.promises.v1.PlanAgreed', planAgreed(planId, accountId, sut.clock.now())),
    );

    // The agent cancels the plan (entered by mistake): nothing more is expected of it, the chase goes on.
    sut.clock.set(bogota('2026-03-18', 7));
    await deliver(sut, 'collections.promises.v1.PlanCancelled', {
      planId,
      accountId,
      reason: 'entered on the wrong account',
      cancelledAt: sut.clock.now(),
      cancelledBy: 'agent-7',
      paid: COP(0),
    });
    expect((await schedule(accountId)).filter((r) => r.status === 'pending')).toHaveLength(1);
  });

  it('ends the pauses of a promise and a settlement the ledger’s settling or closing of the account ended', async () => {
    // The debtor promised an agent to pay by the 16th and agreed a settlement due the same day.
    const accountId = await expectCadencePaused('account-ended', '+573001110030', async (accountId) => {
      await deliver(
        sut,
        'collections.promises.v1.PromiseMade',
        promiseMade('promise-ended-1', accountId, '2026-03-16'),
      );
      await deliver(sut, 'collections.promises.v1.SettlementAgreed', {
        settlementId: 'settlement-ended-1',
        accountId,
        balance: COP(250_000_00),
        amount: COP(180_000_00),
        discount: COP(70_000_00),
        dueDate: '2026-03-16',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_AGENT,
        agreedAt: sut.clock.now(),
      });
    });

    // The ledger settles the account: promises cancels the promise, and withdraws the settlement.
    // Each ends its own pause, as a kept promise or a lapsed settlement does; the promise's end alone
    // leaves the settlement's pause in place.
    sut.clock.set(bogota('2026-03-18', 7));
    await deliver(sut, 'collections.promises.v1.PromiseCancelled', {
      promiseId: 'promise-ended-1',
      accountId,
      amount: COP(250_000_00),
      paid: COP(0),
      dueDate: '2026-03-16',
      cancelledAt: sut.clock.now(),
      cancelledBy: 'ledger',
    });
    expect((await schedule(accountId)).filter((r) => r.status === 'pending')).toHaveLength(0);
    await deliver(sut, 'collections.promises.v1.SettlementWithdrawn', {
      settlementId: 'settlement-ended-1',
      accountId,
      amount: COP(180_000_00),
      paid: COP(0),
      dueDate: '2026-03-16',
      withdrawnAt: sut.clock.now(),
      withdrawnBy: 'ledger',
    });
    expect((await schedule(accountId)).filter((r) => r.status === 'pending')).toHaveLength(1);
  });

  it('keeps the cadence paused while a plan runs beside a promise that is kept, and takes it up once the plan defaults', async () => {
    // The debtor agrees a plan, then promises an agent a separate payment on the 16th.
    const phone = '+573001110016';
    const accountId = await expectCadencePaused('plan-and-promise', phone, async (accountId) => {
      await deliver(sut, 'collections.promises.v1.PlanAgreed', planAgreed('plan-beside-1', accountId, sut.clock.now()));
      await deliver(
        sut,
        'collections.promises.v1.PromiseMade',
        promiseMade('promise-beside-1', accountId, '2026-03-16'),
      );
    });

    // The promise is paid: the plan still runs, so nothing is chased.
    sut.clock.set(bogota('2026-03-16', 9));
    await deliver(sut, 'collections.promises.v1.PromiseKept', {
      promiseId: 'promise-beside-1',
      accountId,
      amount: COP(50_000_00),
      keptAt: sut.clock.now(),
      planId: '',
      instalmentSeq: 0,
    });
    await daysPass(['2026-03-17', 9], ['2026-03-20', 9]);
    expect((await schedule(accountId)).filter((r) => r.status !== 'cancelled')).toEqual([]);
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(0);
    expect(meta.sent.filter((m) => `+${m.to}` === phone)).toHaveLength(0);
    expect(await agentTasks(accountId)).toEqual([]);

    // The plan defaults: no commitment is left, and the chase goes on (by now, an agent's call).
    sut.clock.set(bogota('2026-04-20', 7));
    await deliver(sut, 'collections.promises.v1.PlanDefaulted', {
      planId: 'plan-beside-1',
      accountId,
      missedInstalments: 1,
      unpaid: COP(250_000_00),
      defaultedAt: sut.clock.now(),
    });
    expect((await agentTasks(accountId)).map((t) => t.kind)).toEqual(['call']);
  });

  it('pauses the cadence again when the payment that kept a promise is reversed, and takes it up once the promise is broken', async () => {
    // The debtor promises an agent part of the balance on the 16th.
    const promise = { promiseId: 'promise-withdrawn-1', amount: COP(100_000_00), planId: '', instalmentSeq: 0 };
    const accountId = await expectCadencePaused('promise-withdrawn', '+573001110020', (accountId) =>
      deliver(sut, 'collections.promises.v1.PromiseMade', {
        ...promiseMade(promise.promiseId, accountId, '2026-03-16'),
        amount: promise.amount,
      }),
    );
    const pending = async () => (await schedule(accountId)).filter((r) => r.status === 'pending');

    // Kept: the rest of the balance is chased again.
    sut.clock.set(bogota('2026-03-18', 7));
    await deliver(sut, 'collections.promises.v1.PromiseKept', {
      ...promise,
      accountId,
      keptAt: sut.clock.now(),
    });
    expect(await pending()).toHaveLength(1);

    // The payment bounces within the grace days: the promise is open again, and paused as it was.
    sut.clock.set(bogota('2026-03-18', 8));
    await deliver(sut, 'collections.promises.v1.PromiseKeptWithdrawn', {
      promiseId: promise.promiseId,
      accountId,
      planId: '',
      instalmentSeq: 0,
      paymentId: 'payment-bounced-1',
      paid: COP(0),
      withdrawnAt: sut.clock.now(),
    });
    expect(await pending()).toEqual([]);
    expect((await schedule(accountId)).at(-1)).toMatchObject({ status: 'cancelled', cancel_reason: 'stop:promise' });

    // Unpaid past its grace days: broken, and the chase goes on.
    sut.clock.set(bogota('2026-03-20', 7));
    await deliver(sut, 'collections.promises.v1.PromiseBroken', {
      ...promise,
      accountId,
      paid: COP(0),
      dueDate: '2026-03-16',
      brokenAt: sut.clock.now(),
    });
    expect(await pending()).toHaveLength(1);
  });

  it('pauses the cadence again when a reversal reopens a completed plan', async () => {
    const planId = 'plan-reopened-1';
    const accountId = await expectCadencePaused('plan-reopened', '+573001110022', (accountId) =>
      deliver(sut, 'collections.promises.v1.PlanAgreed', planAgreed(planId, accountId, sut.clock.now())),
    );
    const pending = async () => (await schedule(accountId)).filter((r) => r.status === 'pending');

    // Completed: the rest of the balance is chased again.
    sut.clock.set(bogota('2026-03-18', 7));
    await deliver(sut, 'collections.promises.v1.PlanCompleted', planCompleted(planId, accountId));
    expect(await pending()).toHaveLength(1);

    // Its payment bounces: the plan runs again, and the cadence is paused as while it ran.
    sut.clock.set(bogota('2026-03-18', 8));
    await deliver(sut, 'collections.promises.v1.PlanReopened', planReopened(planId, accountId, 'payment-bounced-2'));
    expect(await pending()).toEqual([]);
    expect((await schedule(accountId)).at(-1)).toMatchObject({ status: 'cancelled', cancel_reason: 'stop:promise' });
    await daysPass(['2026-03-19', 9], ['2026-03-23', 10]);
    expect(await pending()).toEqual([]);
  });

  /** A plan of two instalments of COP 125,000, due on 10 and 24 March (the first already missed by 18 March). */
  const twoInstalmentPlan = (planId: string, accountId: string) => ({
    ...planAgreed(planId, accountId, sut.clock.now()),
    instalments: [
      { seq: 1, dueDate: '2026-03-10', amount: COP(125_000_00) },
      { seq: 2, dueDate: '2026-03-24', amount: COP(125_000_00) },
    ],
  });

  /** What promises publishes when an instalment of `planId` is missed: InstalmentMissed (plan topic) and PromiseBroken (promise topic). */
  const instalmentMissed = (planId: string, accountId: string, seq: number, dueDate: string) => {
    const amount = COP(125_000_00);
    return {
      missed: { planId, accountId, seq, dueDate, amount, paid: COP(0), missedInstalments: 1 },
      broken: {
        promiseId: `${planId}/${seq}`,
        accountId,
        amount,
        paid: COP(0),
        dueDate,
        brokenAt: sut.clock.now(),
        planId,
        instalmentSeq: seq,
      },
    };
  };

  /** The account's pending rows: the cadence's steps (the chase), and the instalment reminders. */
  const pendingOf = async (accountId: string) => {
    const rows = (await schedule(accountId)).filter((r) => r.status === 'pending');
    return {
      chase: rows.filter((r) => !r.step_id.startsWith('instalment:')).map((r) => r.step_id),
      reminders: rows.filter((r) => r.step_id.startsWith('instalment:')).map((r) => r.step_id),
    };
  };

  it('chases a reopened plan whose instalment the reversal misses at once, even when the promise topic is read first', async () => {
    const planId = 'plan-reopened-missed-1';
    const accountId = await expectCadencePaused('plan-reopened-missed', '+573001110024', (accountId) =>
      deliver(sut, 'collections.promises.v1.PlanAgreed', twoInstalmentPlan(planId, accountId)),
    );
    sut.clock.set(bogota('2026-03-18', 7));
    await deliver(sut, 'collections.promises.v1.PlanCompleted', planCompleted(planId, accountId));
    expect((await pendingOf(accountId)).chase).toHaveLength(1);

    // The payment bounces past the first instalment's grace days: promises reopens the plan and
    // misses the instalment in one transaction (PlanReopened and InstalmentMissed on the plan topic,
    // PromiseBroken on the promise topic), and here the promise topic is consumed first.
    sut.clock.set(bogota('2026-03-18', 8));
    const { missed, broken } = instalmentMissed(planId, accountId, 1, '2026-03-10');
    await deliver(sut, 'collections.promises.v1.PromiseBroken', broken);
    await deliver(sut, 'collections.promises.v1.PlanReopened', planReopened(planId, accountId, 'payment-bounced-3'));
    await deliver(sut, 'collections.promises.v1.InstalmentMissed', missed);

    // An instalment is missed and nothing else is running: the debtor is chased until the next one falls due.
    expect(await pendingOf(accountId)).toEqual({ chase: [expect.any(String)], reminders: [] });
  });

  it('keeps a plan paused for its next instalment when the missed one’s PromiseBroken is read after that instalment’s reminder', async () => {
    const planId = 'plan-late-broken-1';
    const accountId = await expectCadencePaused('plan-late-broken', '+573001110026', (accountId) =>
      deliver(sut, 'collections.promises.v1.PlanAgreed', twoInstalmentPlan(planId, accountId)),
    );

    // The first instalment is missed: the chase goes on until the next one falls due.
    sut.clock.set(bogota('2026-03-18', 7));
    const { missed, broken } = instalmentMissed(planId, accountId, 1, '2026-03-10');
    await deliver(sut, 'collections.promises.v1.InstalmentMissed', missed);
    expect(await pendingOf(accountId)).toEqual({ chase: [expect.any(String)], reminders: [] });

    // The second falls due soon: paused again, with its reminder (plan topic, in order)...
    await deliver(sut, 'collections.promises.v1.InstalmentDueSoon', {
      planId,
      accountId,
      seq: 2,
      dueDate: '2026-03-21',
      amountDue: COP(125_000_00),
      daysUntilDue: 3,
    });
    const paused = { chase: [], reminders: [`instalment:${planId}:2`] };
    expect(await pendingOf(accountId)).toEqual(paused);

    // ...and the first instalment's PromiseBroken, read late from the promise topic, changes nothing.
    await deliver(sut, 'collections.promises.v1.PromiseBroken', broken);
    expect(await pendingOf(accountId)).toEqual(paused);
  });

  it('sends once when the dispatcher dies between the provider call and recording it: the restart re-sends under the same key', async () => {
    const { accountId, phone } = await openAccount('crash', '+573001110003');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch(); // the e-mail
    sut.clock.set(bogota('2026-03-13', 10));

    // This process "dies" right after Twilio accepted the SMS: its provider call never returns.
    const dying: ChannelProvider = {
      channel: 'sms',
      send: async (message) => {
        await providers.sms.send(message);
        return new Promise(() => undefined);
      },
      verifySignature: () => false,
      parseWebhook: () => [],
    };
    const deps = testDispatchDeps(directory);
    const planner = sut.app.app.get(PlanAccountUseCase);
    const doomed = new DispatchDueContactsUseCase(sut.context, new PlannerRepository(), planner, {
      ...deps,
      providers: { email: providers.email, sms: dying, whatsapp: providers.whatsapp },
    });
    void doomed.run();
    await waitFor(() => twilio.messages.some((m) => m.to === phone), { message: 'Twilio accepted the SMS' });
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status])).toEqual([
      ['d-3', 'sent'],
      ['d+1', 'sending'],
    ]);

    // The restarted process reconciles what was left `sending`.
    const restarted = new DispatchDueContactsUseCase(sut.context, new PlannerRepository(), planner, {
      ...deps,
      providers,
    });
    expect(await restarted.reconcile()).toMatchObject({ sent: 1 });
    const sms = twilio.messages.filter((m) => m.to === phone);
    expect(sms).toHaveLength(1);
    const [row] = await q<{ status: string; provider_message_id: string }>(
      `SELECT status, provider_message_id FROM contact_schedule WHERE account_id = $1 AND step_id = 'd+1'`,
      [accountId],
    );
    expect(row).toEqual({ status: 'sent', provider_message_id: sms[0].sid });
    const sent = (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === accountId && e.stepId === 'd+1',
    );
    expect(sent).toHaveLength(1);
    expect(sut.app.app.get(DISPATCH)).toBeInstanceOf(DispatchDueContactsUseCase);
  });

  it('marks an unreachable number invalid without retrying it, and falls back to the step’s fallback channel', async () => {
    const { accountId, email } = await openAccount('invalid', '+15005550001');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch(); // the D-3 e-mail
    const before = twilio.requests();
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch();
    expect(twilio.requests() - before).toBe(1);
    const rows = await schedule(accountId);
    expect(rows.map((r) => [r.step_id, r.channel, r.status])).toEqual([
      ['d-3', 'email', 'sent'],
      ['d+1', 'sms', 'invalid'],
      ['d+1', 'email', 'sent'],
      ['d+5', 'whatsapp', 'pending'],
    ]);
    const failed = (await published(sut, 'collections.orchestrator.v1.ContactFailed')).filter(
      (e) => e.accountId === accountId,
    );
    expect(failed).toEqual([
      expect.objectContaining({
        stepId: 'd+1',
        failure: orchestratorDispatch.ContactFailure.CONTACT_FAILURE_INVALID_ADDRESS,
        code: '21211',
        attempts: 1,
      }),
    ]);
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(2);
  });

  it('backs off on 429 and 5xx and still sends the SMS exactly once', async () => {
    const { accountId, phone } = await openAccount('busy', '+573001110005');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    sut.clock.set(bogota('2026-03-13', 10));
    twilio.failNext({ status: 429, code: 20429, retryAfter: '1' }, { status: 503, code: 20503 });
    expect(await dispatch()).toMatchObject({ sent: 1 });
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
    const sent = (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === accountId && e.stepId === 'd+1',
    );
    expect(sent).toEqual([expect.objectContaining({ attempts: 3 })]);
  });

  it('turns receipts into ContactDelivered, and a BAJA reply into an opt-out that cancels the pending WhatsApp', async () => {
    const { accountId, phone } = await openAccount('optout', '+573001110006');
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch();
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch();
    const sms = twilio.messages.find((m) => m.to === phone)!;
    const receipt = await deliverWebhook(
      twilio.statusCallback(sms.sid, 'delivered', `${sut.app.httpUrl}/webhooks/${sut.tenant}/sms`),
    );
    expect(receipt.status).toBe(200);
    const delivered = (await published(sut, 'collections.orchestrator.v1.ContactDelivered')).filter(
      (e) => e.accountId === accountId,
    );
    expect(delivered).toEqual([
      expect.objectContaining({ channel: orchestrator.Channel.CHANNEL_SMS, providerMessageId: sms.sid, read: false }),
    ]);
    expect((await schedule(accountId)).at(-1)).toMatchObject({
      step_id: 'd+5',
      channel: 'whatsapp',
      status: 'pending',
    });

    const reply = await deliverWebhook(
      meta.inboundWebhook(
        `${sut.app.httpUrl}/webhooks/${sut.tenant}/whatsapp`,
        STAND_IN.phoneNumberId,
        phone.slice(1),
        'BAJA',
      ),
    );
    expect(reply.status).toBe(200);
    const optOuts = await published(sut, 'collections.orchestrator.v1.OptOutRecorded');
    expect(optOuts.filter((e) => e.debtorId === 'debtor-optout')).toEqual([
      expect.objectContaining({ channel: orchestrator.Channel.CHANNEL_WHATSAPP, accountIds: [accountId] }),
    ]);
    expect((await schedule(accountId)).at(-1)).toMatchObject({ step_id: 'd+5', status: 'cancelled' });
    sut.clock.set(bogota('2026-03-17', 10));
    await dailyRun();
    await dispatch();
    expect(meta.sent.filter((m) => `+${m.to}` === phone)).toHaveLength(0);
  });

  /**
   * A US debtor (New York) with an e-mail and a phone, and a card account whose statement is due on
   * DUE, as the orchestrator learns them from the ledger's events: first the debtor consenting to
   * e-mail and SMS, then `before` (the events that come before the account's), then the account and
   * its statement. `ledgerConsents`: what the ledger's ExportDebtor answers for the e-mail point now.
   */
  async function openUsAccount(
    n: string,
    ledgerConsents: string[],
    before: (debtorId: string) => Promise<void>,
  ): Promise<{ accountId: string; email: string; phone: string }> {
    const accountId = `acct-us-${n}`;
    const debtorId = `debtor-us-${n}`;
    const email = `debtor-${n}@example.com`;
    const phone = `+1202555${String(1000 + Number(n)).slice(-4)}`;
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: `Ann ${n}`,
      nationalId: '',
      contactPoints: [
        { type: 'email', value: email, verified: true, consentedChannels: ledgerConsents },
        { type: 'phone', value: phone, verified: true, consentedChannels: ['sms'] },
      ],
      timeZone: 'America/New_York',
      language: 'en',
      country: 'US',
      region: '',
    });
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      {
        debtorId,
        timeZone: 'America/New_York',
        language: 'en',
        country: 'US',
        region: '',
        consentedChannels: ['email', 'sms'],
        erased: false,
      },
      debtorId,
    );
    await before(debtorId);
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: `US-${n}`,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: 'USD',
      creditLimitMinor: 5_000_00,
      openedOn: '2025-06-01',
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone: 'America/New_York',
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
    return { accountId, email, phone };
  }

  /** The ledger's ConsentChanged for a withdrawal of e-mail. */
  const withdrawEmail = (debtorId: string) =>
    deliver(
      sut,
      'collections.ledger.v1.ConsentChanged',
      { debtorId, channel: 'email', granted: false, consentedChannels: ['sms'] },
      debtorId,
    );

  /** No e-mail reached the debtor; the D-3 reminder went as the SMS fallback, once. */
  async function expectSmsInsteadOfEmail(accountId: string, email: string, phone: string): Promise<void> {
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(0);
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(1);
    const rows = await schedule(accountId);
    expect(rows.filter((r) => r.channel === 'email' && r.status === 'sent')).toEqual([]);
    expect(rows.filter((r) => r.status === 'sent').map((r) => [r.step_id, r.channel])).toEqual([['d-3', 'sms']]);
  }

  it('takes a US debtor’s withdrawn e-mail consent as an opt-out: no e-mail, the SMS fallback instead', async () => {
    // Regulation F asks no prior consent per channel, so a withdrawal is what counts: a medium the
    // consumer refuses (§1006.14(h)). New York is UTC-4 from 8 March 2026.
    const { accountId, email, phone } = await openUsAccount('107', ['email'], withdrawEmail);
    sut.clock.set(new Date('2026-03-09T10:00:00Z'));
    await dailyRun();
    sut.clock.set(new Date('2026-03-09T13:30:00Z')); // 09:30 in New York
    await dispatch();
    await expectSmsInsteadOfEmail(accountId, email, phone);
  });

  it('sends no e-mail while the ledger holds a withdrawal the orchestrator has not consumed yet', async () => {
    // The withdrawal travels on the debtor topic, the statement that starts the chase on another:
    // here the statement came first. The ledger, asked for the address at sending time, already
    // lists no e-mail consent.
    const { accountId, email, phone } = await openUsAccount('108', [], async () => undefined);
    sut.clock.set(new Date('2026-03-09T10:00:00Z'));
    await dailyRun();
    sut.clock.set(new Date('2026-03-09T13:30:00Z'));
    await dispatch();
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(0);
    const waiting = (await schedule(accountId)).filter((r) => r.channel === 'email');
    expect(waiting.map((r) => [r.step_id, r.status, new Date(r.due_at).toISOString()])).toEqual([
      ['d-3', 'pending', '2026-03-09T13:31:00.000Z'],
    ]);

    // The withdrawal arrives; a minute on, the law refuses the e-mail and the SMS fallback goes instead.
    await withdrawEmail(`debtor-us-108`);
    sut.clock.set(new Date('2026-03-09T13:31:00Z'));
    await dailyRun();
    await dispatch();
    await expectSmsInsteadOfEmail(accountId, email, phone);
  });

  /**
   * Delivers an event while the orchestrator's consumer is stuck before recording it (`table`
   * locked against its write), runs `whileStuck` once it waits there, then lets it through and
   * resolves once the event is consumed.
   */
  async function withEventUnconsumed(
    table: string,
    deliverIt: () => Promise<void>,
    whileStuck: () => Promise<void>,
  ): Promise<void> {
    const blocker = sut.dataSource.createQueryRunner();
    await blocker.startTransaction();
    await blocker.query(`LOCK TABLE ${table} IN EXCLUSIVE MODE`);
    const consumed = deliverIt();
    try {
      await waitFor(
        async () =>
          (await q(`SELECT 1 FROM pg_locks WHERE relation = $1::regclass AND NOT granted`, [table])).length > 0,
        { message: `the consumer waits on ${table}` },
      );
      await whileStuck();
    } finally {
      await blocker.rollbackTransaction();
      await blocker.release();
    }
    await consumed;
  }

  /** A run sends nothing: the account's D-3 e-mail stays pending. */
  async function expectEmailHeldBack(accountId: string, email: string): Promise<void> {
    expect(await dispatch()).toMatchObject({ sent: 0 });
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(0);
    expect((await schedule(accountId)).map((r) => [r.step_id, r.channel, r.status])).toEqual([
      ['d-3', 'email', 'pending'],
    ]);
  }

  it('sends nothing while the hold the ledger published before the contact fell due is not consumed yet', async () => {
    // The ledger put the debtor under a dispute hold (debtor topic) after the statement that started
    // the chase (statement topic), and before the D-3 e-mail falls due; the orchestrator's consumer
    // is stuck on the hold (its table locked) when the dispatcher runs.
    const { accountId, email, phone } = await openUsAccount('109', ['email'], async () => undefined);
    sut.clock.set(new Date('2026-03-09T10:00:00Z'));
    await dailyRun();
    sut.clock.set(new Date('2026-03-09T13:30:00Z'));
    const hold = {
      holdId: 'dispute-109',
      debtorId: 'debtor-us-109',
      source: 'ledger',
      startsOn: '',
      endsOn: '',
      bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
    };
    await withEventUnconsumed(
      'orchestrator.debtor_hold_state',
      () =>
        deliver(
          sut,
          'collections.ledger.v1.HoldChanged',
          { ...hold, kind: ledger.HoldKind.HOLD_KIND_DISPUTE, active: true },
          hold.debtorId,
        ),
      () => expectEmailHeldBack(accountId, email),
    );

    // The hold consumed, the next run asks the law with it known: nothing goes, on any channel.
    await dispatch();
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(0);
    expect(twilio.messages.filter((m) => m.to === phone)).toHaveLength(0);
    expect((await schedule(accountId)).filter((r) => r.status === 'sent')).toEqual([]);
  });

  /**
   * The D-3 e-mail of a new account falls due while the event that stops it (`deliverStop`, given
   * the account) is stuck before the orchestrator's consumer records it (its inbox locked): the run
   * sends nothing. Once it is consumed, the row is cancelled for `reason` and the next run sends
   * nothing either.
   */
  async function expectNoReminderUntilConsumed(
    n: string,
    phone: string,
    deliverStop: (accountId: string) => Promise<void>,
    reason: string,
  ): Promise<void> {
    const { accountId, email } = await openAccount(n, phone);
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await withEventUnconsumed(
      'orchestrator.inbox',
      () => deliverStop(accountId),
      () => expectEmailHeldBack(accountId, email),
    );

    expect((await schedule(accountId)).map((r) => [r.step_id, r.status, r.cancel_reason])).toEqual([
      ['d-3', 'cancelled', reason],
    ]);
    expect(await dispatch()).toMatchObject({ sent: 0 });
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(0);
  }

  it('sends no reminder while the payment that cleared the balance is not consumed yet', async () => {
    // The payment travels on the payment topic, the statement that started the chase on another:
    // the debtor paid before the D-3 e-mail fell due.
    await expectNoReminderUntilConsumed(
      'paid-unconsumed',
      '+573001110011',
      (accountId) =>
        deliver(sut, 'collections.ledger.v1.PaymentPosted', {
          paymentId: 'pay-unconsumed',
          accountId,
          amount: COP(250_000_00),
          balanceAfter: COP(0),
          postedAt: bogota('2026-03-09', 8),
          reference: 'PSE',
          effectiveDate: '',
        }),
      'stop:payment',
    );
  });

  it('sends no reminder while the plan the debtor agreed is not consumed yet', async () => {
    // The plan travels on the promise service's plan topic: the debtor agreed it on the payment link
    // before the D-3 e-mail fell due.
    await expectNoReminderUntilConsumed(
      'plan-unconsumed',
      '+573001110013',
      (accountId) =>
        deliver(
          sut,
          'collections.promises.v1.PlanAgreed',
          planAgreed('plan-unconsumed-1', accountId, bogota('2026-03-09', 8)),
        ),
      'stop:promise',
    );
  });

  it('sends no reminder while the promise the debtor made is not consumed yet', async () => {
    // The promise travels on the promise service's promise topic: the debtor promised the bot to pay
    // before the D-3 e-mail fell due.
    await expectNoReminderUntilConsumed(
      'promise-unconsumed',
      '+573001110015',
      (accountId) =>
        deliver(
          sut,
          'collections.promises.v1.PromiseMade',
          promiseMade('promise-unconsumed-1', accountId, '2026-03-13'),
        ),
      'stop:promise',
    );
  });
});
