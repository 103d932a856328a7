import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDebtorErasure, ledger, orchestrator } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, columnsHolding, startServiceUnderTest } from '@collections/testing';
import { channelPii } from '../../src/channels/channel-pii';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { addressHash } from '../../src/dispatch/addresses';
import { LETTER_EXPORT, LetterExportUseCase, letterIdsIn } from '../../src/dispatch/usecases/letter-export.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { ledgerErasure, openColombianAccount } from '../support/accounts';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { deliver, published, startConsumers } from '../support/events';
import { deliverWebhook } from '../support/http-stand-in';
import { D3_REMINDER_EMAIL, colombianEarlyStage, putStrategies } from '../support/strategies';

/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);
const DUE = '2026-03-12';
const OUR_NUMBER = '+15550000001';

/** An e-mail at D-3, an SMS at D+1, a letter at D+4. */
const cadence = colombianEarlyStage('Early stage, negotiate', [
  D3_REMINDER_EMAIL,
  {
    id: 'd+1',
    channel: 'sms',
    template: 'overdue',
    offset: { from: 'due_date', days: 1 },
    preferredWindow: { from: '10:00', to: '13:00' },
  },
  {
    id: 'd+4',
    channel: 'letter',
    template: 'overdue',
    offset: { from: 'due_date', days: 4 },
    preferredWindow: { from: '10:00', to: '13:00' },
  },
]);

