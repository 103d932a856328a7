import { ledger } from '@collections/contracts';
import { API_KEY_HEADER } from '@collections/platform';
import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { openColombianAccount } from '../support/accounts';
import { directoryOf } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { deliver, startConsumers } from '../support/events';
import { colombianEarlyStage, putStrategies } from '../support/strategies';

/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);
const DUE = '2026-03-12'; // a Thursday: D-3 is Monday 9 March

/**
 * A WhatsApp reminder the strategy would like at 20:00, after Colombia's contact hours (Monday to
 * Friday 07:00-19:00), and no stop on a hold: the contact law itself answers for the hours and
 * the holds.
 */
const eveningWhatsApp = colombianEarlyStage(
  'Evening WhatsApp',
  [
    {
      id: 'd-3',
      channel: 'whatsapp',
      template: 'reminder',
      offset: { from: 'due_date', days: -3 },
      preferredWindow: { from: '20:00', to: '22:00' },
    },
  ],
  { stopConditions: ['payment', 'promise', 'dispute', 'opt_out'] },
);

/**
 * What an operator reads of the contact law at work: `collections_contact_refusals_total` by
 * channel, kind of rule and outcome (deferred to a later time, or refused), one count per decision
 * recorded, never the tenant, the debtor or the account.
 */
