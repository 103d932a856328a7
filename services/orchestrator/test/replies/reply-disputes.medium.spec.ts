import { ledger, orchestratorAgents as pb } from '@collections/contracts';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { createAgentTask } from '../../src/agents';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { openColombianAccount } from '../support/accounts';
import { ChannelStandIns, directoryOf, standInSmsSender, startChannelStandIns } from '../support/channel-stand-ins';
import { deliver, published, startConsumers } from '../support/events';
import { deliverWebhook } from '../support/http-stand-in';
import { D3_REMINDER_EMAIL, colombianEarlyStage, putStrategies } from '../support/strategies';

/** Bogotá is UTC-5 all year: 09:00 local is 14:00Z. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);
const DUE = '2026-03-12'; // a Thursday; D-3 is Monday 9 March
const OUR_NUMBER = '+15550000001';

/** Pre-due e-mail at D-3, SMS at D+1, WhatsApp at D+5. */
const cadence = colombianEarlyStage('Early stage', [
  D3_REMINDER_EMAIL,
  {
    id: 'd+1',
    channel: 'sms',
    template: 'overdue',
    offset: { from: 'due_date', days: 1 },
    preferredWindow: { from: '10:00', to: '13:00' },
  },
  {
    id: 'd+5',
    channel: 'whatsapp',
    template: 'overdue',
    offset: { from: 'due_date', days: 5 },
    preferredWindow: { from: '10:00', to: '13:00' },
  },
]);

/**
 * A debtor who disputes the debt in a reply ("No reconozco esta deuda") is not contacted again
 * until the debt is verified (Regulation F / FDCPA §1692g(b); every pack's dispute hold): the
 * reply, through the signed webhook, holds the debtor at once, cancels their agent calls and asks
 * an agent to verify the debt; the ledger lifting its dispute hold lets contact resume.
 */
