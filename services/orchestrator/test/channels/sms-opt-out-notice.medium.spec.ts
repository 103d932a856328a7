import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { smsSegments } from '../../src/channels/domain';
import { TwilioSmsProvider } from '../../src/channels/sms/twilio.provider';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { OptOutLinkSigner } from '../../src/templates/domain';
import { ChannelStandIns, STAND_IN, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { Country, localTime } from '../support/countries';
import { JOB_TIMERS_OFF, OPT_OUT_LINK_SECRET, testDispatchDeps } from '../support/dispatch-deps';
import { deliver, startConsumers } from '../support/events';
import { ALL_STOPS, putStrategies } from '../support/strategies';

const OPT_OUT_BASE = 'https://collect.example/opt-out';
const US: Country = { code: 'US', timeZone: 'America/New_York', language: 'en', currency: 'USD', offset: -4 };
/** The deployment's SMS senders: an alphanumeric id (one-way), then a long code (takes replies). */
const ALPHANUMERIC = 'ACMEBANK';
const LONG_CODE = '+15550000101';

/** A US reminder by SMS at D-2: Regulation F's opt-out notice is on every one (US-OPT-OUT-NOTICE). */
const usSms: StrategyDocument = {
  name: 'US SMS',
  priority: 1,
  entry: { daysPastDue: { min: -5, max: 60 }, jurisdictions: ['US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        {
          id: 'd-2',
          channel: 'sms',
          template: 'reminder',
          offset: { from: 'due_date', days: -2 },
          preferredWindow: { from: '09:00', to: '12:00' },
        },
      ],
    },
  ],
  stopConditions: ALL_STOPS,
};

