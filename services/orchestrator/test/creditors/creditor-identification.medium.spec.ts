import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger, orchestrator, orchestratorCreditors as pb } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { LETTER_EXPORT, LetterExportUseCase, csvRecords } from '../../src/dispatch/usecases/letter-export.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { Jurisdiction } from '../../src/policy/domain';
import { StrategyDocument, StrategyStep } from '../../src/strategies/domain';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { deliver, startConsumers } from '../support/events';
import { ALL_STOPS, putStrategies } from '../support/strategies';
import { Country, localTime, unQuote } from '../support/countries';

const step = (id: string, channel: StrategyStep['channel'], days: number): StrategyStep => ({
  id,
  channel,
  template: 'reminder',
  offset: { from: 'due_date', days },
  preferredWindow: { from: '09:00', to: '12:00' },
});

const strategy = (jurisdiction: Jurisdiction, steps: StrategyStep[]): StrategyDocument => ({
  name: `${jurisdiction} reminders`,
  priority: 1,
  entry: { daysPastDue: { min: -5, max: 60 }, jurisdictions: [jurisdiction] },
  arms: [{ id: 'champion', weight: 100, steps }],
  stopConditions: ALL_STOPS,
});

const BR: Country = { code: 'BR', timeZone: 'America/Sao_Paulo', language: 'pt', currency: 'BRL', offset: -3 };
const MX: Country = { code: 'MX', timeZone: 'America/Mexico_City', language: 'es', currency: 'MXN', offset: -6 };
const US: Country = { code: 'US', timeZone: 'America/New_York', language: 'en', currency: 'USD', offset: -4 };

/** The creditor as a Brazilian tenant configures it (REST form: the proto's JSON). */
const BR_PROFILE = {
  creditor: { legalName: 'Banco Exemplo S.A.', taxIdKind: 'TAX_ID_KIND_CNPJ', taxId: '11222333000181' },
  postalAddress: 'Av. Paulista 1000, São Paulo - SP, 01310-100',
  phone: '+55 11 4000-0000',
};

