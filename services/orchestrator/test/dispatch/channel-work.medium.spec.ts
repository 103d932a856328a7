import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger, orchestrator, orchestratorAgents, orchestratorDispatch } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { PgSubmissionLog } from '../../src/channels/email/email-submissions';
import { TwilioVoiceProvider } from '../../src/channels/voice/twilio-voice.provider';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDependencies, DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { LETTER_COLUMNS, LETTER_EXPORT, LetterExportUseCase } from '../../src/dispatch/usecases/letter-export.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { serviceLinks, testDispatchDeps } from '../support/dispatch-deps';
import { TestContactPoints, openColombianAccount } from '../support/accounts';
import { deliver, published, startConsumers } from '../support/events';
import { ChannelStandIns, STAND_IN, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { deliverWebhook } from '../support/http-stand-in';
import { putStrategies } from '../support/strategies';
import { startTwilioVoiceStandIn } from '../support/twilio-voice-stand-in';

const CALLER_ID = '+15550000301';
const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);
const DUE = '2026-03-12'; // a Thursday

const step = (id: string, channel: string, days: number, from = '10:00', to = '13:00') => ({
  id,
  channel,
  template: 'overdue',
  offset: { from: 'due_date', days },
  preferredWindow: { from, to },
});

/** Large balances: a call on Friday D+1, a letter on Monday D+4, a field visit on Wednesday D+6. */
const fieldWork = {
  name: 'Field work',
  priority: 1,
  entry: { segments: ['negotiate'], balanceMinor: { min: 200_000_00 }, jurisdictions: ['CO'] },
  arms: [
    { id: 'champion', weight: 100, steps: [step('d+1', 'call', 1), step('d+4', 'letter', 4), step('d+6', 'visit', 6)] },
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
} as StrategyDocument;

/** Small balances: e-mail at D-3, WhatsApp at D+1, a bot call at D+4. */
const electronic = {
  name: 'Electronic',
  priority: 2,
  entry: { segments: ['negotiate'], balanceMinor: { max: 199_999_99 }, jurisdictions: ['CO'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        { ...step('d-3', 'email', -3, '09:00', '12:00'), template: 'reminder' },
        step('d+1', 'whatsapp', 1),
        step('d+4', 'call', 4),
      ],
    },
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
} as StrategyDocument;

describe('calls, letters, visits and e-mail once, dispatched on the injected clock (real PostgreSQL, SMTP server, provider stand-ins)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  let letterDir: string;
  let voice: Awaited<ReturnType<typeof startTwilioVoiceStandIn>>;
  let meta: ChannelStandIns['meta'];
  let providers: ChannelStandIns['providers'] & { call: TwilioVoiceProvider };
  const closers: (() => void)[] = [];
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const saved = { ...process.env };

  const mails = () => channels.smtp.received();
  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const exportLetters = () => sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT).run();
  const schedule = (accountId: string) =>
    q<{ id: string; step_id: string; channel: string; status: string; provider_message_id: string | null }>(
      `SELECT id, step_id, channel, status, provider_message_id FROM contact_schedule WHERE account_id = $1 ORDER BY created_at, due_at`,
      [accountId],
    );
  const sentFor = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter((e) => e.accountId === accountId);
  const hook = (channel: string) => `${sut.app.httpUrl}/webhooks/${sut.tenant}/${channel}`;
  const deps = () => testDispatchDeps(directory);

  beforeAll(async () => {
    letterDir = mkdtempSync(join(tmpdir(), 'letters-'));
    channels = await startChannelStandIns();
    meta = channels.meta;
    voice = await startTwilioVoiceStandIn(STAND_IN.twilioSid, STAND_IN.twilioToken);
    providers = {
      ...channels.providers,
      call: new TwilioVoiceProvider({
        baseUrl: voice.url,
        accountSid: STAND_IN.twilioSid,
        authToken: STAND_IN.twilioToken,
        from: [CALLER_ID],
        botUrl: 'https://bot.example/twiml',
        callsPerSecond: 100,
      }),
    };
    Object.assign(process.env, {
      ORCHESTRATOR_PLANNING_CHECK_MS: '0',
      ORCHESTRATOR_DISPATCH_CHECK_MS: '0',
      ORCHESTRATOR_LETTER_EXPORT_CHECK_MS: '0',
      LETTER_EXPORT_TIME_ZONE: 'America/Bogota',
      LETTER_EXPORT_HOUR: '17',
    });
    const service = createOrchestratorService({
      directory,
      providers,
      letterExportDir: letterDir,
      dispatch: { delay: async () => undefined, random: () => 0 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { 'field-work': fieldWork, electronic: electronic });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    for (const close of closers) close();
    await voice?.close();
    await channels?.close();
    process.env = saved;
  });

  /** A Colombian debtor with a card account due on DUE, scored "negotiate", with this balance; planned on 9 March. */
  async function openAccount(n: string, balanceMinor: number, points: TestContactPoints): Promise<string> {
    const accountId = await openColombianAccount(sut, debtors, n, { balanceMinor, dueDate: DUE, points });
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    return accountId;
  }

  it('places the bot call under the row id, prints the letter in the day’s batch, and queues a field visit', async () => {
    const phone = '+573001120001';
    const accountId = await openAccount('field', 250_000_00, { phone, postal: 'Calle 10 # 5-51, Bogotá' });

    // D+1, 10:00 in Bogotá: the voice bot calls, with the schedule row id as Twilio's idempotency key.
    sut.clock.set(bogota('2026-03-13', 10));
    expect(await dispatch()).toMatchObject({ sent: 1 });
    const [callRow] = await schedule(accountId);
    const call = voice.calls.find((c) => c.to === phone)!;
    // The bot is told the Spanish the message was written in, as Twilio speaks it in Colombia.
    expect(call).toMatchObject({ from: CALLER_ID, url: 'https://bot.example/twiml?language=es-MX' });
    expect(callRow).toMatchObject({ step_id: 'd+1', channel: 'call', status: 'sent', provider_message_id: call.sid });
    expect(
      await q(
        `SELECT idempotency_key, account_id FROM channel_delivery WHERE channel = 'call' AND provider_message_id = $1`,
        [call.sid],
      ),
    ).toEqual([{ idempotency_key: callRow.id, account_id: accountId }]);
    // What the debtor told the bot comes back on the call webhook: CallOutcomeRecorded, once.
    const said = voice.gatherResult(hook('call'), call.sid, 'Pago 500 el viernes');
    expect((await deliverWebhook(said)).status).toBe(200);
    expect((await deliverWebhook(said)).status).toBe(200);
    const outcomes = (await published(sut, 'collections.orchestrator.v1.CallOutcomeRecorded')).filter(
      (o) => o.accountId === accountId,
    );
    expect(outcomes).toEqual([
      expect.objectContaining({
        source: orchestratorAgents.CallOutcomeSource.CALL_OUTCOME_SOURCE_VOICE_BOT,
        outcome: orchestratorAgents.CallOutcome.CALL_OUTCOME_PROMISE,
        promisedAmount: COP(50_000),
      }),
    ]);

    // D+4: the letter goes into the print batch; it is sent when the day's file is exported.
    sut.clock.set(bogota('2026-03-16', 10));
    expect(await dispatch()).toMatchObject({ queued: 1, sent: 0 });
    expect((await schedule(accountId)).at(-1)).toMatchObject({ step_id: 'd+4', channel: 'letter', status: 'sending' });
    expect(await exportLetters()).toMatchObject({ batches: 0 }); // before the export hour
    expect((await sentFor(accountId)).map((e) => e.channel)).toEqual([orchestrator.Channel.CHANNEL_CALL]);
    sut.clock.set(bogota('2026-03-16', 17));
    const exported = await exportLetters();
    expect(exported).toMatchObject({ batches: 1, exported: 1, failed: 0 });
    const file = join(letterDir, exported.files[0]);
    const csv = readFileSync(file, 'utf8');
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(LETTER_COLUMNS.map((c) => `"${c}"`).join(','));
    const letterRow = (await schedule(accountId)).find((r) => r.channel === 'letter')!;
    expect(csv).toContain(`"${letterRow.id}","TC-field","Ana field Pérez","Calle 10 # 5-51, Bogotá","es"`);
    expect(letterRow.status).toBe('sent');
    // Exporting again the same day writes nothing new and sends nothing twice.
    expect(await exportLetters()).toMatchObject({ batches: 0 });
    expect(readdirSync(letterDir).filter((f) => f.endsWith('.csv'))).toEqual([exported.files[0]]);

    // D+6: a field visit is a task in the agent queues — within the contact law's hours, asked again at dispatch.
    sut.clock.set(new Date('2026-03-19T01:00:00Z')); // 20:00 on D+6 in Bogotá
    expect(await dispatch()).toMatchObject({ deferred: 1, sent: 0 });
    expect(await q(`SELECT 1 FROM agent_task WHERE account_id = $1`, [accountId])).toEqual([]);
    const [refusal] = await q<{ allowed: boolean; reasons: string[] }>(
      `SELECT allowed, reasons FROM contact_decision WHERE account_id = $1 AND stage = 'send' ORDER BY decided_at DESC, id LIMIT 1`,
      [accountId],
    );
    expect(refusal).toEqual({ allowed: false, reasons: [expect.stringMatching(/^CO-HOURS/)] });
    sut.clock.set(bogota('2026-03-19', 10));
    expect(await dispatch()).toMatchObject({ sent: 1 });
    const tasks = await q<{ id: string; kind: string; queue: string; segment: string }>(
      `SELECT id, kind, queue, segment FROM agent_task WHERE account_id = $1`,
      [accountId],
    );
    expect(tasks).toEqual([
      { id: expect.any(String), kind: 'field_visit', queue: 'field-visits', segment: 'negotiate' },
    ]);
    const created = (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).filter(
      (e) => e.accountId === accountId,
    );
    expect(created).toEqual([
      expect.objectContaining({
        kind: orchestratorAgents.AgentTaskKind.AGENT_TASK_KIND_FIELD_VISIT,
        queue: 'field-visits',
      }),
    ]);
    const sent = await sentFor(accountId);
    expect(sent.map((e) => [e.stepId, e.channel])).toEqual([
      ['d+1', orchestrator.Channel.CHANNEL_CALL],
      ['d+4', orchestrator.Channel.CHANNEL_LETTER],
      ['d+6', orchestrator.Channel.CHANNEL_VISIT],
    ]);
    expect(sent[2].providerMessageId).toBe(tasks[0].id);
    expect(await dispatch()).toMatchObject({ sent: 0 });
  });

  it('gives a letter or a visit up when the debtor has no postal address, saying why', async () => {
    const accountId = await openAccount('nopost', 250_000_00, { phone: '+573001120002' });
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch();
    sut.clock.set(bogota('2026-03-16', 10));
    expect(await dispatch()).toMatchObject({ failed: 1, queued: 0 });
    sut.clock.set(bogota('2026-03-18', 10));
    expect(await dispatch()).toMatchObject({ failed: 1 });
    expect((await schedule(accountId)).map((r) => [r.channel, r.status])).toEqual([
      ['call', 'sent'],
      ['letter', 'failed'],
      ['visit', 'failed'],
    ]);
    const failed = (await published(sut, 'collections.orchestrator.v1.ContactFailed')).filter(
      (e) => e.accountId === accountId,
    );
    expect(failed.map((f) => [f.code, f.failure])).toEqual([
      ['no-address', orchestratorDispatch.ContactFailure.CONTACT_FAILURE_NO_ROUTE],
      ['no-address', orchestratorDispatch.ContactFailure.CONTACT_FAILURE_NO_ROUTE],
    ]);
    expect(await q(`SELECT 1 FROM agent_task WHERE account_id = $1`, [accountId])).toEqual([]);
  });

  /** A dispatcher of this service (as a restarted process would build it), with the service's providers. */
  const dispatcher = (extra: Partial<DispatchDependencies> = {}) =>
    new DispatchDueContactsUseCase(sut.context, new PlannerRepository(), sut.app.app.get(PlanAccountUseCase), {
      ...deps(),
      providers,
      ...extra,
    });

  /** Runs `work` while another connection holds the account's planner row locked. */
  const whileLocked = async (accountId: string, work: () => Promise<unknown>) => {
    const holder = sut.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(`SELECT 1 FROM planner_account WHERE tenant_id = $1 AND account_id = $2 FOR UPDATE`, [
        sut.tenant,
        accountId,
      ]);
      await work();
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
  };

  /**
   * A dispatcher whose e-mail provider "dies" once the SMTP server has the message: the acceptance
   * is never recorded, and (without `keepsAbandoning`) neither is giving the submission up.
   */
  const dispatcherWithDyingEmail = (o: { keepsAbandoning: boolean }) => {
    const log = new PgSubmissionLog(sut.dataSource, () => sut.clock.now());
    const never = () => new Promise<never>(() => undefined);
    const dying = channels.smtp.provider({
      submissions: {
        begin: (...a) => log.begin(...a),
        abandon: o.keepsAbandoning ? (...a) => log.abandon(...a) : never,
        accepted: never,
      },
    });
    closers.push(() => dying.close());
    return dispatcher({ providers: { email: dying } });
  };

  it('delivers one e-mail when the process dies after the SMTP server accepted it and before recording it', async () => {
    const email = 'deudor-crash@example.com';
    const accountId = await openAccount('mailcrash', 150_000_00, { email, phone: '+573001120003' });
    sut.clock.set(bogota('2026-03-09', 9));
    // This process "dies" right after the server's 250: the acceptance is never recorded, nor the outcome.
    void dispatcherWithDyingEmail({ keepsAbandoning: true }).run();
    await waitFor(() => mails().some((m) => m.to.includes(email)), { message: 'the SMTP server accepted the e-mail' });
    expect((await schedule(accountId)).map((r) => [r.step_id, r.status])).toEqual([['d-3', 'sending']]);

    // The restarted process reconciles the row left `sending`, with the service's own e-mail provider.
    const restarted = dispatcher();
    expect(await restarted.reconcile()).toMatchObject({ sent: 1 });
    const delivered = mails().filter((m) => m.to.includes(email));
    expect(delivered).toHaveLength(1);
    const [row] = await schedule(accountId);
    expect(row).toMatchObject({ status: 'sent', provider_message_id: delivered[0].headers['message-id'] });
    expect((await sentFor(accountId)).map((e) => e.stepId)).toEqual(['d-3']);
    // Paid: the rest of this account's cadence is cancelled (it stays out of the next test's sends).
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-mailcrash',
      accountId,
      amount: COP(150_000_00),
      balanceAfter: COP(0),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });
    expect((await schedule(accountId)).map((r) => r.status)).toEqual(['sent', 'cancelled']);
  });

  it('sends no second e-mail when the process died waiting on the SMTP server: the new process takes it as sent, in doubt', async () => {
    const email = 'deudor-stall@stall.test';
    const accountId = await openAccount('mailstall', 150_000_00, { email, phone: '+573001120006' });
    sut.clock.set(bogota('2026-03-09', 9));
    // This process "dies" inside the SMTP transaction: the server never answers the message, and
    // nothing it would do afterwards (a timeout, giving the submission up) happens any more.
    void dispatcherWithDyingEmail({ keepsAbandoning: false }).run();
    const [claimed] = await waitFor(
      async () => {
        const rows = await schedule(accountId);
        const submitting = await q(
          `SELECT 1 FROM email_submission WHERE idempotency_key = $1 AND state = 'submitting'`,
          [rows[0]?.id],
        );
        return submitting.length > 0 ? rows : undefined;
      },
      { message: 'the dying process inside the SMTP transaction' },
    );
    expect([claimed.step_id, claimed.status]).toEqual(['d-3', 'sending']);

    // A new process, with the service's own provider, reconciles the row without sending again.
    const restarted = dispatcher();
    expect(await restarted.reconcile()).toMatchObject({ sent: 1 });
    expect((await schedule(accountId))[0]).toMatchObject({ id: claimed.id, status: 'sent' });
    expect(await q(`SELECT state FROM email_submission WHERE idempotency_key = $1`, [claimed.id])).toEqual([
      { state: 'in-doubt' },
    ]);
    expect(await restarted.reconcile()).toMatchObject({ sent: 0 });
    expect(mails().filter((m) => m.to.includes(email))).toEqual([]);
    expect((await sentFor(accountId)).map((e) => e.stepId)).toEqual(['d-3']);
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-mailstall',
      accountId,
      amount: COP(150_000_00),
      balanceAfter: COP(0),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });
  });

  it('takes a row up again on the next tick when its outcome could not be recorded, and a locked account fails the step instead of stalling it', async () => {
    const email = 'deudor-record@example.com';
    const accountId = await openAccount('recordfail', 150_000_00, { email, phone: '+573001120007' });
    sut.clock.set(bogota('2026-03-09', 9));
    let failRecord = true;
    const recordingFails = dispatcher({
      dbTimeouts: { lockMs: 100, statementMs: 30_000 },
      afterProviderCall: async () => {
        if (!failRecord) return;
        failRecord = false;
        throw new Error('connection to the database lost');
      },
    });
    const scheduler = new DispatchScheduler(sut.context, recordingFails, 0);
    const rowOf = async () => (await schedule(accountId))[0];

    // Sent, but the outcome not recorded: the row stays `sending`, the tick ends.
    await scheduler.tick();
    expect(await rowOf()).toMatchObject({ step_id: 'd-3', status: 'sending' });
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(1);

    // The account locked by someone else: recording waits no longer than the lock timeout.
    await whileLocked(accountId, () => scheduler.tick());
    expect(await rowOf()).toMatchObject({ status: 'sending' });

    // The next tick of the same process reconciles it: recorded sent, the message sent once.
    await scheduler.tick();
    const row = await rowOf();
    const delivered = mails().filter((m) => m.to.includes(email));
    expect(delivered).toHaveLength(1);
    expect(row).toMatchObject({ status: 'sent', provider_message_id: delivered[0].headers['message-id'] });
    expect((await sentFor(accountId)).map((e) => e.stepId)).toEqual(['d-3']);
    await scheduler.onApplicationShutdown(); // its lock's connection
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-recordfail',
      accountId,
      amount: COP(150_000_00),
      balanceAfter: COP(0),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });
  });

  it('goes on past a row it could not take up: a locked account does not hold back the rows due after it', async () => {
    const emails = ['deudor-head-1@example.com', 'deudor-head-2@example.com'];
    const accounts = [
      await openAccount('head-1', 150_000_00, { email: emails[0], phone: '+573001120011' }),
      await openAccount('head-2', 150_000_00, { email: emails[1], phone: '+573001120012' }),
    ];
    // Both D-3 e-mails fall due at 09:00; the dispatcher takes due rows in (due_at, id) order.
    sut.clock.set(bogota('2026-03-09', 9));
    const order = (
      await q<{ account_id: string }>(
        `SELECT account_id FROM contact_schedule WHERE account_id = ANY ($1) AND status = 'pending' ORDER BY due_at, id`,
        [accounts],
      )
    ).map((r) => r.account_id);
    expect(order).toHaveLength(2);
    const mailsTo = (account: string) => mails().filter((m) => m.to.includes(emails[accounts.indexOf(account)]));

    // The first one's account held by someone else: its claim gives up after the lock timeout.
    // One row a batch: the row left pending comes back at the head of every later batch.
    await whileLocked(order[0], () => dispatcher({ dbTimeouts: { lockMs: 100, statementMs: 30_000 } }).run(1));
    expect(mailsTo(order[1])).toHaveLength(1);
    expect(mailsTo(order[0])).toHaveLength(0);

    // The next run sends the one left behind; each debtor got one e-mail.
    await dispatch();
    expect(accounts.map((a) => mailsTo(a).length)).toEqual([1, 1]);
    for (const accountId of accounts)
      await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
        paymentId: `pay-${accountId}`,
        accountId,
        amount: COP(150_000_00),
        balanceAfter: COP(0),
        postedAt: sut.clock.now(),
        reference: 'PSE',
        effectiveDate: '',
      });
  });

  it('backs off on e-mail 4xx, WhatsApp 429/5xx and call 429/5xx, and sends each exactly once', async () => {
    const email = 'deudor-busy@flaky.test';
    const phone = '+573001120004';
    const accountId = await openAccount('busy', 150_000_00, { email, phone });

    sut.clock.set(bogota('2026-03-09', 9));
    expect(await dispatch()).toMatchObject({ sent: 1 }); // refused once with 451, then accepted
    expect(mails().filter((m) => m.to.includes(email))).toHaveLength(1);

    sut.clock.set(bogota('2026-03-13', 10));
    meta.failNext({ status: 429, code: 130429 }, { status: 503, code: 131000 });
    expect(await dispatch()).toMatchObject({ sent: 1 });
    expect(meta.sent.filter((m) => `+${m.to}` === phone || m.to === phone)).toHaveLength(1);

    sut.clock.set(bogota('2026-03-16', 10));
    voice.failNext({ status: 429, code: 20429, retryAfter: '1' }, { status: 500, code: 20500 });
    expect(await dispatch()).toMatchObject({ sent: 1 });
    expect(voice.calls.filter((c) => c.to === phone)).toHaveLength(1);

    const sent = await sentFor(accountId);
    expect(sent.map((e) => [e.channel, e.attempts])).toEqual([
      [orchestrator.Channel.CHANNEL_EMAIL, 2],
      [orchestrator.Channel.CHANNEL_WHATSAPP, 3],
      [orchestrator.Channel.CHANNEL_CALL, 3],
    ]);
  });

  it('writes the same file again after an export that died half-way, and sends each letter once', async () => {
    const accountId = await openAccount('printcrash', 250_000_00, {
      phone: '+573001120005',
      postal: 'Carrera 7 # 71-21, Bogotá',
    });
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch(); // the call
    sut.clock.set(bogota('2026-03-16', 10));
    expect(await dispatch()).toMatchObject({ queued: 1 });
    // The day's batch was cut already (the first test's): this letter waits for tomorrow's.
    sut.clock.set(bogota('2026-03-16', 18));
    expect(await exportLetters()).toMatchObject({ batches: 0 });

    // Tomorrow's export writes its file and dies before recording anything.
    sut.clock.set(bogota('2026-03-17', 17));
    const dying = new LetterExportUseCase(
      sut.context,
      new PlannerRepository(),
      {
        record: () => Promise.reject(new Error('process died')),
        pausedUntil: () => undefined,
        directory,
      } as unknown as DispatchDueContactsUseCase,
      { directory: letterDir, timeZone: 'America/Bogota', hour: 17 },
      // The service's own links (its defaults): the file is the same whichever process writes it.
      { ...deps(), links: serviceLinks() },
    );
    await expect(dying.run()).rejects.toThrow('process died');
    const [batch] = await q<{ file_name: string; state: string }>(
      `SELECT file_name, state FROM letter_print_batch WHERE batch_date = '2026-03-17'`,
    );
    expect(batch.state).toBe('assigned');
    const written = readFileSync(join(letterDir, batch.file_name), 'utf8');
    expect(written).toContain('Carrera 7 # 71-21, Bogotá');
    expect((await sentFor(accountId)).map((e) => e.channel)).toEqual([orchestrator.Channel.CHANNEL_CALL]);

    // The next run finishes that batch: the same bytes, one ContactSent.
    sut.clock.set(bogota('2026-03-17', 18));
    expect(await exportLetters()).toMatchObject({ batches: 1, exported: 1 });
    expect(readFileSync(join(letterDir, batch.file_name), 'utf8')).toBe(written);
    expect(await exportLetters()).toMatchObject({ batches: 0 });
    expect((await sentFor(accountId)).map((e) => e.channel)).toEqual([
      orchestrator.Channel.CHANNEL_CALL,
      orchestrator.Channel.CHANNEL_LETTER,
    ]);
  });

  it('withdraws a queued letter from the file when the account is paid before the export', async () => {
    const accountId = await openAccount('paidletter', 250_000_00, {
      phone: '+573001120006',
      postal: 'Avenida 19 # 100-12, Bogotá',
    });
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch(); // the call
    sut.clock.set(bogota('2026-03-16', 10));
    expect(await dispatch()).toMatchObject({ queued: 1 });
    sut.clock.set(bogota('2026-03-17', 12));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-paidletter',
      accountId,
      amount: COP(250_000_00),
      balanceAfter: COP(0),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });
    sut.clock.set(bogota('2026-03-18', 17));
    const run = await exportLetters();
    expect(run).toMatchObject({ batches: 1, exported: 0, withdrawn: 1 });
    expect(readFileSync(join(letterDir, run.files[0]), 'utf8')).not.toContain('Avenida 19');
    expect(
      await q(
        `SELECT channel, status, cancel_reason FROM contact_schedule WHERE account_id = $1 AND channel = 'letter'`,
        [accountId],
      ),
    ).toEqual([{ channel: 'letter', status: 'cancelled', cancel_reason: 'stop:payment' }]);
    expect((await sentFor(accountId)).map((e) => e.channel)).toEqual([orchestrator.Channel.CHANNEL_CALL]);
    sut.clock.set(bogota('2026-03-19', 10));
    await dispatch(); // no visit either: the account is paid
    expect((await schedule(accountId)).map((r) => [r.channel, r.status])).toEqual([
      ['call', 'sent'],
      ['letter', 'cancelled'],
    ]);
    expect(await q(`SELECT 1 FROM agent_task WHERE account_id = $1`, [accountId])).toEqual([]);
  });
});
