import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { PgSubmissionLog } from '../../src/channels/email/email-submissions';
import { ChannelProvider } from '../../src/channels/domain';
import { DispatchDependencies, DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { JOB_TIMERS_OFF, testDispatchDeps } from '../support/dispatch-deps';
import { openColombianAccount } from '../support/accounts';
import { deliver, published, startConsumers } from '../support/events';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { putStrategies } from '../support/strategies';

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number, minute = 0) =>
  new Date(
    Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)), hour + 5, minute),
  );
const DUE = '2026-03-12'; // a Thursday: D-3 is Monday 9 March

/** A first contact at D-3, 10:00–13:00 in Bogotá: WhatsApp for balances from 200,000 COP, e-mail below. */
const firstContact = (name: string, channel: string, balanceMinor: { min?: number; max?: number }, priority: number) =>
  ({
    name,
    priority,
    entry: { segments: ['negotiate'], balanceMinor, jurisdictions: ['CO'] },
    arms: [
      {
        id: 'champion',
        weight: 100,
        steps: [
          {
            id: 'd-3',
            channel,
            template: 'reminder',
            offset: { from: 'due_date', days: -3 },
            preferredWindow: { from: '10:00', to: '13:00' },
          },
        ],
      },
    ],
    stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
  }) as StrategyDocument;

/**
 * A process died between claiming a contact (`sending`) and its provider's answer; the restarted
 * process takes the row up (`reconcile`). What came between the two — the hour, a hold, a payment
 * in full — is asked again before anything goes, unless the provider has the send on record.
 */
