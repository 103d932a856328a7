import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger, orchestrator } from '@collections/contracts';
import { ledgerService } from '@collections/ledger';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { GrpcAccountActivity } from '../../src/dispatch/account-activity';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { LETTER_EXPORT, LetterExportUseCase, csvRecords } from '../../src/dispatch/usecases/letter-export.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { Jurisdiction } from '../../src/policy/domain';
import { formatMessageMoney } from '../../src/templates/domain';
import { StrategyDocument, StrategyStep } from '../../src/strategies/domain';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { deliver, startConsumers } from '../support/events';
import { ALL_STOPS, putStrategies } from '../support/strategies';
import { Country, localTime, unQuote } from '../support/countries';

const sms = (id: string, days: number): StrategyStep => ({
  id,
  channel: 'sms',
  template: 'reminder',
  offset: { from: 'due_date', days },
  preferredWindow: { from: '09:00', to: '12:00' },
});

const strategy = (jurisdiction: Jurisdiction): StrategyDocument => ({
  name: `${jurisdiction} reminders`,
  priority: 1,
  entry: { daysPastDue: { min: -5, max: 60 }, jurisdictions: [jurisdiction] },
  // A text three days before the due date, and another three days after it.
  arms: [{ id: 'champion', weight: 100, steps: [sms('d-3', -3), sms('d+3', 3)] }],
  stopConditions: ALL_STOPS,
});

/** Honolulu (UTC−10 all year): 17:00 there is already the next day in UTC. */
const US: Country = { code: 'US', timeZone: 'Pacific/Honolulu', language: 'en', currency: 'USD', offset: -10 };
const CO: Country = { code: 'CO', timeZone: 'America/Bogota', language: 'es', currency: 'COP', offset: -5 };

const PROFILE = {
  creditor: { legalName: 'Example Bank N.A.', taxIdKind: 'TAX_ID_KIND_EIN', taxId: '12-3456789' },
  postalAddress: 'PO Box 100, Honolulu, HI 96801',
  phone: '+1 808 555 0100',
};
const COLLECTOR = { legalName: 'Aloha Recovery LLC', taxIdKind: 'TAX_ID_KIND_EIN', taxId: '98-7654321' };