describe('a dispute in a debtor’s reply (real PostgreSQL, provider stand-ins)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  let twilio: ChannelStandIns['twilio'];
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const schedule = (accountId: string) =>
    q<{ step_id: string; status: string; cancel_reason: string | null }>(
      `SELECT step_id, status, cancel_reason FROM contact_schedule WHERE account_id = $1 ORDER BY created_at, due_at`,
      [accountId],
    );
  const disputeHolds = (debtorId: string) =>
    q<{ hold_id: string; active: boolean }>(
      `SELECT hold_id, active FROM debtor_hold_state WHERE tenant_id = $1 AND debtor_id = $2 AND hold_id LIKE 'reply-dispute:%'`,
      [sut.tenant, debtorId],
    );
  const smsHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/sms`;
  /** An agent's call on the account, queued by a strategy's escalation. */
  const queueCall = async (accountId: string, causedByEventId: string) =>
    (
      await sut.dataSource.transaction((tx) =>
        createAgentTask(tx, sut.context.backbone.outbox, {
          tenantId: sut.tenant,
          accountId,
          kind: 'call',
          queue: 'early-agents',
          reason: 'strategy escalation',
          causedByEventId,
          now: sut.clock.now(),
        }),
      )
    ).task;
  /**
   * The account's one reply, read as a dispute: the debtor on the reply's dispute hold and
   * DebtorReplied(DISPUTE) published. Returns the reply.
   */
  const disputeRecorded = async (accountId: string, debtorId: string) => {
    const [inbound] = await q<{ provider_message_id: string; intent: string }>(
      `SELECT provider_message_id, intent FROM channel_inbound WHERE tenant_id = $1 AND account_id = $2`,
      [sut.tenant, accountId],
    );
    expect(inbound.intent).toBe('dispute');
    expect(await disputeHolds(debtorId)).toEqual([
      { hold_id: `reply-dispute:sms:${inbound.provider_message_id}:${debtorId}`, active: true },
    ]);
    expect(
      (await published(sut, 'collections.orchestrator.v1.DebtorReplied')).filter((e) => e.accountId === accountId),
    ).toEqual([expect.objectContaining({ intent: pb.ReplyIntent.REPLY_INTENT_DISPUTE })]);
    return inbound;
  };
  /** The reply reviews queued on the account. */
  const reviewsOf = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).filter(
      (e) => e.accountId === accountId && e.kind === pb.AgentTaskKind.AGENT_TASK_KIND_REVIEW_REPLY,
    );

  beforeAll(async () => {
    channels = await startChannelStandIns();
    twilio = channels.twilio;
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { early: cadence });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  it('"No reconozco esta deuda" holds the debtor at once: the planned SMS is refused for the dispute, their agent call cancelled, one review queued; the ledger lifting the dispute lets contact resume', async () => {
    const phone = '+573001119001';
    const accountId = await openColombianAccount(sut, debtors, 'disputes', {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { email: 'deudor-disputes@example.com', phone },
    });
    const debtorId = 'debtor-disputes';
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch(); // the D-3 e-mail
    expect(await schedule(accountId)).toEqual([
      { step_id: 'd-3', status: 'sent', cancel_reason: null },
      { step_id: 'd+1', status: 'pending', cancel_reason: null },
    ]);
    // We wrote to the debtor's phone about the account (so their reply finds it), and an agent's call is queued.
    sut.clock.set(bogota('2026-03-10', 11));
    const sender = standInSmsSender(sut, twilio, OUR_NUMBER, { to: phone, accountId });
    expect(
      (await sender.send({ idempotencyKey: 'rem-disputes', tenantId: sut.tenant, to: phone, body: 'Recordatorio' }))
        .status,
    ).toBe('sent');
    const call = await queueCall(accountId, 'escalation-disputes');

    // The service's one contact law counts the refusal (collections_contact_refusals_total).
    const holdRefusals = async () =>
      (await scrapeSeries(sut.app.httpUrl, 'collections_contact_refusals_total', ['channel', 'rule', 'outcome']))[
        'call hold refused'
      ] ?? 0;
    const refusalsBefore = await holdRefusals();

    const webhook = twilio.inbound(smsHook(), phone, OUR_NUMBER, 'No reconozco esta deuda');
    expect((await deliverWebhook(webhook)).status).toBe(200);
    // The provider retries the same webhook: no second hold, review or event.
    expect((await deliverWebhook(webhook)).status).toBe(200);

    const inbound = await disputeRecorded(accountId, debtorId);
    const cancelled = (await published(sut, 'collections.orchestrator.v1.AgentTaskCancelled')).filter(
      (e) => e.accountId === accountId,
    );
    expect(cancelled).toEqual([
      expect.objectContaining({
        taskId: call.id,
        cause: pb.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_HOLD,
        causedBy: `reply:sms:${inbound.provider_message_id}`,
        reasons: ['CO-HOLD-DISPUTE'],
      }),
    ]);
    expect(await holdRefusals()).toBe(refusalsBefore + 1);
    expect(await reviewsOf(accountId)).toEqual([
      expect.objectContaining({
        queue: 'replies',
        language: 'es',
        reason: 'the debtor disputes the debt: verify it before any further contact',
      }),
    ]);

    // D+1, 10:00: the dispatcher stops the SMS the cadence planned, for the dispute, and sends nothing.
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch();
    expect(twilio.messages.filter((m) => m.to === phone && m.body !== 'Recordatorio')).toHaveLength(0);
    expect(await schedule(accountId)).toEqual([
      { step_id: 'd-3', status: 'sent', cancel_reason: null },
      { step_id: 'd+1', status: 'cancelled', cancel_reason: 'stop:dispute,hold' },
    ]);

    // The ledger verified the debt and lifted the debtor's dispute hold: our hold ends with it.
    await deliver(
      sut,
      'collections.ledger.v1.HoldChanged',
      {
        holdId: 'ledger-dispute-1',
        debtorId,
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        active: false,
        source: 'compliance',
        startsOn: '',
        endsOn: '',
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      debtorId,
    );
    expect(await disputeHolds(debtorId)).toEqual([expect.objectContaining({ active: false })]);
    // D+5: the cadence's WhatsApp goes.
    sut.clock.set(bogota('2026-03-17', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-17', 10));
    await dispatch();
    expect(channels.meta.sent.filter((m) => `+${m.to}` === phone)).toHaveLength(1);
  });

  it('"Je ne reconnais pas cette dette" holds the debtor at once, cancels their agent call and queues a review in French', async () => {
    const phone = '+573001119002';
    const accountId = await openColombianAccount(sut, debtors, 'contestation', {
      balanceMinor: 90_000_00,
      dueDate: DUE,
      points: { phone },
    });
    const debtorId = 'debtor-contestation';
    sut.clock.set(bogota('2026-03-10', 11));
    const sender = standInSmsSender(sut, twilio, OUR_NUMBER, { to: phone, accountId });
    await sender.send({ idempotencyKey: 'rem-contestation', tenantId: sut.tenant, to: phone, body: 'Rappel' });
    const call = await queueCall(accountId, 'escalation-contestation');

    expect(
      (await deliverWebhook(twilio.inbound(smsHook(), phone, OUR_NUMBER, 'Je ne reconnais pas cette dette'))).status,
    ).toBe(200);

    await disputeRecorded(accountId, debtorId);
    expect(
      (await published(sut, 'collections.orchestrator.v1.AgentTaskCancelled')).filter((e) => e.accountId === accountId),
    ).toEqual([
      expect.objectContaining({ taskId: call.id, cause: pb.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_HOLD }),
    ]);
    expect(await reviewsOf(accountId)).toEqual([
      expect.objectContaining({
        queue: 'replies',
        language: 'fr',
        reason: 'the debtor disputes the debt: verify it before any further contact',
      }),
    ]);
  });

  it('"Ya pagué, el resto lo pago el viernes" is a dispute of the amount owed, not a promise: the debtor is held, their planned SMS refused and their call cancelled, and the review asks the agent to look for the payment', async () => {
    const phone = '+573001119003';
    const accountId = await openColombianAccount(sut, debtors, 'ya-pague', {
      balanceMinor: 120_000_00,
      dueDate: DUE,
      points: { email: 'deudor-ya-pague@example.com', phone },
    });
    const debtorId = 'debtor-ya-pague';
    sut.clock.set(bogota('2026-03-09', 6));
    await dailyRun();
    sut.clock.set(bogota('2026-03-09', 9));
    await dispatch(); // the D-3 e-mail
    const smsStep = async () => (await schedule(accountId)).filter((s) => s.step_id === 'd+1');
    expect(await smsStep()).toEqual([{ step_id: 'd+1', status: 'pending', cancel_reason: null }]);
    sut.clock.set(bogota('2026-03-10', 11));
    const sender = standInSmsSender(sut, twilio, OUR_NUMBER, { to: phone, accountId });
    await sender.send({ idempotencyKey: 'rem-ya-pague', tenantId: sut.tenant, to: phone, body: 'Recordatorio' });
    const call = await queueCall(accountId, 'escalation-ya-pague');

    expect(
      (await deliverWebhook(twilio.inbound(smsHook(), phone, OUR_NUMBER, 'Ya pagué, el resto lo pago el viernes')))
        .status,
    ).toBe(200);

    const inbound = await disputeRecorded(accountId, debtorId);
    expect(
      (await published(sut, 'collections.orchestrator.v1.AgentTaskCancelled')).filter((e) => e.accountId === accountId),
    ).toEqual([
      expect.objectContaining({
        taskId: call.id,
        cause: pb.AgentTaskCancelCause.AGENT_TASK_CANCEL_CAUSE_HOLD,
        causedBy: `reply:sms:${inbound.provider_message_id}`,
      }),
    ]);
    expect(await reviewsOf(accountId)).toEqual([
      expect.objectContaining({
        queue: 'replies',
        language: 'es',
        reason:
          'the debtor says the debt is paid: look for the payment (bank remittances, the reconciliation review queue) and verify the debt before any further contact',
      }),
    ]);
    // The promise beside the claim is not taken: the debt is verified first.
    expect(
      (await published(sut, 'collections.orchestrator.v1.PaymentIntentExpressed')).filter(
        (e) => e.accountId === accountId,
      ),
    ).toEqual([]);

    // D+1, 10:00: the dispatcher stops the SMS the cadence planned, for the dispute, and sends nothing.
    sut.clock.set(bogota('2026-03-13', 10));
    await dispatch();
    expect(twilio.messages.filter((m) => m.to === phone && m.body !== 'Recordatorio')).toHaveLength(0);
    expect(await smsStep()).toEqual([{ step_id: 'd+1', status: 'cancelled', cancel_reason: 'stop:dispute,hold' }]);
  });

  it('a dispute from a number we never wrote to queues only its review: there is no debtor to hold', async () => {
    const holdsBefore = await q(`SELECT 1 FROM debtor_hold_state WHERE tenant_id = $1`, [sut.tenant]);
    await deliverWebhook(twilio.inbound(smsHook(), '+14155550199', OUR_NUMBER, 'I dispute this debt, it is not mine'));
    expect((await published(sut, 'collections.orchestrator.v1.DebtorReplied')).at(-1)).toMatchObject({
      accountId: '',
      intent: pb.ReplyIntent.REPLY_INTENT_DISPUTE,
    });
    expect((await published(sut, 'collections.orchestrator.v1.AgentTaskCreated')).at(-1)).toMatchObject({
      accountId: '',
      kind: pb.AgentTaskKind.AGENT_TASK_KIND_REVIEW_REPLY,
      language: 'en',
      reason: 'dispute from an address with no account: find the debtor and verify the debt before any further contact',
    });
    expect(await q(`SELECT 1 FROM debtor_hold_state WHERE tenant_id = $1`, [sut.tenant])).toHaveLength(
      holdsBefore.length,
    );
  });
});
