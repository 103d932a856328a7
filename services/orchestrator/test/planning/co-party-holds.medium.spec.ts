import { ledger, orchestrator } from '@collections/contracts';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
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
/** 17:00 UTC: 12:00 in Bogotá, 13:00 in New York — inside both packs' hours. */
const midday = (date: string) => new Date(`${date}T17:00:00Z`);
const ZONES: Record<string, string> = { CO: 'America/Bogota', US: 'America/New_York' };

/** SMS the day after the due date, WhatsApp on the Monday after; stopping as `stopConditions` say. */
const cadence = (jurisdiction: Jurisdiction, stopConditions = ALL_STOPS): StrategyDocument => ({
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
      ].map(([id, channel, days]) => ({
        id: id as string,
        channel: channel as Channel,
        template: 'overdue',
        offset: { from: 'due_date' as const, days: days as number },
        preferredWindow: { from: '09:00', to: '18:00' },
      })),
    },
  ],
  stopConditions,
});

/**
 * A co-obligor's (or guarantor's) dispute of a shared account's debt stops its collection from
 * every party (FDCPA §1692g(b)), and in the US a co-party's chapter 12 or 13 bankruptcy too (the
 * co-debtor stays, 11 U.S.C. 1201 and 1301; one of no chapter on record is read as one), not a
 * chapter 7 or 11 one; their personal holds (a cease-communication) stay their own. The primary's
 * accounts the co-party is not on are contacted as before.
 */