describe('a debt collector’s US validation notice (Regulation F §1006.34; real PostgreSQL, a real ledger, SMTP server, letter files)', () => {
  let sut: ServiceUnderTest;
  /** The ledger the notice's figures come from, over gRPC, with its own tenant and clock. */
  let ledgerSut: ServiceUnderTest;
  let ledgerClient: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let activity: GrpcAccountActivity | undefined;
  const ledgerMd = () => metadataFromPrincipalHeaders({ apiKey: ledgerSut.apiKey });
  const setClock = (at: Date) => {
    sut.clock.set(at);
    ledgerSut.clock.set(at);
  };
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const letterDir = mkdtempSync(join(tmpdir(), 'validation-letters-'));
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dailyRun = () => sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const exportLetters = () => sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT).run();
  const mailsTo = (email: string) => channels.smtp.received().filter((m) => m.to.includes(email));
  const smsTo = (phone: string) => channels.twilio.messages.filter((m) => m.to === phone);
  const putProfile = async (country: string, body: unknown) => {
    const res = await fetch(`${sut.app.httpUrl}/v1/orchestrator/creditor-profiles/${country}`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const sentOf = (accountId: string) =>
    q<{ template: string; channel: string }>(
      `SELECT template, channel FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 AND status = 'sent'
        ORDER BY sent_at`,
      [sut.tenant, accountId],
    );

  beforeAll(async () => {
    ledgerSut = await startServiceUnderTest(ledgerService);
    ledgerClient = grpcClient(ledger.LedgerServiceService, ledgerSut.app.grpcAddress);
    channels = await startChannelStandIns();
    Object.assign(process.env, { ...JOB_TIMERS_OFF, LETTER_EXPORT_TIME_ZONE: US.timeZone, LETTER_EXPORT_HOUR: '17' });
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      // Each service under test invents its tenant: the orchestrator's calls with the ledger tenant's key.
      accountActivity: {
        activityOf: (tenantId, accountId, ask) => activity!.activityOf(tenantId, accountId, ask),
        close: () => undefined,
      },
      providers: channels.providers,
      letterExportDir: letterDir,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    activity = new GrpcAccountActivity(ledgerSut.app.grpcAddress, `${sut.tenant}:${ledgerSut.apiKey}`);
    await startConsumers(sut, service);
    await putStrategies(sut, { us: strategy('US'), co: strategy('CO') });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    activity?.close();
    ledgerClient?.close();
    await ledgerSut?.close();
    await channels?.close();
    process.env = saved;
  });

  /**
   * A debtor of `country` with a mobile, an e-mail and a postal address (or only some), a card
   * account due on `dueDate`, in the ledger and as its events tell the orchestrator: 1,000.00 owed
   * on the statement of 20 February; since then 30.00 of interest, a 12.50 fee, a 20.00 payment and
   * a 5.00 credit (and, for `purchase`, a 200.00 purchase on 1 March).
   */
  async function openAccount(
    country: Country,
    n: string,
    dueDate: string,
    points: 'all' | 'phone' | 'no-postal' = 'all',
    purchase = false,
    chargedOff = false,
  ) {
    const accountId = `acct-${country.code}-${n}`;
    const debtorId = `debtor-${country.code}-${n}`;
    const email = `debtor-${country.code}-${n}@example.com`.toLowerCase();
    const phone = `+1555${country.code === 'US' ? 4 : 5}00${n.padStart(4, '0')}`;
    const postal = `${n} Kalakaua Ave, Honolulu`;
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
      displayName: `Kai ${n} Akana`,
      nationalId: '',
      contactPoints: [
        point('phone', phone, ['sms', 'whatsapp', 'call']),
        ...(points === 'phone' ? [] : [point('email', email, ['email'])]),
        ...(points === 'all' ? [point('address', postal, ['letter', 'visit'])] : []),
      ],
      ...profile,
    });
    setClock(new Date(Date.parse(`${dueDate}T22:00:00Z`) - 10 * 86_400_000));
    const currentMinor = await openLedgerAccount(country, accountId, debtorId, dueDate, purchase, chargedOff);
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      { debtorId, ...profile, consentedChannels: ['email', 'sms', 'letter'], erased: false },
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
    await deliver(sut, 'collections.ledger.v1.BalanceChanged', {
      balance: {
        accountId,
        asOfDate: '',
        principal: { amountMinor: currentMinor - 42_50, currency: country.currency },
        interest: { amountMinor: 30_00, currency: country.currency },
        fees: { amountMinor: 12_50, currency: country.currency },
        total: { amountMinor: currentMinor, currency: country.currency },
        pastDue: { amountMinor: 0, currency: country.currency },
        daysPastDue: 0,
        agingBucket: 'current',
      },
      causedByEntryId: `${accountId}-interest`,
    });
    return { accountId, debtorId, email, phone, postal };
  }

  /** The account in the ledger, through its gRPC API; returns the balance today. */
  async function openLedgerAccount(
    country: Country,
    accountId: string,
    debtorId: string,
    dueDate: string,
    purchase: boolean,
    chargedOff: boolean,
  ): Promise<number> {
    const md = ledgerMd();
    const usd = (amountMinor: number) => ({ amountMinor, currency: country.currency });
    await ledgerClient.upsertDebtor(
      { debtor: ledger.Debtor.fromPartial({ ...debtors.get(debtorId), debtorId, contactPoints: [] }) },
      md,
    );
    await ledgerClient.openAccount(
      ledger.OpenAccountRequest.fromPartial({
        accountId,
        externalRef: accountId,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: country.currency,
        openedOn: '2025-06-01',
        timeZone: country.timeZone,
        debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      }),
      md,
    );
    const charge = (kind: ledger.EntryKind, amountMinor: number, effectiveDate: string, key: string) =>
      ledgerClient.postCharge(
        { accountId, kind, amount: usd(amountMinor), idempotencyKey: `${accountId}-${key}`, effectiveDate, memo: '' },
        md,
      );
    await charge(ledger.EntryKind.ENTRY_KIND_CHARGE, 1_000_00, '2026-02-10', 'purchases');
    await ledgerClient.issueStatement(
      { accountId, cycle: 1, statementDate: '2026-02-20', dueDate, amountDue: usd(1_000_00), minimumDue: usd(100_00) },
      md,
    );
    // Charged off on 22 February: 400.00 of it written off (the account's status moves to charged off).
    if (chargedOff)
      await ledgerClient.postAdjustment(
        {
          accountId,
          kind: ledger.EntryKind.ENTRY_KIND_WRITE_OFF,
          amount: usd(400_00),
          idempotencyKey: `${accountId}-charge-off`,
          reason: 'charged off',
          effectiveDate: '2026-02-22',
        },
        md,
      );
    await charge(ledger.EntryKind.ENTRY_KIND_INTEREST, 30_00, '2026-02-25', 'interest');
    await charge(ledger.EntryKind.ENTRY_KIND_FEE, 12_50, '2026-02-28', 'late-fee');
    await ledgerClient.postPayment(
      { accountId, amount: usd(20_00), idempotencyKey: `${accountId}-pay`, reference: '', effectiveDate: '2026-03-01' },
      md,
    );
    await ledgerClient.postAdjustment(
      {
        accountId,
        kind: ledger.EntryKind.ENTRY_KIND_ADJUSTMENT,
        amount: usd(-5_00),
        idempotencyKey: `${accountId}-goodwill`,
        reason: 'goodwill credit',
        effectiveDate: '2026-03-01',
      },
      md,
    );
    if (purchase) await charge(ledger.EntryKind.ENTRY_KIND_CHARGE, 200_00, '2026-03-01', 'purchase');
    return (await ledgerClient.getBalance({ accountId, asOfDate: '' }, md)).balance!.amountMinor;
  }

  /**
   * The itemization lines a notice must print for the account, from what the ledger holds: its
   * balance at the end of 20 February (the last statement date), its entries since by kind, and its
   * balance today — asked through the ledger's own GetBalance and GetAccountHistory.
   */
  async function itemizationInLedger(accountId: string): Promise<string> {
    const md = ledgerMd();
    const then = await ledgerClient.getBalance({ accountId, asOfDate: '2026-02-20' }, md);
    const now = await ledgerClient.getBalance({ accountId, asOfDate: '' }, md);
    const { entries } = await ledgerClient.getAccountHistory({ accountId }, md);
    const since = (...kinds: ledger.EntryKind[]) =>
      entries
        .filter((e) => e.effectiveDate > '2026-02-20' && kinds.includes(e.kind))
        .reduce((t, e) => t + Math.abs(e.amount!.amountMinor), 0);
    const $ = (amountMinor: number) => formatMessageMoney(amountMinor, 'USD', 'en-US');
    return [
      `As of the last statement date, February 20, 2026, you owed: ${$(then.balance!.amountMinor)}`,
      'Between February 20, 2026 and today:',
      `You were charged this amount in interest: + ${$(since(ledger.EntryKind.ENTRY_KIND_INTEREST))}`,
      `You were charged this amount in fees: + ${$(since(ledger.EntryKind.ENTRY_KIND_FEE))}`,
      `You paid this amount toward the debt: – ${$(since(ledger.EntryKind.ENTRY_KIND_PAYMENT))}`,
      `You were credited this amount toward the debt: – ${$(since(ledger.EntryKind.ENTRY_KIND_ADJUSTMENT))}`,
      `Total amount of the debt now: ${$(now.balance!.amountMinor)}`,
    ].join('\n');
  }

  /** The planning run at 06:00, the dispatch run at 10:30 and the letter export at 17:00 in `country` on `date`. */
  async function runDay(country: Country, date: string) {
    setClock(localTime(country, date, 6));
    await dailyRun();
    setClock(new Date(localTime(country, date, 10).getTime() + 30 * 60_000));
    await dispatch();
    setClock(localTime(country, date, 17));
    return exportLetters();
  }

  it('sends a collector’s US debtor the validation notice first, by letter, then the strategy’s SMS', async () => {
    await putProfile('US', { ...PROFILE, collector: COLLECTOR });
    const kai = await openAccount(US, '1', '2026-03-12');

    const exported = await runDay(US, '2026-03-09');
    expect(smsTo(kai.phone)).toEqual([]);
    expect(exported.files).toHaveLength(1);
    const [header, ...letters] = csvRecords(readFileSync(join(letterDir, exported.files[0]), 'utf8'));
    const letter = letters.find((l) => l[header.indexOf('account_reference')] === 'US-1');
    expect(letter?.[header.indexOf('postal_address')]).toBe(kai.postal);
    const body = letter?.[header.indexOf('body')];
    expect(body).toMatch(
      /^Aloha Recovery LLC is a debt collector\. We are trying to collect a debt that you owe to Example Bank N\.A\./,
    );
    expect(body).toContain('Account number: US-1\n');
    // §1006.34(c)(2)(vi)-(ix): the itemization date, the debt then, what moved it since, the debt now.
    expect(body).toContain(
      'As of the last statement date, February 20, 2026, you owed: $1,000.00\n' +
        'Between February 20, 2026 and today:\n' +
        'You were charged this amount in interest: + $30.00\n' +
        'You were charged this amount in fees: + $12.50\n' +
        'You paid this amount toward the debt: – $20.00\n' +
        'You were credited this amount toward the debt: – $5.00\n' +
        'Total amount of the debt now: $1,017.50\n',
    );
    expect(body).toContain(await itemizationInLedger(kai.accountId));
    // Sent Monday 9 March at 17:00 in Honolulu (already Tuesday in UTC): received five business
    // days later, Monday 16 March; the validation period ends thirty days after, on 15 April.
    expect(body).toContain('Call or write to us by April 15, 2026 to dispute all or part of the debt.');
    expect(body).toContain('[ ] I want you to send me the name and address of the original creditor.');
    expect(body).toContain('Write or call: Aloha Recovery LLC, PO Box 100, Honolulu, HI 96801 — Tel. +1 808 555 0100');

    await runDay(US, '2026-03-10');
    await waitFor(() => smsTo(kai.phone).length === 1 || undefined, { message: 'Kai’s D-3 SMS' });
    expect(smsTo(kai.phone)[0].body).toMatch(/^Hi Kai, your payment of \$1,017\.50 is due on March 12, 2026\./);
    expect(await sentOf(kai.accountId)).toEqual([
      { template: 'validation-notice', channel: 'letter' },
      { template: 'reminder', channel: 'sms' },
    ]);
  });

  it('sends the validation notice by e-mail, with its opt-out link, to a debtor without a postal address', async () => {
    const mele = await openAccount(US, '5', '2026-03-12', 'no-postal');
    await runDay(US, '2026-03-09');
    await waitFor(() => mailsTo(mele.email).length === 1 || undefined, { message: 'Mele’s validation notice' });
    const mail = mailsTo(mele.email)[0];
    const text = unQuote(mail.body);
    expect(text).toMatch(/^Aloha Recovery LLC is a debt collector\./);
    // The e-mail's lines end in CRLF.
    expect(text.replace(/\r\n/g, '\n')).toContain(await itemizationInLedger(mele.accountId));
    expect(text).toContain('You paid this amount toward the debt: – $20.00');
    expect(text).toContain('Total amount of the debt now: $1,017.50');
    // Sent at 10:30 on Monday 9 March in Honolulu: received Monday 16 March, period ends 15 April.
    expect(text).toContain('If you write to us by April 15, 2026, we must stop collection');
    expect(text).toMatch(/To stop receiving these e-mails, visit \S+/);
    // The strategy's text comes after it, once the notice is sent.
    await waitFor(() => smsTo(mele.phone).length === 1 || undefined, { message: 'Mele’s D-3 SMS' });
    expect(await sentOf(mele.accountId)).toEqual([
      { template: 'validation-notice', channel: 'email' },
      { template: 'reminder', channel: 'sms' },
    ]);
  });

  it('refuses a text six days after the first one while no validation notice could be sent (§1006.34)', async () => {
    const lei = await openAccount(US, '2', '2026-03-19', 'phone');
    // The notice is tried by letter, then by e-mail: Lei has neither address, so the D-3 text goes.
    await runDay(US, '2026-03-16');
    await waitFor(() => smsTo(lei.phone).length === 1 || undefined, { message: 'Lei’s first SMS' });
    expect(
      await q(
        `SELECT channel, status, outcome_code FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2
            AND template = 'validation-notice' ORDER BY created_at`,
        [sut.tenant, lei.accountId],
      ),
    ).toEqual([
      { channel: 'letter', status: 'failed', outcome_code: 'no-address' },
      { channel: 'email', status: 'failed', outcome_code: 'no-address' },
    ]);

    await runDay(US, '2026-03-22');
    await runDay(US, '2026-03-23');
    expect(smsTo(lei.phone)).toHaveLength(1);
    const refused = await q<{ reasons: string[] }>(
      `SELECT reasons FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 AND channel = $3 AND NOT allowed`,
      [sut.tenant, lei.accountId, orchestrator.Channel.CHANNEL_SMS],
    );
    expect(refused.map((d) => d.reasons)).toContainEqual([
      expect.stringMatching(
        /^US-VALIDATION-NOTICE: A debt collector sends the consumer the validation information .*§1006\.34\(a\)\(1\)\] — no validation notice has been sent for the debt, whose first communication was on 2026-03-16 in Pacific\/Honolulu, more than 5 days ago$/,
      ),
    ]);
    expect(await sentOf(lei.accountId)).toEqual([{ template: 'reminder', channel: 'sms' }]);
  });

  it('sends no notice to a debtor whose figures the itemization cannot reconcile: a purchase after the statement', async () => {
    const ikaika = await openAccount(US, '6', '2026-03-12', 'all', true);
    const exported = await runDay(US, '2026-03-09');
    // 1,000.00 + 30.00 + 12.50 − 20.00 − 5.00 is not the 1,217.50 owed now: the 200.00 purchase is
    // none of interest, fees, payments or credits. Neither the letter nor the e-mail goes.
    expect(
      await q(
        `SELECT channel, status, outcome_code FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2
            AND template = 'validation-notice' ORDER BY created_at`,
        [sut.tenant, ikaika.accountId],
      ),
    ).toEqual([
      { channel: 'letter', status: 'failed', outcome_code: 'itemization-unreconciled' },
      { channel: 'email', status: 'failed', outcome_code: 'itemization-unreconciled' },
    ]);
    const letters = exported.files.flatMap((f) => csvRecords(readFileSync(join(letterDir, f), 'utf8')).slice(1));
    expect(letters.filter((l) => l.includes('US-6'))).toEqual([]);
    expect(mailsTo(ikaika.email)).toEqual([]);
    expect(await sentOf(ikaika.accountId)).not.toContainEqual(
      expect.objectContaining({ template: 'validation-notice' }),
    );
  });

  it('leaves a creditor collecting its own debts as it was: the strategy’s texts, no notice', async () => {
    await putProfile('US', PROFILE);
    const noa = await openAccount(US, '3', '2026-04-02');
    await runDay(US, '2026-03-30');
    await waitFor(() => smsTo(noa.phone).length === 1 || undefined, { message: 'Noa’s D-3 SMS' });
    await runDay(US, '2026-04-05');
    await waitFor(() => smsTo(noa.phone).length === 2 || undefined, { message: 'Noa’s D+3 SMS, six days later' });
    expect(await sentOf(noa.accountId)).toEqual([
      { template: 'reminder', channel: 'sms' },
      { template: 'reminder', channel: 'sms' },
    ]);
  });

  it('leaves a Colombian debtor of a collection agency as they were: no US notice', async () => {
    await putProfile('default', { ...PROFILE, collector: COLLECTOR });
    const ana = await openAccount(CO, '4', '2026-04-09');
    await runDay(CO, '2026-04-06');
    await waitFor(() => smsTo(ana.phone).length === 1 || undefined, { message: 'Ana’s D-3 SMS' });
    expect(await sentOf(ana.accountId)).toEqual([{ template: 'reminder', channel: 'sms' }]);
  });
  describe('the itemization date the tenant chooses (§1006.34(b)(3)), kept for the debt', () => {
    const putChoice = (itemizationReference: string) =>
      fetch(`${sut.app.httpUrl}/v1/orchestrator/creditor-profiles/US`, {
        method: 'PUT',
        headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ ...PROFILE, collector: COLLECTOR, itemizationReference }),
      });
    const letterBodyOf = (file: string, reference: string) => {
      const [header, ...letters] = csvRecords(readFileSync(join(letterDir, file), 'utf8'));
      return letters.find((l) => l[header.indexOf('account_reference')] === reference)?.[header.indexOf('body')];
    };
    const CHARGE_OFF_ITEMIZATION =
      'As of the charge-off date, February 22, 2026, you owed: $600.00\n' +
      'Between February 22, 2026 and today:\n' +
      'You were charged this amount in interest: + $30.00\n' +
      'You were charged this amount in fees: + $12.50\n' +
      'You paid this amount toward the debt: – $20.00\n' +
      'You were credited this amount toward the debt: – $5.00\n' +
      'Total amount of the debt now: $617.50\n';

    it('itemizes from the charge-off date for a tenant that chose it, and keeps that date when the notice is sent again after the choice changed', async () => {
      expect((await putChoice('ITEMIZATION_REFERENCE_CHARGE_OFF')).status).toBe(200);
      const pua = await openAccount(US, '7', '2026-04-23', 'all', false, true);
      const exported = await runDay(US, '2026-04-20');
      expect(exported.files).toHaveLength(1);
      // 1,000.00 billed on 20 February, 400.00 written off on 22 February (the charge-off): 600.00
      // then; interest, the fee, the payment and the credit since; 617.50 now.
      expect(letterBodyOf(exported.files[0], 'US-7')).toContain(CHARGE_OFF_ITEMIZATION);
      expect(
        await q(
          `SELECT to_char(validation_notice_itemization_date, 'YYYY-MM-DD') AS date,
                  validation_notice_itemization_reference AS reference
             FROM planner_account WHERE tenant_id = $1 AND account_id = $2 AND validation_notice_sent_at IS NOT NULL`,
          [sut.tenant, pua.accountId],
        ),
      ).toEqual([{ date: '2026-02-22', reference: 'charge-off' }]);

      // The tenant goes back to the last statement date; then the letter file is lost after the
      // letters were recorded sent (a crash before the batch was marked exported): the next run
      // writes the file again, and the notice in it is the same debt's, itemized as first sent.
      expect((await putChoice('ITEMIZATION_REFERENCE_LAST_STATEMENT')).status).toBe(200);
      await q(`UPDATE letter_print_batch SET state = 'assigned' WHERE tenant_id = $1 AND file_name = $2`, [
        sut.tenant,
        exported.files[0],
      ]);
      rmSync(join(letterDir, exported.files[0]));
      const again = await exportLetters();
      expect(again.files).toEqual(exported.files);
      expect(letterBodyOf(again.files[0], 'US-7')).toContain(CHARGE_OFF_ITEMIZATION);
    });

    it('itemizes an account never charged off from its last statement date, the fallback', async () => {
      expect((await putChoice('ITEMIZATION_REFERENCE_CHARGE_OFF')).status).toBe(200);
      const makoa = await openAccount(US, '8', '2026-05-14', 'no-postal');
      await runDay(US, '2026-05-11');
      await waitFor(() => mailsTo(makoa.email).length === 1 || undefined, { message: 'Makoa’s validation notice' });
      expect(unQuote(mailsTo(makoa.email)[0].body).replace(/\r\n/g, '\n')).toContain(
        await itemizationInLedger(makoa.accountId),
      );
    });

    it('refuses a reference date it does not know, naming the field, and keeps the profile as it was', async () => {
      const refused = await putChoice('ITEMIZATION_REFERENCE_JUDGMENT');
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringMatching(
          /^itemization_reference must be one of ITEMIZATION_REFERENCE_LAST_STATEMENT, ITEMIZATION_REFERENCE_CHARGE_OFF, ITEMIZATION_REFERENCE_LAST_PAYMENT, ITEMIZATION_REFERENCE_TRANSACTION/,
        ),
      });
      const stored = await fetch(`${sut.app.httpUrl}/v1/orchestrator/creditor-profiles/US`, {
        headers: { [API_KEY_HEADER]: sut.apiKey },
      });
      expect(await stored.json()).toMatchObject({
        profile: { itemizationReference: 'ITEMIZATION_REFERENCE_CHARGE_OFF' },
      });
    });
  });
});
