import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { ledgerErasure, openColombianAccount } from '../support/accounts';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { deliver, published, startConsumers } from '../support/events';
import { D3_REMINDER_EMAIL, colombianEarlyStage, putStrategies } from '../support/strategies';

const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);
const DUE = '2026-03-12';

/**
 * A debtor the ledger erases while a contact to them waits to go: it is cancelled (`erased`), not
 * left pending for ever, and nothing more is planned or sent to them; another debtor's goes as planned.
 */
describe("an erased debtor's pending contacts (real PostgreSQL, SMTP server)", () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };
  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const contacts = (accountId: string) =>
    q<{ step_id: string; status: string; cancel_reason: string | null }>(
      `SELECT step_id, status, cancel_reason FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2 ORDER BY id`,
      [sut.tenant, accountId],
    );
  const planDay = async (date: string) => {
    sut.clock.set(bogota(date, 6));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  };
  const dispatchAt = async (date: string, hour: number) => {
    sut.clock.set(bogota(date, hour));
    await sut.app.app.get(DispatchScheduler).tick();
  };

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({
      directory: directoryOf(debtors),
      providers: channels.providers,
      dispatch: { delay: async () => undefined, random: () => 0, factsWaitMs: 200 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { early: colombianEarlyStage('Early stage', [D3_REMINDER_EMAIL]) });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  it("cancels them, sends nothing to the erased debtor, and leaves the other debtor's contact to go", async () => {
    const open = (n: string) =>
      openColombianAccount(sut, debtors, n, {
        balanceMinor: 150_000_00,
        dueDate: DUE,
        points: { email: `deudor-${n}@example.com` },
      });
    const erased = await open('borrado');
    const kept = await open('sigue');
    await planDay('2026-03-09');
    expect(await contacts(erased)).toEqual([{ step_id: 'd-3', status: 'pending', cancel_reason: null }]);

    debtors.delete('debtor-borrado');
    await deliver(sut, 'collections.ledger.v1.DebtorUpserted', ledgerErasure('debtor-borrado'), 'debtor-borrado');
    expect(await contacts(erased)).toEqual([{ step_id: 'd-3', status: 'cancelled', cancel_reason: 'erased' }]);

    await dispatchAt('2026-03-09', 10);
    await planDay('2026-03-10');
    await dispatchAt('2026-03-13', 10);
    expect(await contacts(erased)).toEqual([{ step_id: 'd-3', status: 'cancelled', cancel_reason: 'erased' }]);
    expect(await contacts(kept)).toEqual([{ step_id: 'd-3', status: 'sent', cancel_reason: null }]);
    const sent = await published(sut, 'collections.orchestrator.v1.ContactSent');
    expect(sent.map((e) => e.accountId)).toEqual([kept]);
    expect(channels.smtp.received().map((m) => m.to)).toEqual([['deudor-sigue@example.com']]);
  });
});