describe('an SMS’s opt-out notice fits the sender it goes from (real PostgreSQL, Twilio stand-in)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const smsTo = (phone: string) => channels.twilio.messages.filter((m) => m.to === phone);
  const smsProvider = (from: string[], logger?: { warn(fields: object, message: string): void }) =>
    new TwilioSmsProvider({
      baseUrl: channels.twilio.url,
      accountSid: STAND_IN.twilioSid,
      authToken: STAND_IN.twilioToken,
      from,
      ...(logger ? { logger } : {}),
    });

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, { ...JOB_TIMERS_OFF, OPT_OUT_URL: OPT_OUT_BASE });
    const service = createOrchestratorService({
      directory,
      providers: { ...channels.providers, sms: smsProvider([ALPHANUMERIC, LONG_CODE]) },
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { 'us-sms': usSms });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /** A New York debtor whose mobile is `phone` (a US number, or one abroad), and a card account due on `dueDate`. */
  async function openAccount(n: string, phone: string, dueDate: string) {
    const [accountId, debtorId] = [`acct-sms-${n}`, `debtor-sms-${n}`];
    const profile = { timeZone: US.timeZone, language: 'en', country: 'US', region: '' };
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: `Ann ${n} Smith`,
      nationalId: '',
      contactPoints: [{ type: 'phone', value: phone, verified: true, consentedChannels: ['sms'] }],
      ...profile,
    });
    sut.clock.set(new Date(Date.parse(`${dueDate}T15:00:00Z`) - 10 * 86_400_000));
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      { debtorId, ...profile, consentedChannels: ['sms'], erased: false },
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
      timeZone: US.timeZone,
    });
    await deliver(sut, 'collections.ledger.v1.StatementIssued', {
      accountId,
      cycle: 1,
      statementDate: '2026-02-20',
      dueDate,
      amountDue: { amountMinor: 1_000_00, currency: 'USD' },
      minimumDue: { amountMinor: 100_00, currency: 'USD' },
      hasReportedStatus: false,
      reportedStatus: 0,
    });
    return { accountId, debtorId, phone };
  }

  /** The planning run at 06:00 in New York on `date`, then the clock at 10:30 for the dispatch run. */
  async function planDay(date: string) {
    sut.clock.set(localTime(US, date, 6));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
    sut.clock.set(new Date(localTime(US, date, 10).getTime() + 30 * 60_000));
  }

  it('from the alphanumeric id the debtor abroad gets the opt-out link, which works; from the long code the US debtor gets "reply STOP"', async () => {
    const abroad = await openAccount('1', '+34600100001', '2026-03-12');
    const home = await openAccount('2', '+12125550102', '2026-03-12');
    await planDay('2026-03-10');
    await sut.app.app.get(DispatchScheduler).tick();
    await waitFor(() => (smsTo(abroad.phone).length === 1 && smsTo(home.phone).length === 1) || undefined, {
      message: 'both D-2 SMS',
    });

    const [oneWay] = smsTo(abroad.phone);
    expect(oneWay.from).toBe(ALPHANUMERIC);
    expect(oneWay.body).toMatch(
      /^Hi Ann, your payment of \$1,000\.00 is due on March 12, 2026\. Pay here: \S+\n\nTo stop receiving messages on this channel, visit https:\/\/collect\.example\/opt-out\/\S+$/,
    );
    expect(oneWay.body).not.toContain('STOP');
    const [twoWay] = smsTo(home.phone);
    expect(twoWay.from).toBe(LONG_CODE);
    expect(twoWay.body).toMatch(
      /^Hi Ann, your payment of \$1,000\.00 is due on March 12, 2026\. Pay here: \S+\n\nTo stop receiving messages on this channel, reply STOP$/,
    );

    // Each send's record holds the segments of the text its sender sent (what Twilio bills): the link's for the id.
    const segments = await waitFor(
      async () => {
        const rows = await q<{ account_id: string; segments: number | null }>(
          `SELECT account_id, segments FROM channel_delivery WHERE tenant_id = $1 AND channel = 'sms' AND account_id = ANY($2)`,
          [sut.tenant, [abroad.accountId, home.accountId]],
        );
        return rows.length === 2 ? Object.fromEntries(rows.map((r) => [r.account_id, r.segments])) : undefined;
      },
      { message: 'both sends on record' },
    );
    expect(segments).toEqual({
      [abroad.accountId]: smsSegments(oneWay.body).segments,
      [home.accountId]: smsSegments(twoWay.body).segments,
    });
    expect(segments[abroad.accountId]).toBeGreaterThanOrEqual(2);

    // The link opts the number out of SMS, as a STOP to a long code would; its pages speak of text messages.
    const link = /visit (\S+)$/.exec(oneWay.body)![1].replace(OPT_OUT_BASE, `${sut.app.httpUrl}/opt-out`);
    const confirm = await fetch(link);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain('Stop receiving these text messages');
    const done = await fetch(link, { method: 'POST' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You will not receive these text messages any more');
    expect(
      await q(`SELECT debtor_id, channel FROM debtor_channel_opt_out WHERE tenant_id = $1 AND debtor_id = $2`, [
        sut.tenant,
        abroad.debtorId,
      ]),
    ).toEqual([{ debtor_id: abroad.debtorId, channel: 'sms' }]);
  });

  it('with no opt-out link to give and only the alphanumeric id, nothing is sent and the row says why', async () => {
    const abroad = await openAccount('3', '+34600100003', '2026-03-19');
    await planDay('2026-03-17');
    const warnings: [object, string][] = [];
    const dispatcher = new DispatchDueContactsUseCase(
      sut.context,
      new PlannerRepository(),
      sut.app.app.get(PlanAccountUseCase),
      {
        ...testDispatchDeps(directory),
        // A signer without a base URL: no link can be made.
        optOutLinks: new OptOutLinkSigner(OPT_OUT_LINK_SECRET, ''),
        providers: {
          sms: smsProvider([ALPHANUMERIC], { warn: (fields, message) => warnings.push([fields, message]) }),
        },
      },
    );
    await dispatcher.run();

    expect(smsTo(abroad.phone)).toEqual([]);
    expect(
      await q(`SELECT status, outcome_code FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2`, [
        sut.tenant,
        abroad.accountId,
      ]),
    ).toEqual([{ status: 'failed', outcome_code: 'no-two-way-sender' }]);
    expect(warnings).toEqual([
      [{ channel: 'sms', tenantId: sut.tenant, callingCode: null }, expect.stringContaining('configure OPT_OUT_URL')],
    ]);
    expect(JSON.stringify(warnings)).not.toContain('600100003');
  });
});
