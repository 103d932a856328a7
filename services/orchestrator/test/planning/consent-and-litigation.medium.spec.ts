import { ledger, orchestrator } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ContactDirectory } from '../../src/dispatch/contact-directory';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { Channel, Jurisdiction } from '../../src/policy/domain';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { deliver, published, startConsumers } from '../support/events';
import { openedAccountFacts, scoredFact } from '../support/planner-facts';
import { ALL_STOPS, putStrategies } from '../support/strategies';

const DUE = '2026-03-12'; // a Thursday
/** 17:00 UTC: 12:00 in Bogotá, 13:00 in New York, 14:00 in Santiago — inside every pack's hours. */
const midday = (date: string) => new Date(`${date}T17:00:00Z`);

/** SMS the day after the due date, WhatsApp on the Monday after, a call on the Tuesday. */
const cadence = (jurisdiction: Jurisdiction): StrategyDocument => ({
  name: `Overdue ${jurisdiction}`,
  priority: 1,
  entry: { segments: ['negotiate'], daysPastDue: { min: -5, max: 60 }, jurisdictions: [jurisdiction] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        ['d+1', 'sms', 1],
        ['d+4', 'whatsapp', 4],
        ['d+5', 'call', 5],
      ].map(([id, channel, days]) => ({
        id: id as string,
        channel: channel as Channel,
        template: 'overdue',
        offset: { from: 'due_date' as const, days: days as number },
        preferredWindow: { from: '09:00', to: '18:00' },
      })),
    },
  ],
  stopConditions: ALL_STOPS,
});

const ZONES: Record<string, string> = { CO: 'America/Bogota', US: 'America/New_York', CL: 'America/Santiago' };
const ALL_PHONE_CHANNELS = ['call', 'sms', 'whatsapp'];

/**
 * Colombia contacts a debtor only on the channels they authorised (Ley 2300 de 2023): none on
 * record is none authorised. Chile stops collection contact the moment the debtor is served in a
 * collection suit (art. 37 Ley 19.496), told by the ledger as a litigation hold.
 */