describe('holds of a co-obligor on a shared account, planned and dispatched (real PostgreSQL, provider stand-ins)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
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
  const pending = async (accountId: string) =>
    (await planned(accountId)).filter((r) => r.status === 'pending').map((r) => r.channel);
  const sentChannels = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.ContactSent'))
      .filter((e) => e.accountId === accountId)
      .map((e) => e.channel);
  const SMS = orchestrator.Channel.CHANNEL_SMS;
  const WHATSAPP = orchestrator.Channel.CHANNEL_WHATSAPP;

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    // Colombia's strategy stops on no hold: there the contact law itself answers for the holds.
    await putStrategies(sut, {
      us: cadence('US'),
      co: cadence('CO', ['payment', 'promise', 'opt_out']),
    });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /** Debtor `debtorId` of `country`, with a phone the ledger lists and every channel consented. */
  async function debtor(debtorId: string, country: string, phone: string): Promise<void> {
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: `Ana ${debtorId}`,
      nationalId: '',
      contactPoints: [{ type: 'phone', value: phone, verified: true, consentedChannels: ['sms', 'whatsapp', 'call'] }],
      timeZone: ZONES[country],
      language: 'es',
      country,
      region: '',
    });
  }

  /** Card account `accountId` due on DUE, its first party the primary, the others co-obligors (or `role`). */
  async function openAccount(
    accountId: string,
    country: string,
    primary: string,
    coObligors: string[] = [],
    role = ledger.DebtorRole.DEBTOR_ROLE_CO_OBLIGOR,
  ) {
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    for (const fact of [
      ...openedAccountFacts(accountId, primary, { externalRef: `TC-${accountId}`, dueDate: DUE }),
      scoredFact(accountId, 250_000_00, sut.clock.now(), -10),
    ]) {
      let payload: unknown = fact.payload;
      if (fact.type === 'collections.ledger.v1.DebtorUpserted')
        payload = { ...fact.payload, country, timeZone: ZONES[country] };
      if (fact.type === 'collections.ledger.v1.AccountOpened')
        payload = {
          ...fact.payload,
          debtors: [
            { debtorId: primary, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY },
            ...coObligors.map((debtorId) => ({ debtorId, role })),
          ],
        };
      await deliver(sut, fact.type, payload as never, fact.key);
    }
    for (const debtorId of coObligors) {
      const d = debtors.get(debtorId)!;
      await deliver(
        sut,
        'collections.ledger.v1.DebtorUpserted',
        {
          debtorId,
          timeZone: d.timeZone,
          language: d.language,
          country: d.country,
          region: '',
          consentedChannels: ['sms', 'whatsapp', 'call'],
          erased: false,
        },
        debtorId,
      );
    }
  }

  /**
   * The primary `n` with a shared account (`acct-<n>-shared`, with co-obligor — or `role` — `co-<n>`)
   * and an account of their own (`acct-<n>-own`), both sent the cadence's first SMS on Friday 13 March.
   */
  async function primaryContactedOnBoth(
    n: string,
    country: string,
    phones: [string, string],
    role = ledger.DebtorRole.DEBTOR_ROLE_CO_OBLIGOR,
  ) {
    const primary = `debtor-${n}`;
    const coObligor = `co-${n}`;
    await debtor(primary, country, phones[0]);
    await debtor(coObligor, country, phones[1]);
    const shared = `acct-${n}-shared`;
    const own = `acct-${n}-own`;
    await openAccount(shared, country, primary, [coObligor], role);
    await openAccount(own, country, primary);
    await daysPass('2026-03-13');
    expect([await sentChannels(shared), await sentChannels(own)]).toEqual([[SMS], [SMS]]);
    expect([await pending(shared), await pending(own)]).toEqual([['whatsapp'], ['whatsapp']]);
    return { coObligor, shared, own };
  }

  const UNSPECIFIED = ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED;
  const hold = (debtorId: string, kind: ledger.HoldKind, active = true, bankruptcyChapter = UNSPECIFIED) => ({
    holdId: `hold-${debtorId}-${kind}`,
    debtorId,
    kind,
    active,
    source: 'ledger',
    startsOn: '2026-03-13',
    endsOn: '',
    bankruptcyChapter,
  });
  const setHold = (debtorId: string, kind: ledger.HoldKind, active = true, chapter = UNSPECIFIED) =>
    deliver(sut, 'collections.ledger.v1.HoldChanged', hold(debtorId, kind, active, chapter), debtorId);
  const BANKRUPTCY = ledger.HoldKind.HOLD_KIND_BANKRUPTCY;
  const GUARANTOR = ledger.DebtorRole.DEBTOR_ROLE_GUARANTOR;

  it('stops collecting a shared US account from its primary once the co-obligor disputes it, and not the primary’s own account', async () => {
    const { coObligor, shared, own } = await primaryContactedOnBoth('us-dispute', 'US', [
      '+12125550101',
      '+12125550102',
    ]);

    // As the primary's own dispute would: the strategy's dispute and hold stops both apply.
    await setHold(coObligor, ledger.HoldKind.HOLD_KIND_DISPUTE);
    expect((await planned(shared)).at(-1)).toEqual({
      channel: 'whatsapp',
      status: 'cancelled',
      cancel_reason: 'stop:dispute,hold',
    });
    expect(await pending(own)).toEqual(['whatsapp']);

    await daysPass('2026-03-14', '2026-03-16');
    expect(await pending(shared)).toEqual([]);
    expect(await sentChannels(shared)).toEqual([SMS]);
    expect(await sentChannels(own)).toEqual([SMS, WHATSAPP]);
  });

  it('stops collecting a shared US account once the co-obligor is in bankruptcy, and resumes when the hold is lifted', async () => {
    const { coObligor, shared, own } = await primaryContactedOnBoth('us-bankrupt', 'US', [
      '+12125550201',
      '+12125550202',
    ]);

    await setHold(coObligor, ledger.HoldKind.HOLD_KIND_BANKRUPTCY);
    expect((await planned(shared)).at(-1)).toEqual({
      channel: 'whatsapp',
      status: 'cancelled',
      cancel_reason: 'stop:hold',
    });
    expect(await pending(own)).toEqual(['whatsapp']);
    await daysPass('2026-03-14');
    expect(await pending(shared)).toEqual([]);

    // Lifted on Saturday: Monday's WhatsApp goes out on the shared account too.
    sut.clock.set(new Date('2026-03-14T18:00:00Z'));
    await setHold(coObligor, ledger.HoldKind.HOLD_KIND_BANKRUPTCY, false);
    expect(await pending(shared)).toEqual(['whatsapp']);
    await daysPass('2026-03-16');
    expect(await sentChannels(shared)).toEqual([SMS, WHATSAPP]);
    expect(await sentChannels(own)).toEqual([SMS, WHATSAPP]);
  });

  it.each([
    ['7', ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_7],
    ['11', ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_11],
  ])(
    'keeps collecting a shared US account from its primary while the guarantor is in a chapter %s bankruptcy (its stay protects the guarantor alone)',
    async (name, chapter) => {
      const { coObligor: guarantor, shared } = await primaryContactedOnBoth(
        `us-ch${name}`,
        'US',
        [`+121255504${name.padStart(2, '0')}`, `+121255505${name.padStart(2, '0')}`],
        GUARANTOR,
      );

      await setHold(guarantor, BANKRUPTCY, true, chapter);
      expect(await pending(shared)).toEqual(['whatsapp']);
      await daysPass('2026-03-16');
      expect(await sentChannels(shared)).toEqual([SMS, WHATSAPP]);
    },
  );

  it.each([
    ['chapter 12', ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_12],
    ['chapter 13', ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_13],
    ['no chapter on record', UNSPECIFIED],
  ])(
    'stops collecting a shared US account from its primary while the guarantor is in bankruptcy of %s (the co-debtor stay), not the primary’s own account',
    async (name, chapter) => {
      const n = name.replace(/\D/g, '') || '00';
      const {
        coObligor: guarantor,
        shared,
        own,
      } = await primaryContactedOnBoth(`us-stay-${n}`, 'US', [`+121255506${n}`, `+121255507${n}`], GUARANTOR);

      await setHold(guarantor, BANKRUPTCY, true, chapter);
      expect((await planned(shared)).at(-1)).toEqual({
        channel: 'whatsapp',
        status: 'cancelled',
        cancel_reason: 'stop:hold',
      });
      await daysPass('2026-03-16');
      expect(await pending(shared)).toEqual([]);
      expect(await sentChannels(shared)).toEqual([SMS]);
      expect(await sentChannels(own)).toEqual([SMS, WHATSAPP]);
    },
  );

  it('stops collecting a shared US account while the guarantor’s bankruptcy names a chapter this service does not know, and warns the operator once', async () => {
    const {
      coObligor: guarantor,
      shared,
      own,
    } = await primaryContactedOnBoth('us-ch-unknown', 'US', ['+12125550901', '+12125550902'], GUARANTOR);
    // Chapter 7 first: its stay protects the guarantor alone, the shared account is collected.
    await setHold(guarantor, BANKRUPTCY, true, ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_7);
    expect(await pending(shared)).toEqual(['whatsapp']);
    const warnings: unknown[][] = [];
    const warn = jest.spyOn(sut.context.logger, 'warn').mockImplementation(((...args: unknown[]) => {
      warnings.push(args);
    }) as never);

    // A newer ledger's chapter 15: read as none on record (which stays the co-debtors), not as chapter 7.
    try {
      await setHold(guarantor, BANKRUPTCY, true, 15 as ledger.BankruptcyChapter);
    } finally {
      warn.mockRestore();
    }
    expect((await planned(shared)).at(-1)).toEqual({
      channel: 'whatsapp',
      status: 'cancelled',
      cancel_reason: 'stop:hold',
    });
    const unknownChapter = warnings.filter(([fields]) => (fields as { bankruptcyChapter?: number }).bankruptcyChapter);
    expect(unknownChapter).toEqual([
      [
        expect.objectContaining({
          tenantId: sut.tenant,
          holdId: hold(guarantor, BANKRUPTCY).holdId,
          bankruptcyChapter: 15,
        }),
        expect.stringContaining('does not know'),
      ],
    ]);
    expect(JSON.stringify(unknownChapter)).not.toMatch(/Ana|\+1212/);

    await daysPass('2026-03-16');
    expect(await sentChannels(shared)).toEqual([SMS]);
    expect(await sentChannels(own)).toEqual([SMS, WHATSAPP]);
  });

  it('stops collecting from a US debtor in their own chapter 7 bankruptcy, on the shared account and their own', async () => {
    const { shared, own } = await primaryContactedOnBoth('us-own-ch7', 'US', ['+12125550801', '+12125550802']);

    await setHold('debtor-us-own-ch7', BANKRUPTCY, true, ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_7);
    for (const account of [shared, own])
      expect((await planned(account)).at(-1)).toEqual({
        channel: 'whatsapp',
        status: 'cancelled',
        cancel_reason: 'stop:hold',
      });
    await daysPass('2026-03-16');
    expect([await sentChannels(shared), await sentChannels(own)]).toEqual([[SMS], [SMS]]);
  });

  it('keeps contacting the primary of a shared account whose co-obligor asked collectors to stop communicating with them', async () => {
    const { coObligor, shared } = await primaryContactedOnBoth('us-cease', 'US', ['+12125550301', '+12125550302']);

    await setHold(coObligor, ledger.HoldKind.HOLD_KIND_CEASE_COMMUNICATION);
    expect(await pending(shared)).toEqual(['whatsapp']);
    await daysPass('2026-03-16');
    expect(await sentChannels(shared)).toEqual([SMS, WHATSAPP]);
  });

  it('records the contact law’s refusal of a Colombian shared account under a co-obligor’s dispute, with its rule, and counts it', async () => {
    const { coObligor, shared, own } = await primaryContactedOnBoth('co-dispute', 'CO', [
      '+573001110001',
      '+573001110002',
    ]);
    const counted = async () =>
      (await scrapeSeries(sut.app.httpUrl, 'collections_contact_refusals_total', ['channel', 'rule', 'outcome']))[
        'whatsapp hold refused'
      ] ?? 0;
    const before = await counted();

    await setHold(coObligor, ledger.HoldKind.HOLD_KIND_DISPUTE);
    expect(await pending(shared)).toEqual([]);
    const refusals = await q<{ reason: string; next: Date | null }>(
      `SELECT reasons[1] AS reason, next_permitted_at AS next FROM contact_decision
        WHERE tenant_id = $1 AND account_id = $2 AND NOT allowed AND channel = $3`,
      [sut.tenant, shared, WHATSAPP],
    );
    expect(refusals).toEqual([
      {
        reason: expect.stringMatching(
          /^CO-CO-PARTY-HOLD-DISPUTE: .*platform policy.* — another party to the account \(a co-obligor or guarantor\) is on hold: dispute$/,
        ) as unknown as string,
        next: null,
      },
    ]);
    expect(refusals[0].reason).not.toContain(coObligor);
    expect(await counted()).toBe(before + 1);

    await daysPass('2026-03-16');
    expect(await sentChannels(shared)).toEqual([SMS]);
    expect(await sentChannels(own)).toEqual([SMS, WHATSAPP]);
  });
});
