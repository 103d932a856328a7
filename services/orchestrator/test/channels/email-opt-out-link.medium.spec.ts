import { ledger } from '@collections/contracts';
import { ServiceUnderTest, columnsHolding, startServiceUnderTest, testEnv, waitFor } from '@collections/testing';
import { channelPii } from '../../src/channels/channel-pii';
import { OptOutLinkUseCase } from '../../src/channels/opt-out-links';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { HmacTokens } from '@collections/platform';
import { recordAddressOwner } from '../../src/dispatch/address-owners';
import { addressHash } from '../../src/dispatch/addresses';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { ChannelStandIns, ReceivedMail, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { OPT_OUT_LINK_SECRET, serviceOptOutLinks } from '../support/dispatch-deps';
import { deliver, published, startConsumers } from '../support/events';
import { ALL_STOPS, D3_REMINDER_EMAIL, putStrategies } from '../support/strategies';
import { unQuote } from '../support/countries';

const DUE = '2026-03-12'; // a Thursday
const OPT_OUT_BASE = 'https://collect.example/opt-out';
const OPT_OUT_MAILTO = 'unsubscribe@acreedor.example';

/** A US reminder by e-mail at D-3 and again at D+1 (Regulation F: every e-mail carries an opt-out). */
const usEmails: StrategyDocument = {
  name: 'US e-mails',
  priority: 1,
  entry: { daysPastDue: { min: -5, max: 60 }, jurisdictions: ['US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        D3_REMINDER_EMAIL,
        {
          id: 'd+1',
          channel: 'email',
          template: 'overdue',
          offset: { from: 'due_date', days: 1 },
          preferredWindow: { from: '09:00', to: '12:00' },
        },
      ],
    },
  ],
  stopConditions: ALL_STOPS,
};

/** The claims of an opt-out token, read without its key (the test looks at what it names). */
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as Record<string, unknown>;

/**
 * An opt-out link as the service signed them before version 2 (`v: 1`, with the address's plain
 * SHA-256): e-mails already sent carry them (the secret is `serviceOptOutLinks`').
 */
const oldLink = (tenantId: string, email: string, deliveryId: string) =>
  new HmacTokens(OPT_OUT_LINK_SECRET, 'opt-out link').sign({
    v: 1,
    p: 'opt-out',
    t: tenantId,
    c: 'email',
    h: addressHash(tenantId, 'email', email),
    d: deliveryId,
  });

/** One character of the token's payload changed. */
const tampered = (token: string) => {
  const i = 10;
  return token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
};