describe('consent on record and litigation holds, planned and dispatched (real PostgreSQL, provider stand-ins)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };
  /** Runs once, the next time the dispatcher asks the ledger for a debtor's addresses, before it answers. */
  let atNextLookup: ((debtorId: string) => Promise<void>) | undefined;
  const ledgerDirectory = directoryOf(debtors);
  const directory: ContactDirectory = {
    addressesOf: async (tenantId, debtorId) => {
      const hook = atNextLookup;
      atNextLookup = undefined;
      await hook?.(debtorId);
      return ledgerDirectory.addressesOf(tenantId, debtorId);
    },
    close: () => undefined,
  };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  /** The daily run and the dispatcher at midday on each day, in turn. */
  const daysPass = async (...dates: string[]) => {
    for (const date of dates) {
      sut.clock.set(midday(date));
      await dailyRun();
      await dispatch();
    }
  };
  const planned = (accountId: string) =>
    q<{ channel: string; status: string; cancel_reason: string | null }>(
      `SELECT channel, status, cancel_reason FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at, due_at`,
      [sut.tenant, accountId],
    );
  const sentChannels = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.ContactSent'))
      .filter((e) => e.accountId === accountId)
      .map((e) => e.channel);
  const smsTo = (phone: string) => channels.twilio.messages.filter((m) => m.to === phone).length;
  const whatsAppTo = (phone: string) => channels.meta.sent.filter((m) => `+${m.to}` === phone || m.to === phone).length;
  /** The contact law's refusals recorded for the account: channel and first reason. */
  const refusals = async (accountId: string) =>
    (
      await q<{ channel: orchestrator.Channel; reason: string }>(
        `SELECT DISTINCT channel, reasons[1] AS reason FROM contact_decision
          WHERE tenant_id = $1 AND account_id = $2 AND NOT allowed ORDER BY channel`,
        [sut.tenant, accountId],
      )
    ).filter((d) => !d.reason.startsWith('no-strategy'));

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({
      directory,
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { co: cadence('CO'), us: cadence('US'), cl: cadence('CL') });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /**
   * Debtor `debtor-<n>` of `country` with a phone whose recorded consents are `consent` (the
   * ledger's contact point and its DebtorUpserted agree), and card account `acct-<n>` due on DUE.
   */
  async function openAccount(n: string, country: string, phone: string, consent: string[]): Promise<string> {
    const accountId = `acct-${n}`;
    const debtorId = `debtor-${n}`;
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: `Ana ${n} Pérez`,
      nationalId: '',
      contactPoints: [{ type: 'phone', value: phone, verified: true, consentedChannels: consent }],
      timeZone: ZONES[country],
      language: 'es',
      country,
      region: '',
    });
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    for (const fact of [
      ...openedAccountFacts(accountId, debtorId, { externalRef: `TC-${n}`, dueDate: DUE }),
      scoredFact(accountId, 250_000_00, sut.clock.now(), -10),
    ]) {
      const payload =
        fact.type === 'collections.ledger.v1.DebtorUpserted'
          ? { ...fact.payload, country, timeZone: ZONES[country], consentedChannels: consent }
          : fact.payload;
      await deliver(sut, fact.type, payload as never, fact.key);
    }
    return accountId;
  }

  it('contacts a Colombian debtor with no consent on record on no channel, and says why', async () => {
    const phone = '+573001230001';
    const accountId = await openAccount('co-none', 'CO', phone, []);
    await daysPass('2026-03-09', '2026-03-13', '2026-03-16', '2026-03-17');

    expect(await planned(accountId)).toEqual([]);
    expect(await sentChannels(accountId)).toEqual([]);
    expect([smsTo(phone), whatsAppTo(phone)]).toEqual([0, 0]);
    const noConsent = expect.stringMatching(
      /^CO-AUTHORISED-CHANNELS: .*no channel authorised by the debtor on record$/,
    ) as unknown as string;
    expect(await refusals(accountId)).toEqual([
      { channel: orchestrator.Channel.CHANNEL_CALL, reason: noConsent },
      { channel: orchestrator.Channel.CHANNEL_SMS, reason: noConsent },
      { channel: orchestrator.Channel.CHANNEL_WHATSAPP, reason: noConsent },
    ]);
  });

  it('contacts a Colombian debtor who authorised SMS only by SMS, and neither WhatsApp nor a call', async () => {
    const phone = '+573001230002';
    const accountId = await openAccount('co-sms', 'CO', phone, ['sms']);
    await daysPass('2026-03-09', '2026-03-13', '2026-03-16', '2026-03-17');

    expect(await sentChannels(accountId)).toEqual([orchestrator.Channel.CHANNEL_SMS]);
    expect([smsTo(phone), whatsAppTo(phone)]).toEqual([1, 0]);
    expect((await planned(accountId)).map((r) => r.channel)).toEqual(['sms']);
    expect(await refusals(accountId)).toEqual([
      {
        channel: orchestrator.Channel.CHANNEL_CALL,
        reason: expect.stringMatching(/^CO-AUTHORISED-CHANNELS: .*call is not among .*\(sms\)$/),
      },
      {
        channel: orchestrator.Channel.CHANNEL_WHATSAPP,
        reason: expect.stringMatching(/^CO-AUTHORISED-CHANNELS: .*whatsapp is not among .*\(sms\)$/),
      },
    ]);
  });

  it('contacts a US debtor with no consent on record as before: Regulation F asks for none', async () => {
    const phone = '+12125550003';
    const accountId = await openAccount('us-none', 'US', phone, []);
    await daysPass('2026-03-09', '2026-03-13', '2026-03-16');

    expect(await sentChannels(accountId)).toEqual([
      orchestrator.Channel.CHANNEL_SMS,
      orchestrator.Channel.CHANNEL_WHATSAPP,
    ]);
    expect([smsTo(phone), whatsAppTo(phone)]).toEqual([1, 1]);
    expect(await refusals(accountId)).toEqual([]);
  });

  it('stops contacting a Chilean debtor served in a collection suit, and contacts them again once the hold is lifted', async () => {
    const phone = '+56912340004';
    const debtorId = 'debtor-cl-sued';
    const accountId = await openAccount('cl-sued', 'CL', phone, ALL_PHONE_CHANNELS);
    sut.clock.set(midday('2026-03-09'));
    await dailyRun();
    expect(await planned(accountId)).toEqual([{ channel: 'sms', status: 'pending', cancel_reason: null }]);

    // The ledger's HoldChanged for a litigation hold placed through its API (services/ledger SetHold).
    const hold = {
      holdId: 'a3c1d7e2-0000-4000-8000-000000000004',
      debtorId,
      kind: ledger.HoldKind.HOLD_KIND_LITIGATION,
      active: true,
      source: 'court',
      startsOn: '2026-03-10',
      endsOn: '',
      bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
    };
    sut.clock.set(midday('2026-03-10'));
    await deliver(sut, 'collections.ledger.v1.HoldChanged', hold, debtorId);
    expect(await planned(accountId)).toEqual([{ channel: 'sms', status: 'cancelled', cancel_reason: 'stop:hold' }]);
    await daysPass('2026-03-13');
    expect(await sentChannels(accountId)).toEqual([]);
    expect(smsTo(phone)).toBe(0);

    // The hold lifted on Friday: the next step of the cadence, Monday's WhatsApp, goes out.
    await deliver(sut, 'collections.ledger.v1.HoldChanged', { ...hold, active: false }, debtorId);
    await daysPass('2026-03-16');
    expect(await sentChannels(accountId)).toEqual([orchestrator.Channel.CHANNEL_WHATSAPP]);
    expect([smsTo(phone), whatsAppTo(phone)]).toEqual([0, 1]);
  });

  it('sends no SMS whose consent the debtor withdrew between the contact law’s yes and the send', async () => {
    const phone = '+573001230005';
    const accountId = await openAccount('co-withdrawn', 'CO', phone, ['sms']);
    sut.clock.set(midday('2026-03-09'));
    await dailyRun();
    expect(await planned(accountId)).toEqual([{ channel: 'sms', status: 'pending', cancel_reason: null }]);

    // The SMS is due and allowed; as the dispatcher asks the ledger for the phone, the debtor has
    // withdrawn the SMS consent there, and the ConsentChanged is consumed: neither lists SMS now.
    atNextLookup = async (debtorId) => {
      debtors.get(debtorId)!.contactPoints[0].consentedChannels = [];
      await deliver(
        sut,
        'collections.ledger.v1.ConsentChanged',
        { debtorId, channel: 'sms', granted: false, consentedChannels: [] },
        debtorId,
      );
    };
    sut.clock.set(midday('2026-03-13'));
    await dispatch();
    sut.clock.set(new Date(midday('2026-03-13').getTime() + 60_000));
    await dispatch();
    await daysPass('2026-03-16', '2026-03-17');

    expect(atNextLookup).toBeUndefined();
    expect(await sentChannels(accountId)).toEqual([]);
    expect(smsTo(phone)).toBe(0);
    // Asked again, the contact law refuses the SMS for good: the debtor revoked it (and it was the only one).
    expect((await refusals(accountId)).map((r) => [r.channel, r.reason])).toContainEqual([
      orchestrator.Channel.CHANNEL_SMS,
      expect.stringMatching(/^CO-OPT-OUT: .*the debtor opted out of sms$/),
    ]);
  });
});
