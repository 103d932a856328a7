import { ledger, orchestrator } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { PgSubmissionLog } from '../../src/channels/email/email-submissions';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { JOB_TIMERS_OFF, testDispatchDeps } from '../support/dispatch-deps';
import { openColombianAccount } from '../support/accounts';
import { published, startConsumers } from '../support/events';
import { ChannelStandIns, directoryOf, startChannelStandIns } from '../support/channel-stand-ins';
import { ALL_STOPS, D3_REMINDER_EMAIL, colombianEarlyStage, putStrategies } from '../support/strategies';

/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);

/**
 * Two replicas of the orchestrator on one database, each with its own dispatch timer. A tick
 * reconciles the rows `sending` that its process is not working on itself: beside another
 * replica's run, those would include the rows that replica is sending at that very moment (an
 * e-mail taken as sent and never delivered, an SMS sent twice). So one replica at a time runs it.
 */
describe('the dispatch run of two replicas at once (real PostgreSQL, a real SMTP server)', () => {
  let sut: ServiceUnderTest;
  let channels: ChannelStandIns;
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  const saved = { ...process.env };

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const mailsTo = (email: string) => channels.smtp.received().filter((m) => m.to.includes(email));

  /** A replica's dispatcher: its own objects (and e-mail provider), the same database and SMTP server. */
  const replica = (email = channels.smtp.provider()) => {
    email.useSubmissionLog(new PgSubmissionLog(sut.dataSource, () => sut.clock.now()));
    return new DispatchDueContactsUseCase(sut.context, new PlannerRepository(), sut.app.app.get(PlanAccountUseCase), {
      ...testDispatchDeps(directory),
      providers: { email },
    });
  };

  beforeAll(async () => {
    channels = await startChannelStandIns();
    Object.assign(process.env, JOB_TIMERS_OFF);
    const service = createOrchestratorService({ directory, providers: {} });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, {
      reminder: colombianEarlyStage('Reminder', [D3_REMINDER_EMAIL], { stopConditions: [...ALL_STOPS] }),
    });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    await channels?.close();
    process.env = saved;
  });

  it('delivers the e-mail a replica is sending when the other replica ticks meanwhile and the server asks to try again', async () => {
    // A greylisting server: the first attempt at this address is answered 451, the next accepted.
    const email = 'deudor-replicas@flaky.test';
    const accountId = await openColombianAccount(sut, debtors, 'replicas', {
      balanceMinor: 150_000_00,
      dueDate: '2026-03-12',
      points: { email },
    });
    sut.clock.set(bogota('2026-03-09', 6));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
    sut.clock.set(bogota('2026-03-09', 9));

    // Replica A claims the D-3 reminder and opens its SMTP submission; replica B's timer fires
    // while A is inside the SMTP transaction.
    const log = new PgSubmissionLog(sut.dataSource, () => sut.clock.now());
    let submitting!: () => void;
    const aSubmitting = new Promise<void>((resolve) => (submitting = resolve));
    let resumeA!: () => void;
    const bTicked = new Promise<void>((resolve) => (resumeA = resolve));
    let first = true;
    const replicaA = replica(
      channels.smtp.provider({
        submissions: {
          begin: async (...a) => {
            const state = await log.begin(...a);
            if (first) {
              first = false;
              submitting();
              await bTicked;
            }
            return state;
          },
          accepted: (...a) => log.accepted(...a),
          abandon: (...a) => log.abandon(...a),
        },
      }),
    );
    const replicaB = replica();
    const timers = [new DispatchScheduler(sut.context, replicaA, 0), new DispatchScheduler(sut.context, replicaB, 0)];
    try {
      const [a, b] = await Promise.all([
        timers[0].tick(),
        aSubmitting.then(() => timers[1].tick()).finally(() => resumeA()),
      ]);
      // A's run sent it; B's tick, while A's run went on, did not run.
      expect(a).toMatchObject({ sent: 1 });
      expect(b).toBeUndefined();
      // Once A's run is over, B's next tick runs: nothing is left for it.
      expect(await timers[1].tick()).toMatchObject({ sent: 0, failed: 0 });
    } finally {
      await Promise.all(timers.map((t) => t.onApplicationShutdown()));
    }

    // Recorded sent once — and the debtor has the e-mail that says so.
    const [row] = await q<{ id: string; status: string }>(
      `SELECT id, status FROM contact_schedule WHERE account_id = $1`,
      [accountId],
    );
    expect(row.status).toBe('sent');
    const sent = (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === accountId,
    );
    expect(sent.map((e) => [e.stepId, e.channel])).toEqual([['d-3', orchestrator.Channel.CHANNEL_EMAIL]]);
    expect(mailsTo(email)).toHaveLength(1);
  });
});
