import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { Jurisdiction } from '../../src/policy/domain';
import { StrategyDocument } from '../../src/strategies/domain';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { deliver, startConsumers } from '../support/events';
import { ALL_STOPS, D3_REMINDER_EMAIL, putStrategies } from '../support/strategies';
import { unQuote } from '../support/countries';

const DUE = '2026-03-12'; // a Thursday
const NBSP = '\u00a0';
const NNBSP = '\u202f';

/** The D-3 reminder by e-mail to debtors in France and Germany. */
const euEmails: StrategyDocument = {
  name: 'EU e-mails',
  priority: 1,
  entry: { daysPastDue: { min: -5, max: 60 }, jurisdictions: ['FR', 'DE'] },
  arms: [{ id: 'champion', weight: 100, steps: [D3_REMINDER_EMAIL] }],
  stopConditions: ALL_STOPS,
};

describe('a debtor’s e-mail in their own language, through the dispatcher (real PostgreSQL, SMTP server)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };
  const mailTo = (email: string) => {
    const mails = channels.smtp.received().filter((m) => m.to.includes(email));
    expect(mails).toHaveLength(1);
    return { subject: mails[0].headers.subject, body: unQuote(mails[0].body) };
  };

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
    await putStrategies(sut, { 'eu-emails': euEmails });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  /** A debtor in `country` (language as the ledger has it) with an e-mail and a card account in EUR due on DUE. */
  async function openAccount(n: string, country: Jurisdiction, timeZone: string, language: string, name: string) {
    const [accountId, debtorId, email] = [`acct-${n}`, `debtor-${n}`, `debtor-${n}@example.com`];
    debtors.set(debtorId, {
      debtorId,
      kind: 'person',
      displayName: name,
      nationalId: '',
      contactPoints: [{ type: 'email', value: email, verified: true, consentedChannels: ['email'] }],
      timeZone,
      language,
      country,
      region: '',
    });
    const profile = { timeZone, language, country, region: '' };
    await deliver(
      sut,
      'collections.ledger.v1.DebtorUpserted',
      { debtorId, ...profile, consentedChannels: ['email'], erased: false },
      debtorId,
    );
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId,
      externalRef: `${country}-${n}`,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: 'EUR',
      creditLimitMinor: 5_000_00,
      openedOn: '2025-06-01',
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone,
    });
    await deliver(sut, 'collections.ledger.v1.StatementIssued', {
      accountId,
      cycle: 1,
      statementDate: '2026-02-20',
      dueDate: DUE,
      amountDue: { amountMinor: 1_234_56, currency: 'EUR' },
      minimumDue: { amountMinor: 100_00, currency: 'EUR' },
      hasReportedStatus: false,
      reportedStatus: 0,
    });
    return email;
  }

  it('sends a French debtor the reminder in French, and one whose language the ledger lacks in their country’s', async () => {
    const lea = await openAccount('fr-1', 'FR', 'Europe/Paris', 'fr-FR', 'Léa Martin');
    const jonas = await openAccount('de-1', 'DE', 'Europe/Berlin', '', 'Jonas Weber');

    // D-3: Monday 9 March, planned at 07:00 and sent at 09:30 in Paris and Berlin (UTC+1).
    sut.clock.set(new Date('2026-03-09T06:00:00Z'));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
    sut.clock.set(new Date('2026-03-09T08:30:00Z'));
    await sut.app.app.get(DispatchScheduler).tick();

    const french = mailTo(lea);
    expect(french.subject).toBe('Rappel de paiement FR-fr-1');
    expect(french.body).toContain(
      `Bonjour Léa, votre paiement de 1${NNBSP}234,56${NBSP}€ arrive à échéance le 12 mars 2026. ` +
        'Vous pouvez payer ici : http',
    );
    const german = mailTo(jonas);
    expect(german.subject).toBe('Zahlungserinnerung DE-de-1');
    expect(german.body).toContain(
      `Guten Tag Jonas, Ihre Zahlung über 1.234,56${NBSP}€ ist am 12. März 2026 fällig. Hier können Sie bezahlen: http`,
    );
  });
});