describe('an e-mail’s opt-out link, for the person who got it (real PostgreSQL, SMTP server)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const mailsTo = (email: string) => channels.smtp.received().filter((m) => m.to.includes(email));
  /** The link as the service answers it: OPT_OUT_URL's base is the orchestrator's `/opt-out` behind the proxy. */
  const routeOf = (link: string) => link.replace(OPT_OUT_BASE, `${sut.app.httpUrl}/opt-out`);
  /** The mailbox's RFC 8058 one-click POST. */
  const oneClick = (link: string) =>
    fetch(routeOf(link), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
  const emailOptOuts = (tenantId: string, debtorId: string) =>
    q<{ debtor_id: string }>(
      `SELECT debtor_id FROM debtor_channel_opt_out WHERE tenant_id = $1 AND debtor_id = $2 AND channel = 'email'`,
      [tenantId, debtorId],
    );
  /** The address's opt-outs, with what they said (stored encrypted, found by the address's key). */
  const addressOptOuts = async (tenantId: string, email: string) =>
    (
      await q<{ message_enc: Buffer; provider_message_id: string }>(
        `SELECT message_enc, provider_message_id FROM channel_opt_out
          WHERE tenant_id = $1 AND channel = 'email' AND address_hash = $2`,
        [tenantId, channelPii().addressKey(tenantId, 'email', email)],
      )
    ).map((r) => ({ message: channelPii().decrypt(r.message_enc), provider_message_id: r.provider_message_id }));

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, {
      ORCHESTRATOR_PLANNING_CHECK_MS: '0',
      ORCHESTRATOR_DISPATCH_CHECK_MS: '0',
      OPT_OUT_URL: OPT_OUT_BASE,
      OPT_OUT_MAILTO,
    });
    const service = createOrchestratorService({
      directory,
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { 'us-emails': usEmails });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /**
   * A US debtor (New York) with an e-mail, and a card account due on DUE, as the ledger's events
   * tell them; `language` the one the debtor reads (the e-mails are written in it).
   */
  async function openUsAccount(
    n: string,
    email = `debtor-${n}@example.com`,
    language = 'en',
  ): Promise<{ accountId: string; debtorId: string; email: string }> {
    const accountId = `acct-us-${n}`;
    const debtorId = `debtor-us-${n}`;
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: `Ann ${n}`,
      nationalId: '',
      contactPoints: [{ type: 'email', value: email, verified: true, consentedChannels: ['email'] }],
      timeZone: 'America/New_York',
      language,
      country: 'US',
      region: '',
    });
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
    const profile = { timeZone: 'America/New_York', language, country: 'US', region: '' };
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      { debtorId, ...profile, consentedChannels: ['email'], erased: false },
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
    return { accountId, debtorId, email };
  }

  /** The D-3 reminders go out: Monday 9 March, 09:30 in New York (UTC-4 from 8 March). */
  async function reminded(...emails: string[]): Promise<ReceivedMail[]> {
    sut.clock.set(new Date('2026-03-09T10:00:00Z'));
    await dailyRun();
    sut.clock.set(new Date('2026-03-09T13:30:00Z'));
    await dispatch();
    return emails.map((email) => {
      const [mail] = mailsTo(email);
      expect(mail).toBeDefined();
      return mail;
    });
  }

  /** The D+1 reminders' time: Friday 13 March, 09:30 in New York. */
  async function dayAfterDue(): Promise<void> {
    sut.clock.set(new Date('2026-03-13T10:00:00Z'));
    await dailyRun();
    sut.clock.set(new Date('2026-03-13T13:30:00Z'));
    await dispatch();
  }

  /** The opt-out link in the e-mail's text, and what its List-Unsubscribe headers offer. */
  function optOutOf(mail: ReceivedMail) {
    const links = unQuote(mail.body).match(/https:\/\/collect\.example\/opt-out\/[A-Za-z0-9_.-]+/g) ?? [];
    expect(links).toHaveLength(1);
    const header = mail.headers['list-unsubscribe'] ?? '';
    const offered = [...header.matchAll(/<([^>]+)>/g)].map((m) => m[1]);
    const link = links[0] ?? '';
    return { link, token: link.split('/').at(-1) ?? '', offered, post: mail.headers['list-unsubscribe-post'] };
  }

  const scheduleId = async (accountId: string, stepId: string) =>
    (
      await q<{ id: string }>(`SELECT id FROM contact_schedule WHERE account_id = $1 AND step_id = $2`, [
        accountId,
        stepId,
      ])
    )[0].id;

  it('gives each e-mail its own one-click opt-out; one click stops the e-mails to that debtor only, and a second changes nothing', async () => {
    const ann = await openUsAccount('201');
    const bob = await openUsAccount('202');
    const [annMail, bobMail] = await reminded(ann.email, bob.email);

    // The link in the text is the one List-Unsubscribe offers, with RFC 8058's one-click, and the mailto:.
    const annOptOut = optOutOf(annMail);
    expect(annOptOut.offered).toEqual([
      annOptOut.link,
      `mailto:${OPT_OUT_MAILTO}?subject=${encodeURIComponent(`unsubscribe ${annOptOut.token}`)}`,
    ]);
    expect(annOptOut.post).toBe('List-Unsubscribe=One-Click');
    // The token names Ann's delivery, nothing of her address (not even a hash); Bob's is his own.
    expect(annOptOut.link).not.toContain('example.com');
    expect(claimsOf(annOptOut.token)).toEqual({
      v: 2,
      p: 'opt-out',
      t: sut.tenant,
      c: 'email',
      d: await scheduleId(ann.accountId, 'd-3'),
    });
    const bobOptOut = optOutOf(bobMail);
    expect(claimsOf(bobOptOut.token)).toMatchObject({ d: await scheduleId(bob.accountId, 'd-3') });
    expect(annMail.headers['list-unsubscribe']).not.toContain(bobOptOut.token);

    // The page the link opens records nothing and shows nothing of Ann's.
    const page = await fetch(routeOf(annOptOut.link));
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<form method="post">');
    expect(html).not.toContain(ann.email);
    expect(html).not.toContain('Ann');
    expect(await emailOptOuts(sut.tenant, ann.debtorId)).toEqual([]);

    // Ann's mailbox clicks "unsubscribe".
    const first = await oneClick(annOptOut.link);
    expect(first.status).toBe(200);
    expect(await emailOptOuts(sut.tenant, ann.debtorId)).toHaveLength(1);
    expect(await addressOptOuts(sut.tenant, ann.email)).toEqual([
      { message: 'opt-out link', provider_message_id: `link:${await scheduleId(ann.accountId, 'd-3')}` },
    ]);
    const optOutEvents = await published(sut, 'collections.orchestrator.v1.OptOutRecorded');
    expect(optOutEvents.map((e) => [e.debtorId, e.accountIds])).toEqual([[ann.debtorId, [ann.accountId]]]);

    // Again (the page's button after the one-click): 200, nothing new.
    const second = await oneClick(annOptOut.link);
    expect(second.status).toBe(200);
    expect(await emailOptOuts(sut.tenant, ann.debtorId)).toHaveLength(1);
    expect(await published(sut, 'collections.orchestrator.v1.OptOutRecorded')).toHaveLength(1);

    // D+1: Bob gets his e-mail; Ann's was cancelled for her opt-out, and none reaches her.
    await dayAfterDue();
    await waitFor(() => mailsTo(bob.email).length === 2 || undefined, { message: 'Bob’s D+1 e-mail' });
    expect(mailsTo(ann.email)).toHaveLength(1);
    expect(
      await q(
        `SELECT step_id, channel, status, cancel_reason FROM contact_schedule WHERE account_id = $1 ORDER BY due_at`,
        [ann.accountId],
      ),
    ).toEqual([
      { step_id: 'd-3', channel: 'email', status: 'sent', cancel_reason: null },
      { step_id: 'd+1', channel: 'email', status: 'cancelled', cancel_reason: 'opt-out' },
    ]);
    expect(await emailOptOuts(sut.tenant, bob.debtorId)).toEqual([]);
  });

  it('refuses an altered or made-up link and records nothing', async () => {
    const cleo = await openUsAccount('203');
    const [mail] = await reminded(cleo.email);
    const { link, token } = optOutOf(mail);

    const altered = await oneClick(link.replace(token, tampered(token)));
    expect(altered.status).toBe(400);
    expect(await altered.text()).not.toMatch(/signature|tenant|hash|delivery/i);
    // A link signed by the service that names nothing it sent.
    const madeUp = serviceOptOutLinks().sign({ tenantId: sut.tenant, channel: 'email', deliveryId: 'not-a-delivery' });
    expect((await oneClick(`${OPT_OUT_BASE}/${madeUp.token}`)).status).toBe(404);
    // And one as the previous version signed them, naming an address nothing was sent to.
    const oldMadeUp = oldLink(sut.tenant, 'someone-else@example.com', 'not-a-delivery');
    expect((await oneClick(`${OPT_OUT_BASE}/${oldMadeUp}`)).status).toBe(404);

    expect(await emailOptOuts(sut.tenant, cleo.debtorId)).toEqual([]);
    expect(await addressOptOuts(sut.tenant, cleo.email)).toEqual([]);
    await dayAfterDue();
    await waitFor(() => mailsTo(cleo.email).length === 2 || undefined, { message: 'Cleo’s D+1 e-mail' });
  });

  /** The page's `lang` and its heading: what the debtor reads first. */
  const pageOf = async (answer: Response) => {
    const html = await answer.text();
    return {
      status: answer.status,
      lang: /<html lang="([^"]*)">/.exec(html)?.[1],
      heading: /<h1>([^<]*)<\/h1>/.exec(html)?.[1],
      html,
    };
  };

  it('shows a Spanish-speaking debtor the page in Spanish, from the confirmation to the opt-out, whatever the browser asks', async () => {
    const sofia = await openUsAccount('211', undefined, 'es-CO');
    const [mail] = await reminded(sofia.email);
    expect(unQuote(mail.body)).toContain('Para dejar de recibir estos correos');
    const { link } = optOutOf(mail);

    // The e-mail is Spanish: so is its page, though the browser prefers English.
    const confirm = await pageOf(await fetch(routeOf(link), { headers: { 'accept-language': 'en-US,en;q=0.9' } }));
    expect(confirm).toMatchObject({ status: 200, lang: 'es', heading: 'Dejar de recibir estos correos' });
    expect(confirm.html).toContain('<form method="post"><button type="submit">Dejar de recibir estos correos</button>');
    expect(confirm.html).not.toContain(sofia.email);
    expect(await emailOptOuts(sut.tenant, sofia.debtorId)).toEqual([]);

    const done = await pageOf(await oneClick(link));
    expect(done).toMatchObject({ status: 200, lang: 'es', heading: 'Ya no recibirás estos correos' });
    expect(await emailOptOuts(sut.tenant, sofia.debtorId)).toHaveLength(1);
    // Again: still 200, still Spanish.
    expect(await pageOf(await oneClick(link))).toMatchObject({ status: 200, lang: 'es' });
    // Clicked over and over (OPT_OUT_PER_TOKEN_PER_MINUTE, 10): the 429 is Spanish too.
    let again = await fetch(routeOf(link));
    for (let i = 0; i < 10 && again.status !== 429; i++) again = await fetch(routeOf(link));
    expect(again.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await pageOf(again)).toMatchObject({ status: 429, lang: 'es', heading: 'Demasiadas solicitudes' });
  });

  it('shows a French-speaking debtor the page in French', async () => {
    const lea = await openUsAccount('212', undefined, 'fr');
    const [mail] = await reminded(lea.email);
    const { link } = optOutOf(mail);

    expect(await pageOf(await fetch(routeOf(link)))).toMatchObject({
      status: 200,
      lang: 'fr',
      heading: 'Ne plus recevoir ces e-mails',
    });
    expect(await pageOf(await oneClick(link))).toMatchObject({
      status: 200,
      lang: 'fr',
      heading: 'Vous ne recevrez plus ces e-mails',
    });
    expect(await emailOptOuts(sut.tenant, lea.debtorId)).toHaveLength(1);
  });

  it('answers a link that names no debtor in the browser’s language where the e-mails speak it, else English', async () => {
    const ugo = await openUsAccount('213', undefined, 'it');
    const [mail] = await reminded(ugo.email);
    const { link, token } = optOutOf(mail);
    const altered = routeOf(link.replace(token, tampered(token)));
    const madeUp = serviceOptOutLinks().sign({ tenantId: sut.tenant, channel: 'email', deliveryId: 'not-a-delivery' });

    // Tampered: nobody is known, not even the Italian debtor whose link it was.
    const inPortuguese = { 'accept-language': 'pt-BR,pt;q=0.9,en;q=0.8' };
    const tamperedPage = await pageOf(await fetch(altered, { headers: inPortuguese }));
    expect(tamperedPage).toMatchObject({ status: 400, lang: 'pt', heading: 'Este link não é válido' });
    expect(tamperedPage.html).not.toMatch(/signature|tenant|hash|delivery/i);
    expect(await pageOf(await oneClick(altered.replace(OPT_OUT_BASE, '')))).toMatchObject({ status: 400 });
    expect(
      await pageOf(await fetch(routeOf(`${OPT_OUT_BASE}/${madeUp.token}`), { method: 'POST', headers: inPortuguese })),
    ).toMatchObject({ status: 404, lang: 'pt', heading: 'Este link não é conhecido' });
    // A language the e-mails are not written in, or none: English.
    expect(await pageOf(await fetch(altered, { headers: { 'accept-language': 'sv-SE,fi;q=0.5' } }))).toMatchObject({
      status: 400,
      lang: 'en',
      heading: 'This link is not valid',
    });
    expect(await pageOf(await fetch(altered))).toMatchObject({ status: 400, lang: 'en' });
    expect(await emailOptOuts(sut.tenant, ugo.debtorId)).toEqual([]);
  });

  it('answers an unexpected failure with a 500 page in the debtor’s browser language, its error id the log’s', async () => {
    const failing = jest.spyOn(OptOutLinkUseCase.prototype, 'view').mockRejectedValueOnce(new Error('database down'));
    const error = jest.spyOn(sut.context.logger, 'error');
    try {
      const page = await pageOf(
        await fetch(`${sut.app.httpUrl}/opt-out/any-token`, { headers: { 'accept-language': 'de-AT' } }),
      );
      expect(page).toMatchObject({ status: 500, lang: 'de', heading: 'Etwas ist schiefgelaufen' });
      const errorId = /Referenz: ([0-9a-f-]{36})</.exec(page.html)?.[1];
      expect(errorId).toBeDefined();
      expect(error.mock.calls.some(([fields]) => (fields as { errorId?: string }).errorId === errorId)).toBe(true);
    } finally {
      failing.mockRestore();
      error.mockRestore();
    }
  });

  it('opts an address out in the link’s tenant only: tenant A’s token cannot opt out tenant B’s debtor', async () => {
    const dana = await openUsAccount('204');
    const [mail] = await reminded(dana.email);
    const { link, token } = optOutOf(mail);
    // Tenant B contacts the same person at the same address.
    const tenantB = 'tenant-b';
    await recordAddressOwner(sut.dataSource, tenantB, 'email', dana.email, 'debtor-b-1');

    // A's token with B named in it is no token of ours.
    const claims = claimsOf(token);
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, t: tenantB }), 'utf8').toString('base64url');
    const forged = await oneClick(link.replace(token, `${forgedPayload}.${token.split('.')[1]}`));
    expect(forged.status).toBe(400);
    expect(await emailOptOuts(tenantB, 'debtor-b-1')).toEqual([]);

    // A's own token opts Dana out at A, and B's debtor at that address stays reachable by B.
    expect((await oneClick(link)).status).toBe(200);
    expect(await emailOptOuts(sut.tenant, dana.debtorId)).toHaveLength(1);
    expect(await emailOptOuts(tenantB, 'debtor-b-1')).toEqual([]);
    expect(await addressOptOuts(tenantB, dana.email)).toEqual([]);
  });
  /**
   * Two debtors at one address, both sent the D-3 reminder there: the dispatcher's record of who
   * owns the address holds no plain hash of it (anyone could hash guessed addresses against one),
   * and the link in either e-mail opts both out.
   */
  async function sharedAddress(n: string, m: string) {
    const email = `shared-${n}-${m}@example.com`;
    const first = await openUsAccount(n, email);
    const second = await openUsAccount(m, email);
    await reminded(email);
    expect(mailsTo(email)).toHaveLength(2);
    const plain = addressHash(sut.tenant, 'email', email);
    expect(await columnsHolding(sut.dataSource, plain)).toEqual([]);
    expect(
      await q(`SELECT debtor_id FROM contact_address_owner WHERE tenant_id = $1 AND address_hash = $2 ORDER BY 1`, [
        sut.tenant,
        channelPii().addressKey(sut.tenant, 'email', email),
      ]),
    ).toEqual([{ debtor_id: first.debtorId }, { debtor_id: second.debtorId }]);
    return { email, first, second };
  }

  it('keeps no plain hash of a shared address, and the link in one e-mail opts out every debtor sent there', async () => {
    const { email, first, second } = await sharedAddress('205', '206');
    const [mail] = mailsTo(email);
    const { link } = optOutOf(mail);
    expect((await oneClick(link)).status).toBe(200);
    expect(await emailOptOuts(sut.tenant, first.debtorId)).toHaveLength(1);
    expect(await emailOptOuts(sut.tenant, second.debtorId)).toHaveLength(1);
    expect((await addressOptOuts(sut.tenant, email)).map((o) => o.message)).toEqual(['opt-out link']);
  });

  it('still honours a link of an e-mail sent before version 2 (the address’s plain hash in its token)', async () => {
    const { email, first, second } = await sharedAddress('207', '208');
    const delivery = await scheduleId(first.accountId, 'd-3');
    const token = oldLink(sut.tenant, email, delivery);
    const page = await fetch(`${sut.app.httpUrl}/opt-out/${token}`);
    expect(page.status).toBe(200);
    expect(await emailOptOuts(sut.tenant, first.debtorId)).toEqual([]);
    expect((await oneClick(`${OPT_OUT_BASE}/${token}`)).status).toBe(200);
    expect(await emailOptOuts(sut.tenant, first.debtorId)).toHaveLength(1);
    expect(await emailOptOuts(sut.tenant, second.debtorId)).toHaveLength(1);
    expect(await addressOptOuts(sut.tenant, email)).toEqual([
      { message: 'opt-out link', provider_message_id: `link:${delivery}` },
    ]);
  });
  /**
   * OPT_OUT_LINK_SECRET rotated as the README says, the service restarted (redeployed) at each
   * step with the setting it reads at boot: the link in an e-mail sent under the old secret works
   * until the old key is removed, then is refused as an altered one.
   */
  describe('through a rotation of OPT_OUT_LINK_SECRET (the setting read at boot)', () => {
    const NEW = 'the-new-opt-out-link-secret-of-at-least-32-bytes';
    const setSecret = testEnv('OPT_OUT_LINK_SECRET');
    /** Restarts the service on `setting`; answers the variables it warned of at boot. */
    const restartWith = async (setting: string) => {
      setSecret(setting);
      const warn = jest.spyOn(sut.context.logger, 'warn');
      await sut.restart();
      const warned = warn.mock.calls.map(([fields]) => (fields as { variable?: string }).variable);
      warn.mockRestore();
      return warned;
    };
    afterAll(() => restartWith(OPT_OUT_LINK_SECRET));

    it('honours the link of an e-mail sent under the old secret until the old key is removed, and refuses it then as altered', async () => {
      const erin = await openUsAccount('209');
      const [before] = await reminded(erin.email);
      const sentBefore = optOutOf(before);
      expect(sentBefore.token.split('.')).toHaveLength(2);

      // 1. The new key added after the old (the repository's local-only one: the boot still warns).
      expect(await restartWith(`legacy:${OPT_OUT_LINK_SECRET},k2027:${NEW}`)).toContain('OPT_OUT_LINK_SECRET');
      expect((await fetch(routeOf(sentBefore.link))).status).toBe(200);
      // 2. The new key first: the next e-mail's link names it; the old link still opens.
      expect(await restartWith(`k2027:${NEW},legacy:${OPT_OUT_LINK_SECRET}`)).toContain('OPT_OUT_LINK_SECRET');
      await dayAfterDue();
      await waitFor(() => mailsTo(erin.email).length === 2 || undefined, { message: 'Erin’s D+1 e-mail' });
      const sentAfter = optOutOf(mailsTo(erin.email)[1]);
      expect(sentAfter.token.startsWith('k2027.')).toBe(true);
      expect((await fetch(routeOf(sentBefore.link))).status).toBe(200);

      // 3. The old key removed (no local-only key left: no warning): its link is refused as an
      // altered one, the operator told which key it named (never the token), and nothing recorded.
      expect(await restartWith(`k2027:${NEW}`)).not.toContain('OPT_OUT_LINK_SECRET');
      const warn = jest.spyOn(sut.context.logger, 'warn');
      const refused = await oneClick(sentBefore.link);
      const altered = await oneClick(sentAfter.link.replace(sentAfter.token, tampered(sentAfter.token)));
      expect(refused.status).toBe(400);
      expect(await refused.text()).toBe(await altered.text());
      const logged = warn.mock.calls.map((call) => JSON.stringify(call));
      warn.mockRestore();
      expect(logged.some((line) => line.includes('"keyId":"legacy"') && line.includes('OPT_OUT_LINK_SECRET'))).toBe(
        true,
      );
      for (const line of logged) expect(line).not.toContain(sentBefore.token);
      expect(await emailOptOuts(sut.tenant, erin.debtorId)).toEqual([]);

      // The link signed under the new key still works: one click opts Erin out.
      expect((await oneClick(sentAfter.link)).status).toBe(200);
      expect(await emailOptOuts(sut.tenant, erin.debtorId)).toHaveLength(1);
    });
  });
});