describe('a debtor the ledger erases (real PostgreSQL, SMTP server, provider stand-ins)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const letterDir = mkdtempSync(join(tmpdir(), 'debtor-erasure-'));
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const smsHook = () => `${sut.app.httpUrl}/webhooks/${sut.tenant}/sms`;

  /** Where in the service's database `needle` is held, in any letter case (`schema.table.column`). */
  const placesHolding = (needle: string) => columnsHolding(sut.dataSource, needle);

  /** The orchestrator's agent REST API with the tenant's key. */
  const rest = (method: string, path: string) =>
    fetch(`${sut.app.httpUrl}/v1/orchestrator/${path}`, { method, headers: { [API_KEY_HEADER]: sut.apiKey } });

  /** Debtor `debtor-<n>` (Colombian) with an e-mail, a phone and a postal address, and card account `acct-<n>`. */
  async function debtorWithAccount(n: string, phone: string) {
    const email = `deudor-${n}@example.com`;
    const postal = `Calle ${n.length}0 # 12-34, Barrio ${n}, Bogotá`;
    const accountId = await openColombianAccount(sut, debtors, n, {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { email, phone, postal },
    });
    const words = `Soy Ana ${n} Pérez, ¿me pueden llamar a este número?`;
    return { debtorId: `debtor-${n}`, accountId, email, phone, postal, words, name: `Ana ${n} Pérez` };
  }

  /**
   * Each debtor's cadence, with what they answer: e-mailed at D-3 and texted at D+1, the SMS
   * delivered, answered in the debtor's own words (a reply an agent reviews) and with BAJA (an
   * opt-out of SMS); then the letter at D+4, in that day's print file.
   */
  async function contactedAndHeardFrom(...accounts: { phone: string; words: string }[]) {
    const run = async (date: string, hour: number, job: () => Promise<unknown>) => {
      sut.clock.set(bogota(date, hour));
      await job();
    };
    const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
    await run('2026-03-09', 6, () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run());
    await run('2026-03-09', 9, dispatch);
    await run('2026-03-13', 10, dispatch);
    for (const { phone } of accounts) {
      const sms = channels.twilio.messages.find((m) => m.to === phone)!;
      expect((await deliverWebhook(channels.twilio.statusCallback(sms.sid, 'delivered', smsHook()))).status).toBe(200);
    }
    for (const { phone, words } of accounts) {
      expect((await deliverWebhook(channels.twilio.inbound(smsHook(), phone, OUR_NUMBER, words))).status).toBe(200);
      expect((await deliverWebhook(channels.twilio.inbound(smsHook(), phone, OUR_NUMBER, 'BAJA'))).status).toBe(200);
    }
    await run('2026-03-16', 10, dispatch);
    await run('2026-03-16', 17, () => sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT).run());
  }

  /** The day's print file (one for the tenant). */
  const letterFile = () => {
    const [name] = readdirSync(letterDir).filter((f) => f.endsWith('.csv'));
    return readFileSync(join(letterDir, name), 'utf8');
  };

  let erased: Awaited<ReturnType<typeof debtorWithAccount>>;
  let kept: Awaited<ReturnType<typeof debtorWithAccount>>;

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, JOB_TIMERS_OFF, { LETTER_EXPORT_TIME_ZONE: 'America/Bogota', LETTER_EXPORT_HOUR: '17' });
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      providers: channels.providers,
      letterExportDir: letterDir,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { 'early-negotiate': cadence });
    erased = await debtorWithAccount('olvido', '+573001119001');
    kept = await debtorWithAccount('sigue', '+573001119002');
    await contactedAndHeardFrom(erased, kept);
    expect(letterFile()).toContain(erased.postal);
    // The ledger erases the first debtor (ExportDebtor answers `erased` from then on) and says so.
    debtors.delete(erased.debtorId);
    await deliver(sut, 'collections.ledger.v1.DebtorUpserted', ledgerErasure(erased.debtorId), erased.debtorId);
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  it('takes the erased flag, or no time zone and no country from a ledger before the flag, as an erasure', () => {
    const upsert = ledger.DebtorUpserted.fromPartial({ debtorId: 'd-1', timeZone: 'UTC', country: 'CO' });
    expect(isDebtorErasure(ledgerErasure('d-1'))).toBe(true);
    expect(isDebtorErasure({ ...ledgerErasure('d-1'), erased: false })).toBe(true);
    expect(isDebtorErasure(upsert)).toBe(false);
    expect(isDebtorErasure({ ...upsert, country: '' })).toBe(false);
  });

  it("keeps no copy of the erased debtor's phone, e-mail, name or words, nor a hash of their addresses", async () => {
    const tenant = sut.tenant;
    expect({
      phone: await placesHolding(erased.phone),
      email: await placesHolding(erased.email),
      name: await placesHolding(erased.name),
      words: await placesHolding(erased.words),
      phoneHash: await placesHolding(addressHash(tenant, 'sms', erased.phone)),
      phoneKey: await placesHolding(channelPii().addressKey(tenant, 'sms', erased.phone)),
      emailKey: await placesHolding(channelPii().addressKey(tenant, 'email', erased.email)),
      whatsAppHash: await placesHolding(addressHash(tenant, 'whatsapp', erased.phone)),
      emailHash: await placesHolding(addressHash(tenant, 'email', erased.email)),
    }).toEqual({
      phone: [],
      email: [],
      name: [],
      words: [],
      phoneHash: [],
      phoneKey: [],
      emailKey: [],
      whatsAppHash: [],
      emailHash: [],
    });
  });

  it('leaves the other debtor of the tenant as they were', async () => {
    // Their phone is kept under its key (never in clear); their words encrypted, shown to the agent below.
    expect(await placesHolding(channelPii().addressKey(sut.tenant, 'sms', kept.phone))).toEqual([
      'orchestrator.channel_address.address_hash',
      'orchestrator.channel_delivery.recipient_hash',
      'orchestrator.channel_inbound.sender_hash',
      'orchestrator.channel_opt_out.address_hash',
      'orchestrator.contact_address_owner.address_hash',
    ]);
    expect(await placesHolding(kept.phone)).toEqual([]);
    expect(await placesHolding(kept.words)).toEqual([]);
    // Nor its plain hash, which anyone could compute for every phone number: its owner row is under its key.
    expect(await placesHolding(addressHash(sut.tenant, 'sms', kept.phone))).toEqual([]);
  });

  it('keeps that each contact and reply happened, when, and how it went, and still honours the opt-out', async () => {
    const contacts = await q<{ channel: string; status: string; sent_at: Date; delivered_at: Date | null }>(
      `SELECT channel, status, sent_at, delivered_at FROM contact_schedule WHERE tenant_id = $1 AND debtor_id = $2
        ORDER BY sent_at`,
      [sut.tenant, erased.debtorId],
    );
    expect(contacts).toEqual([
      { channel: 'email', status: 'sent', sent_at: bogota('2026-03-09', 9), delivered_at: null },
      { channel: 'sms', status: 'sent', sent_at: bogota('2026-03-13', 10), delivered_at: bogota('2026-03-13', 10) },
      { channel: 'letter', status: 'sent', sent_at: bogota('2026-03-16', 17), delivered_at: null },
    ]);
    expect(
      await q(
        `SELECT d.channel, d.status FROM channel_delivery d JOIN contact_schedule s
            ON s.tenant_id = d.tenant_id AND s.id::text = d.idempotency_key
          WHERE d.tenant_id = $1 AND s.debtor_id = $2 ORDER BY d.channel`,
        [sut.tenant, erased.debtorId],
      ),
    ).toEqual([
      { channel: 'email', status: 'queued' },
      { channel: 'sms', status: 'delivered' },
    ]);
    const sent = (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === erased.accountId,
    );
    expect(sent.map((e) => e.channel)).toEqual([
      orchestrator.Channel.CHANNEL_EMAIL,
      orchestrator.Channel.CHANNEL_SMS,
      orchestrator.Channel.CHANNEL_LETTER,
    ]);
    // The replies stay as facts (when, on which account, what they meant), without their words.
    expect(
      await q(
        `SELECT intent, opt_out, received_at FROM channel_inbound WHERE tenant_id = $1 AND account_id = $2
          ORDER BY intent`,
        [sut.tenant, erased.accountId],
      ),
    ).toEqual([
      { intent: 'opt-out', opt_out: true, received_at: bogota('2026-03-13', 10) },
      { intent: 'review', opt_out: false, received_at: bogota('2026-03-13', 10) },
    ]);
    expect(
      await q(`SELECT channel FROM debtor_channel_opt_out WHERE tenant_id = $1 AND debtor_id = $2`, [
        sut.tenant,
        erased.debtorId,
      ]),
    ).toEqual([{ channel: 'sms' }]);
  });

  it("shows the agent reviewing the erased debtor's reply that it was erased, not what it said", async () => {
    const answer = await rest('GET', 'agent-tasks?queue=replies');
    const { tasks } = (await answer.json()) as { tasks: { accountId: string; replyText: string }[] };
    expect(tasks.map((t) => [t.accountId, t.replyText]).sort()).toEqual([
      [erased.accountId, 'erased'],
      [kept.accountId, kept.words],
    ]);
  });

  it("takes the erased debtor's name, address and letter out of the print file, which still lists every letter sent", async () => {
    const file = letterFile();
    expect([erased.name, erased.postal].filter((v) => file.includes(v))).toEqual([]);
    expect([kept.name, kept.postal].filter((v) => file.includes(v))).toEqual([kept.name, kept.postal]);
    const letters = await q<{ id: string }>(
      `SELECT id::text FROM contact_schedule WHERE tenant_id = $1 AND channel = 'letter' ORDER BY id`,
      [sut.tenant],
    );
    expect(letters).toHaveLength(2);
    expect([...letterIdsIn(file)].sort()).toEqual(letters.map((l) => l.id));
  });

  it("records a late receipt of the erased debtor's SMS without bringing back a copy of their address", async () => {
    const sms = channels.twilio.messages.find((m) => m.to === erased.phone)!;
    expect((await deliverWebhook(channels.twilio.statusCallback(sms.sid, 'read', smsHook()))).status).toBe(200);
    expect(
      await q(
        `SELECT d.status FROM channel_delivery d JOIN contact_schedule s
            ON s.tenant_id = d.tenant_id AND s.id::text = d.idempotency_key
          WHERE d.tenant_id = $1 AND s.debtor_id = $2 AND d.channel = 'sms'`,
        [sut.tenant, erased.debtorId],
      ),
    ).toEqual([{ status: 'read' }]);
    expect(await placesHolding(erased.phone)).toEqual([]);
    expect(
      await q(`SELECT channel FROM channel_address WHERE tenant_id = $1 AND address_hash = 'erased'`, [sut.tenant]),
    ).toEqual([]);
  });
});