describe('a contact left sending by a process that died, taken up again under the contact law of the moment (real PostgreSQL, SMTP server, WhatsApp stand-in)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const closers: (() => void)[] = [];
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const row = async (accountId: string) =>
    (
      await q<{ id: string; status: string; due_at: Date; cancel_reason: string | null; decision_id: string }>(
        `SELECT id, status, due_at, cancel_reason, decision_id FROM contact_schedule WHERE account_id = $1 AND step_id = 'd-3'`,
        [accountId],
      )
    )[0];
  const whatsAppsTo = (phone: string) =>
    channels.meta.sent.filter((m) => m.to.replace(/\D/g, '') === phone.replace(/\D/g, ''));
  const sentFor = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter((e) => e.accountId === accountId);

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({
      directory,
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, {
      whatsapp: firstContact('WhatsApp first', 'whatsapp', { min: 200_000_00 }, 1),
      email: firstContact('E-mail first', 'email', { max: 199_999_99 }, 2),
    });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    for (const close of closers) close();
    await channels?.close();
    process.env = saved;
  });

  /** Debtor `debtor-<n>`'s account, planned on Monday 9 March at 06:00 in Bogotá. */
  async function openAccount(n: string, balanceMinor: number, points: { phone?: string; email?: string }) {
    const accountId = await openColombianAccount(sut, debtors, n, { balanceMinor, dueDate: DUE, points });
    sut.clock.set(bogota('2026-03-09', 6));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
    return accountId;
  }

  /** A dispatcher of this service, as a process builds it, with the service's providers (`extra` overrides). */
  const dispatcher = (extra: Partial<DispatchDependencies> = {}) =>
    new DispatchDueContactsUseCase(sut.context, new PlannerRepository(), sut.app.app.get(PlanAccountUseCase), {
      ...testDispatchDeps(directory),
      providers: channels.providers,
      ...extra,
    });

  /**
   * At Monday 10:00 a process claims the account's WhatsApp reminder and dies as it calls the
   * provider: the request never leaves (its send never returns), the row stays `sending`.
   */
  async function dieSendingWhatsApp(accountId: string): Promise<string> {
    sut.clock.set(bogota('2026-03-09', 10));
    let called = false;
    const dying: ChannelProvider = {
      channel: 'whatsapp',
      send: () => {
        called = true;
        return new Promise(() => undefined);
      },
      verifySignature: () => false,
      parseWebhook: () => [],
    };
    void dispatcher({ providers: { ...channels.providers, whatsapp: dying } }).run();
    await waitFor(() => called, { message: 'the dying process called its WhatsApp provider' });
    const left = await row(accountId);
    expect(left.status).toBe('sending');
    return left.id;
  }

  const decision = async (id: string) =>
    (
      await q<{ allowed: boolean; reasons: string[]; decided_at: Date }>(
        `SELECT allowed, reasons, decided_at FROM contact_decision WHERE id = $1`,
        [id],
      )
    )[0];

  it('does not send at night what a process left sending in the day: it waits for the next lawful hour, then goes once', async () => {
    const phone = '+573001130001';
    const accountId = await openAccount('resume-night', 250_000_00, { phone });
    const id = await dieSendingWhatsApp(accountId);

    // Restarted at 19:30 on Monday: Colombian law allows 07:00–19:00 on weekdays.
    sut.clock.set(bogota('2026-03-09', 19, 30));
    const restarted = dispatcher();
    expect(await restarted.reconcile()).toMatchObject({ deferred: 1, sent: 0 });
    expect(whatsAppsTo(phone)).toEqual([]);
    const waiting = await row(accountId);
    expect(waiting).toMatchObject({ id, status: 'sending', due_at: bogota('2026-03-10', 7) });
    expect(await decision(waiting.decision_id)).toEqual({
      allowed: false,
      reasons: [expect.stringMatching(/^CO-HOURS/)],
      decided_at: bogota('2026-03-09', 19, 30),
    });

    // Not before 07:00 on Tuesday; at 07:00 it goes, under the same key, once.
    sut.clock.set(bogota('2026-03-10', 6, 59));
    expect(await restarted.reconcile()).toMatchObject({ sent: 0, deferred: 0 });
    expect(whatsAppsTo(phone)).toEqual([]);
    sut.clock.set(bogota('2026-03-10', 7));
    expect(await restarted.reconcile()).toMatchObject({ sent: 1 });
    expect(await restarted.reconcile()).toMatchObject({ sent: 0 });
    expect(whatsAppsTo(phone)).toHaveLength(1);
    expect(await row(accountId)).toMatchObject({ id, status: 'sent' });
    // Its ContactSent carries the decision it went out under: allowed, at 07:00 on Tuesday.
    const [sent] = await sentFor(accountId);
    expect(sent).toMatchObject({ scheduleId: id, sentAt: bogota('2026-03-10', 7) });
    expect(await decision(sent.decisionId)).toEqual({
      allowed: true,
      reasons: [],
      decided_at: bogota('2026-03-10', 7),
    });
  });

  it('withdraws what a process left sending once the debtor is under a hold, or the account paid in full: nothing goes', async () => {
    const stops = [
      {
        n: 'resume-hold',
        phone: '+573001130002',
        reason: 'stop:hold:dispute',
        stop: (accountId: string) =>
          deliver(
            sut,
            'collections.ledger.v1.HoldChanged',
            {
              holdId: 'dispute-resume',
              debtorId: 'debtor-resume-hold',
              kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
              active: true,
              source: 'ledger',
              startsOn: '',
              endsOn: '',
              bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
            },
            'debtor-resume-hold',
          ).then(() => accountId),
      },
      {
        n: 'resume-paid',
        phone: '+573001130003',
        reason: 'stop:payment',
        stop: (accountId: string) =>
          deliver(sut, 'collections.ledger.v1.PaymentPosted', {
            paymentId: 'pay-resume-paid',
            accountId,
            amount: COP(250_000_00),
            balanceAfter: COP(0),
            postedAt: sut.clock.now(),
            reference: 'PSE',
            effectiveDate: '',
          }).then(() => accountId),
      },
    ];
    for (const { n, phone, reason, stop } of stops) {
      const accountId = await openAccount(n, 250_000_00, { phone });
      const id = await dieSendingWhatsApp(accountId);
      sut.clock.set(bogota('2026-03-09', 10, 5));
      await stop(accountId);
      expect((await row(accountId)).status).toBe('sending'); // the consumer leaves a row being sent to finish

      sut.clock.set(bogota('2026-03-09', 10, 10));
      expect(await dispatcher().reconcile()).toMatchObject({ sent: 0, failed: 0, skipped: 1 });
      expect(await row(accountId)).toMatchObject({ id, status: 'cancelled', cancel_reason: reason });
      expect(whatsAppsTo(phone)).toEqual([]);
      expect(await sentFor(accountId)).toEqual([]);
      // Nothing is left for a later run either.
      sut.clock.set(bogota('2026-03-10', 10));
      expect(await dispatcher().reconcile()).toMatchObject({ sent: 0, skipped: 0 });
      expect(whatsAppsTo(phone)).toEqual([]);
    }
  });

  it('records as sent an e-mail whose submission is on record, hold or not: the server may have it', async () => {
    const email = 'deudor-resume-mail@example.com';
    const accountId = await openAccount('resume-mail', 150_000_00, { email });
    sut.clock.set(bogota('2026-03-09', 10));
    // This process "dies" once it has recorded the submission it began, before the server hears
    // from it: nothing reaches the server, so a message there could only be a second send.
    // (Dying later, inside the SMTP transaction, let its own message reach the server before the
    // last assertion, at random.)
    const log = new PgSubmissionLog(sut.dataSource, () => sut.clock.now());
    const never = () => new Promise<never>(() => undefined);
    const dying = channels.smtp.provider({
      submissions: {
        begin: async (...a) => {
          await log.begin(...a);
          return never();
        },
        abandon: never,
        accepted: never,
      },
    });
    closers.push(() => dying.close());
    void dispatcher({ providers: { ...channels.providers, email: dying } }).run();
    const { id } = await waitFor(
      async () => {
        const left = await row(accountId);
        const begun = left && (await q(`SELECT 1 FROM email_submission WHERE idempotency_key = $1`, [left.id]));
        return begun?.length ? left : undefined;
      },
      { message: 'the dying process began the e-mail submission' },
    );
    await deliver(
      sut,
      'collections.ledger.v1.HoldChanged',
      {
        holdId: 'dispute-resume-mail',
        debtorId: 'debtor-resume-mail',
        kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
        active: true,
        source: 'ledger',
        startsOn: '',
        endsOn: '',
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      'debtor-resume-mail',
    );

    expect(await dispatcher().reconcile()).toMatchObject({ sent: 1, skipped: 0 });
    expect(await row(accountId)).toMatchObject({ id, status: 'sent' });
    expect((await sentFor(accountId)).map((e) => e.scheduleId)).toEqual([id]);
    expect(channels.smtp.received().filter((m) => m.to.includes(email))).toEqual([]);
  });
});