describe('contacts the contact law refused or deferred, by rule (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({ directory: directoryOf(debtors), providers: {} });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { evening: eveningWhatsApp });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    process.env = saved;
  });

  /** The series counted above 0, as `channel rule outcome` → decisions (from the service's /metrics). */
  const refusals = async () =>
    Object.fromEntries(
      Object.entries(
        await scrapeSeries(sut.app.httpUrl, 'collections_contact_refusals_total', ['channel', 'rule', 'outcome']),
      ).filter(([, n]) => n > 0),
    );
  /** The refusals of the account's audit trail, as `rule-id outcome`, sorted. */
  const refused = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT reasons[1] AS reason, next_permitted_at IS NOT NULL AS deferred FROM contact_decision
          WHERE tenant_id = $1 AND account_id = $2 AND NOT allowed`,
        [sut.tenant, accountId],
      )) as { reason: string; deferred: boolean }[]
    )
      .map((d) => `${d.reason.split(':')[0]} ${d.deferred ? 'deferred' : 'refused'}`)
      .sort();

  it('exports the refusals of every channel under the rules that refuse, and the deferrals under the others, at 0 before any decision', async () => {
    const response = await fetch(`${sut.app.httpUrl}/metrics`);
    const exported = [...(await response.text()).matchAll(/^collections_contact_refusals_total\{(.*)\} 0$/gm)].map(
      ([, labels]) => labels,
    );
    expect(exported).toEqual(
      expect.arrayContaining([
        expect.stringContaining('channel="whatsapp",rule="contact_hours",outcome="deferred"'),
        expect.stringContaining('channel="sms",rule="hold",outcome="refused"'),
        expect.stringContaining('channel="email",rule="consent",outcome="refused"'),
      ]),
    );
    expect(await refusals()).toEqual({});
  });

  it('counts a reminder moved past Colombia’s contact hours as deferred by contact_hours, and a debtor under an attorney hold as refused by hold', async () => {
    await deliver(
      sut,
      'collections.ledger.v1.HoldChanged',
      {
        holdId: 'attorney-metrics',
        debtorId: 'debtor-metrics-hold',
        kind: ledger.HoldKind.HOLD_KIND_ATTORNEY,
        active: true,
        source: 'ledger',
        startsOn: '',
        endsOn: '',
        bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
      },
      'debtor-metrics-hold',
    );
    const evening = await openColombianAccount(sut, debtors, 'metrics-evening', {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { phone: '+573001160001' },
    });
    const held = await openColombianAccount(sut, debtors, 'metrics-hold', {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { phone: '+573001160002' },
    });
    sut.clock.set(bogota('2026-03-09', 6));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();

    // The audit trail's refusals: the law's (the hours, a hold) are counted, and planning's own
    // answer to the score before the strategy admitted the account (no-strategy) is not.
    expect(await refused(evening)).toEqual(['CO-HOURS deferred', 'no-strategy refused']);
    expect(await refused(held)).toEqual(['CO-HOLD-ATTORNEY refused', 'no-strategy refused']);
    expect(await refusals()).toEqual({
      'whatsapp contact_hours deferred': 1,
      'whatsapp hold refused': 1,
    });
  });

  it('counts a refusal recorded in a transaction that rolls back only once, when the transaction tried again commits', async () => {
    const before = await refusals();
    const planner = sut.app.app.get(PlanAccountUseCase);
    const refusal = {
      kind: 'decision' as const,
      armId: '',
      verdict: {
        channel: 'sms' as const,
        at: sut.clock.now(),
        allowed: false,
        reasons: ['CO-ONE-CONTACT-A-DAY: at most one contact a day after a direct contact'],
        nextPermittedAt: new Date(sut.clock.now().getTime() + 86_400_000),
      },
    };
    const record = (tx: Parameters<PlanAccountUseCase['apply']>[0]) =>
      planner.apply(
        tx,
        sut.context.backbone.outbox,
        { tenant_id: sut.tenant, account_id: 'acct-metrics-retry' },
        'test:retry',
        sut.clock.now(),
        [refusal],
      );

    await expect(
      sut.dataSource.transaction(async (tx) => {
        await record(tx);
        throw new Error('could not serialize access due to concurrent update');
      }),
    ).rejects.toThrow('could not serialize');
    expect(await refusals()).toEqual(before);

    await sut.dataSource.transaction(record);
    expect(await refusals()).toEqual({ ...before, 'sms frequency_cap deferred': 1 });
    expect(await refused('acct-metrics-retry')).toEqual(['CO-ONE-CONTACT-A-DAY deferred']);
  });

  it('counts a reminder moved by a contact-hours rule the lender added to its rules under contact_hours, not other', async () => {
    // The lender writes on weekdays from 10:00 only: its own rule, under its own id, which no pack has.
    const put = await fetch(`${sut.app.httpUrl}/v1/orchestrator/contact-rules/CO/override`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        add: {
          contactHours: [
            {
              id: 'ACME-WHATSAPP-FROM-TEN',
              text: 'Acme writes on WhatsApp on weekdays 10:00–18:00 only',
              citation: 'acme collection policy 3',
              channels: ['whatsapp'],
              weekly: {
                ...Object.fromEntries(
                  ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ from: '10:00', to: '18:00' }]]),
                ),
                sat: [],
                sun: [],
              },
            },
          ],
        },
      }),
    });
    expect(put.status).toBe(200);
    // A morning reminder, inside Colombia's hours (07:00–19:00) and before the lender's.
    await putStrategies(sut, {
      morning: colombianEarlyStage(
        'Morning WhatsApp',
        [
          {
            id: 'd-3',
            channel: 'whatsapp',
            template: 'reminder',
            offset: { from: 'due_date', days: -3 },
            preferredWindow: { from: '08:00', to: '09:00' },
          },
        ],
        { priority: 0, stopConditions: ['payment', 'promise', 'dispute', 'opt_out'] },
      ),
    });
    const morning = await openColombianAccount(sut, debtors, 'metrics-lender-hours', {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { phone: '+573001160003' },
    });
    const before = await refusals();
    sut.clock.set(bogota('2026-03-09', 6));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();

    expect(await refused(morning)).toEqual(['ACME-WHATSAPP-FROM-TEN deferred', 'no-strategy refused']);
    expect(await refusals()).toEqual({
      ...before,
      'whatsapp contact_hours deferred': (before['whatsapp contact_hours deferred'] ?? 0) + 1,
    });
  });
});
