import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ChannelProvider, SendResult } from '../../src/channels/domain';
import { DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { JOB_TIMERS_OFF, testDispatchDeps } from '../support/dispatch-deps';
import { openColombianAccount } from '../support/accounts';
import { startConsumers } from '../support/events';
import { directoryOf } from '../support/channel-stand-ins';
import { putStrategies } from '../support/strategies';

/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);
const DUE = '2026-03-12'; // a Thursday: D-3 is Monday 9 March

const whatsAppFirst = {
  name: 'WhatsApp first',
  priority: 1,
  entry: { segments: ['negotiate'], jurisdictions: ['CO'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        {
          id: 'd-3',
          channel: 'whatsapp',
          template: 'reminder',
          offset: { from: 'due_date', days: -3 },
          preferredWindow: { from: '10:00', to: '13:00' },
        },
      ],
    },
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
} as StrategyDocument;

/** A WhatsApp provider that answers each number from its script, in order (the last answer repeats). */
function scriptedWhatsApp(script: Map<string, SendResult[]>): ChannelProvider {
  let n = 0;
  return {
    channel: 'whatsapp',
    send: async (message) => {
      const answers = script.get(message.to.replace(/\D/g, '')) ?? [];
      const answer = answers.length > 1 ? answers.shift()! : answers[0];
      if (!answer) throw new Error(`no answer scripted for ${message.to}`);
      return answer.ok ? { ok: true, providerMessageId: `wamid.${++n}` } : answer;
    },
    verifySignature: () => false,
    parseWebhook: () => [],
  };
}

const transient: SendResult = { ok: false, failure: { kind: 'transient', code: '503', detail: 'unavailable' } };
const sent: SendResult = { ok: true, providerMessageId: '' };

/**
 * What an operator reads of the providers' answers: `collections_provider_sends_total` by channel
 * and result, one count per answer a provider gave (a retried failure, then what the send came
 * to), never the tenant or the debtor.
 */
describe('provider sends by channel and result (real PostgreSQL, a scripted WhatsApp provider)', () => {
  let sut: ServiceUnderTest;
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({ directory, providers: {} });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { whatsapp: whatsAppFirst });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    process.env = saved;
  });

  const sends = async () => {
    const metric = await sut.context.metrics.registry.getSingleMetric('collections_provider_sends_total')?.get();
    return Object.fromEntries(
      (metric?.values ?? []).filter((v) => v.value > 0).map((v) => [`${v.labels.channel} ${v.labels.result}`, v.value]),
    );
  };
  const channelsExported = async () => {
    const metric = await sut.context.metrics.registry.getSingleMetric('collections_provider_sends_total')?.get();
    return [...new Set((metric?.values ?? []).map((v) => `${v.labels.channel} ${v.labels.result}`))].sort();
  };

  it('exports every channel and result at 0 before any send', async () => {
    expect(await channelsExported()).toEqual(
      ['call', 'email', 'sms', 'whatsapp']
        .flatMap((c) => ['gave_up', 'invalid_address', 'rejected', 'retried', 'sent'].map((r) => `${c} ${r}`))
        .sort(),
    );
  });

  it('counts a retried failure, a send, a number that does not exist, a refusal and a send given up', async () => {
    const phones = {
      retriedThenSent: '+573001150001',
      invalid: '+573001150002',
      rejected: '+573001150003',
      gaveUp: '+573001150004',
    };
    for (const [n, phone] of Object.entries(phones))
      await openColombianAccount(sut, debtors, `sends-${n}`, {
        balanceMinor: 250_000_00,
        dueDate: DUE,
        points: { phone },
      });
    sut.clock.set(bogota('2026-03-09', 6));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();

    const digits = (phone: string) => phone.replace(/\D/g, '');
    const provider = scriptedWhatsApp(
      new Map<string, SendResult[]>([
        [digits(phones.retriedThenSent), [transient, sent]],
        [
          digits(phones.invalid),
          [{ ok: false, failure: { kind: 'invalid-recipient', code: '131026', detail: 'not on WhatsApp' } }],
        ],
        [
          digits(phones.rejected),
          [{ ok: false, failure: { kind: 'rejected', code: '132001', detail: 'template not approved' } }],
        ],
        [digits(phones.gaveUp), [transient]],
      ]),
    );
    const dispatcher = new DispatchDueContactsUseCase(
      sut.context,
      new PlannerRepository(),
      sut.app.app.get(PlanAccountUseCase),
      {
        ...testDispatchDeps(directory),
        providers: { whatsapp: provider },
        backoff: { maxAttempts: 3, baseMs: 1, capMs: 1 },
      },
    );
    sut.clock.set(bogota('2026-03-09', 10));
    expect(await dispatcher.run()).toMatchObject({ sent: 1, failed: 3 });

    expect(await sends()).toEqual({
      'whatsapp sent': 1,
      // One before the send that went, two before the one given up after three attempts.
      'whatsapp retried': 3,
      'whatsapp invalid_address': 1,
      'whatsapp rejected': 1,
      'whatsapp gave_up': 1,
    });
  });
});