describe('every collection message names the creditor where the law says so (real PostgreSQL, SMTP server, provider stand-ins)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const letterDir = mkdtempSync(join(tmpdir(), 'creditor-letters-'));
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const mailsTo = (email: string) => channels.smtp.received().filter((m) => m.to.includes(email));
  const smsTo = (phone: string) => channels.twilio.messages.filter((m) => m.to === phone);
  const rest = (method: string, path: string, body?: unknown) =>
    fetch(`${sut.app.httpUrl}/v1/orchestrator/creditor-profiles/${path}`, {
      method,
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const decisionsOf = (accountId: string) =>
    q<{ allowed: boolean; reasons: string[] }>(
      `SELECT allowed, reasons FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 ORDER BY decided_at`,
      [sut.tenant, accountId],
    );

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, {
      ...JOB_TIMERS_OFF,
      LETTER_EXPORT_TIME_ZONE: MX.timeZone,
      LETTER_EXPORT_HOUR: '17',
    });
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      providers: channels.providers,
      letterExportDir: letterDir,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, {
      br: strategy('BR', [step('d-3', 'email', -3), step('d-2', 'sms', -2)]),
      mx: strategy('MX', [step('d-3', 'letter', -3)]),
      us: strategy('US', [step('d-3', 'email', -3), step('d-2', 'sms', -2)]),
    });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /** A debtor of `country` with an e-mail, a mobile and a postal address, and a card account due on `dueDate`. */
  async function openAccount(country: Country, n: string, dueDate: string) {
    const accountId = `acct-${country.code}-${n}`;
    const debtorId = `debtor-${country.code}-${n}`;
    const email = `debtor-${country.code}-${n}@example.com`.toLowerCase();
    const phone = `+1555${country.code === 'BR' ? 1 : country.code === 'MX' ? 2 : 3}00${n.padStart(4, '0')}`;
    const postal = `Calle ${n}, Ciudad`;
    const point = (type: string, value: string, consentedChannels: string[]) => ({
      type,
      value,
      verified: true,
      consentedChannels,
    });
    const profile = { timeZone: country.timeZone, language: country.language, country: country.code, region: '' };
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: `Ana ${n} Souza`,
      nationalId: '',
      contactPoints: [
        point('email', email, ['email']),
        point('phone', phone, ['sms', 'whatsapp', 'call']),
        point('address', postal, ['letter', 'visit']),
      ],
      ...profile,
    });
    sut.clock.set(new Date(Date.parse(`${dueDate}T15:00:00Z`) - 10 * 86_400_000));
    const consentedChannels = ['email', 'sms', 'letter'];
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      { debtorId, ...profile, consentedChannels, erased: false },
      debtorId,
    );
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: `${country.code}-${n}`,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: country.currency,
      creditLimitMinor: 5_000_00,
      openedOn: '2025-06-01',
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone: country.timeZone,
    });
    await deliver(sut, 'collections.ledger.v1.StatementIssued', {
      accountId,
      cycle: 1,
      statementDate: '2026-02-20',
      dueDate,
      amountDue: { amountMinor: 1_000_00, currency: country.currency },
      minimumDue: { amountMinor: 100_00, currency: country.currency },
      hasReportedStatus: false,
      reportedStatus: 0,
    });
    return { accountId, debtorId, email, phone, postal };
  }

  /** The planning run at 06:00 and the dispatch run at 10:30 in `country` on `date`. */
  async function runDay(country: Country, date: string) {
    sut.clock.set(localTime(country, date, 6));
    await dailyRun();
    sut.clock.set(new Date(localTime(country, date, 10).getTime() + 30 * 60_000));
    return dispatch();
  }

  it('refuses a Brazilian contact while the tenant has not configured its creditor, and sends nothing', async () => {
    const ana = await openAccount(BR, '1', '2026-03-12');
    await runDay(BR, '2026-03-09');
    await runDay(BR, '2026-03-10');

    const decisions = await decisionsOf(ana.accountId);
    expect(decisions.length).toBeGreaterThan(0);
    for (const d of decisions) {
      expect(d.allowed).toBe(false);
      expect(d.reasons).toEqual([
        expect.stringMatching(
          /^BR-IDENTIFY-CREDITOR: Every collection document names the creditor and its CPF\/CNPJ .* — the creditor's name and CNPJ\/CPF are not configured$/,
        ),
      ]);
    }
    expect(mailsTo(ana.email)).toEqual([]);
    expect(smsTo(ana.phone)).toEqual([]);
    expect(
      await q(`SELECT status FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 AND status <> 'failed'`, [
        sut.tenant,
        ana.accountId,
      ]),
    ).toEqual([]);
  });

  it('refuses a CNPJ, CPF or RFC with wrong check digits or form, naming the field, and stores nothing', async () => {
    const refused = async (country: string, body: unknown) => {
      const res = await rest('PUT', country, body);
      expect(res.status).toBe(400);
      return (await res.json()) as { code: string; message: string; details: { field: string } };
    };
    const badCnpj = await refused('BR', {
      ...BR_PROFILE,
      creditor: { ...BR_PROFILE.creditor, taxId: '11.222.333/0001-82' },
    });
    expect(badCnpj).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'tax_id' } });
    expect(badCnpj.message).toMatch(/^tax_id is not a CNPJ with valid check digits/);
    const badCpf = await refused('BR', {
      ...BR_PROFILE,
      creditor: { legalName: 'João da Silva', taxIdKind: 'TAX_ID_KIND_CPF', taxId: '123.456.789-00' },
    });
    expect(badCpf).toMatchObject({ details: { field: 'tax_id' } });
    expect(badCpf.message).toMatch(/^tax_id is not a CPF/);
    const badRfc = await refused('MX', {
      creditor: { legalName: 'Financiera Ejemplo', taxIdKind: 'TAX_ID_KIND_RFC', taxId: 'FEJ011303AB1' },
    });
    expect(badRfc).toMatchObject({ details: { field: 'tax_id' } });
    expect(badRfc.message).toMatch(/^tax_id is not an RFC/);
    const rfcInBrazil = await refused('BR', {
      ...BR_PROFILE,
      creditor: { legalName: 'Banco', taxIdKind: 'TAX_ID_KIND_RFC', taxId: 'FEJ010203AB1' },
    });
    expect(rfcInBrazil).toMatchObject({ details: { field: 'tax_id_kind' } });
    const badCollector = await refused('BR', {
      ...BR_PROFILE,
      collector: { legalName: 'Cobra Fácil', taxIdKind: 'TAX_ID_KIND_CNPJ', taxId: '12345678000100' },
    });
    expect(badCollector).toMatchObject({ details: { field: 'collector_tax_id' } });

    const list = await rest('GET', '');
    expect(await list.json()).toEqual({});
    expect(await q(`SELECT * FROM creditor_profile WHERE tenant_id = $1`, [sut.tenant])).toEqual([]);
  });

  it('names the creditor and its CNPJ in a Brazilian debtor’s e-mail (with address and phone) and SMS', async () => {
    const put = await rest('PUT', 'BR', BR_PROFILE);
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      profile: { country: 'BR', creditor: { taxIdKind: 'TAX_ID_KIND_CNPJ', taxId: '11.222.333/0001-81' } },
    });
    const bia = await openAccount(BR, '2', '2026-03-19');

    await runDay(BR, '2026-03-16');
    await waitFor(() => mailsTo(bia.email).length === 1 || undefined, { message: 'Bia’s D-3 e-mail' });
    const mail = unQuote(mailsTo(bia.email)[0].body);
    expect(mail).toContain('Credor: Banco Exemplo S.A. — CNPJ 11.222.333/0001-81');
    expect(mail).toContain('Av. Paulista 1000, São Paulo - SP, 01310-100 — Tel. +55 11 4000-0000');

    await runDay(BR, '2026-03-17');
    await waitFor(() => smsTo(bia.phone).length === 1 || undefined, { message: 'Bia’s D-2 SMS' });
    expect(smsTo(bia.phone)[0].body).toMatch(/\n\nCredor: Banco Exemplo S\.A\., CNPJ 11\.222\.333\/0001-81$/);
  });

  it('refuses when it is due a Brazilian e-mail planned before the creditor’s address and phone were removed, and sends nothing', async () => {
    const caio = await openAccount(BR, '5', '2026-03-26');
    sut.clock.set(localTime(BR, '2026-03-23', 6));
    await dailyRun();
    expect(await decisionsOf(caio.accountId)).toEqual([{ allowed: true, reasons: [] }]);

    const put = await rest('PUT', 'BR', { creditor: BR_PROFILE.creditor });
    expect(put.status).toBe(200);
    sut.clock.set(localTime(BR, '2026-03-23', 10));
    await dispatch();

    // The dispatch run plans the account again before it sends: the e-mail is refused and given
    // up, and the SMS (name and CNPJ suffice there) is planned for its day instead.
    const decided = await q<{ stage: string; channel: number; allowed: boolean; reasons: string[] }>(
      `SELECT stage, channel, allowed, reasons FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 ORDER BY decided_at`,
      [sut.tenant, caio.accountId],
    );
    // Both decided at the same instant of the test's clock: in no particular order.
    expect(decided.slice(1)).toHaveLength(2);
    expect(decided.slice(1)).toEqual(
      expect.arrayContaining([
        {
          stage: 'plan',
          channel: orchestrator.Channel.CHANNEL_EMAIL,
          allowed: false,
          reasons: [
            expect.stringMatching(
              /^BR-IDENTIFY-CREDITOR: .* — the creditor's postal address and contact phone are not configured \(needed on email\)$/,
            ),
          ],
        },
        { stage: 'plan', channel: orchestrator.Channel.CHANNEL_SMS, allowed: true, reasons: [] },
      ]),
    );
    expect(mailsTo(caio.email)).toEqual([]);
    expect(
      await q(
        `SELECT step_id, status FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 AND status IN ('sending', 'sent', 'delivered')`,
        [sut.tenant, caio.accountId],
      ),
    ).toEqual([]);
  });

  it('names the creditor and the collection firm with their RFCs, address and phone in a Mexican letter', async () => {
    const client = grpcClient(pb.CreditorProfileServiceService, sut.app.grpcAddress);
    try {
      await client.putCreditorProfile(
        {
          profile: {
            country: 'MX',
            itemizationReference: pb.ItemizationReference.ITEMIZATION_REFERENCE_UNSPECIFIED,
            creditor: {
              legalName: 'Financiera Ejemplo S.A. de C.V.',
              taxIdKind: pb.TaxIdKind.TAX_ID_KIND_RFC,
              taxId: 'fej010203ab1',
            },
            postalAddress: 'Av. Reforma 100, Cuauhtémoc\n06600 Ciudad de México',
            phone: '+52 55 5000 0000',
            collector: {
              legalName: 'Cobranzas Norte S.C.',
              taxIdKind: pb.TaxIdKind.TAX_ID_KIND_RFC,
              taxId: 'CNO990101XY2',
            },
          },
        },
        metadataFromPrincipalHeaders({ apiKey: sut.apiKey }),
      );
    } finally {
      client.close();
    }
    const luz = await openAccount(MX, '3', '2026-03-26');
    await runDay(MX, '2026-03-23');
    sut.clock.set(localTime(MX, '2026-03-23', 17));
    const exported = await sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT).run();
    expect(exported.files).toHaveLength(1);
    const [header, ...letters] = csvRecords(readFileSync(join(letterDir, exported.files[0]), 'utf8'));
    const letter = letters.find((l) => l[header.indexOf('account_reference')] === 'MX-3');
    const body = letter?.[header.indexOf('body')];
    expect(body).toMatch(/^Hola Ana, tu pago de .* vence el 26 de marzo de 2026\./);
    expect(body).toContain(
      'Acreedor: Financiera Ejemplo S.A. de C.V. — RFC FEJ010203AB1\n' +
        'Av. Reforma 100, Cuauhtémoc, 06600 Ciudad de México — Tel. +52 55 5000 0000\n' +
        'Despacho de cobranza: Cobranzas Norte S.C. — RFC CNO990101XY2',
    );
    expect(letter?.[header.indexOf('postal_address')]).toBe(luz.postal);
  });

  it('leaves a US debtor’s e-mail and SMS as they were, a default creditor profile or none', async () => {
    const put = await rest('PUT', 'default', {
      creditor: { legalName: 'Example Bank N.A.', taxIdKind: 'TAX_ID_KIND_EIN', taxId: '12-3456789' },
    });
    expect(put.status).toBe(200);
    const ann = await openAccount(US, '4', '2026-04-02');
    await runDay(US, '2026-03-30');
    await waitFor(() => mailsTo(ann.email).length === 1 || undefined, { message: 'Ann’s D-3 e-mail' });
    const mail = unQuote(mailsTo(ann.email)[0].body);
    expect(mail).toMatch(/^Hi Ana, your payment of \$1,000\.00 is due on April 2, 2026\. Pay here: \S+/);
    expect(mail).not.toMatch(/Creditor|Example Bank|12-3456789/);
    await runDay(US, '2026-03-31');
    await waitFor(() => smsTo(ann.phone).length === 1 || undefined, { message: 'Ann’s D-2 SMS' });
    expect(smsTo(ann.phone)[0].body).toMatch(
      /^Hi Ana, your payment of \$1,000\.00 is due on April 2, 2026\. Pay here: \S+\n\nTo stop receiving messages on this channel, reply STOP$/,
    );
  });
});
