import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { DISPATCH, DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { DispatchDueContactsUseCase } from '../../src/dispatch/usecases/dispatch-due.usecase';
import { LetterExportUseCase } from '../../src/dispatch/usecases/letter-export.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { directoryOf } from './channel-stand-ins';
import { serviceLinks, testDispatchDeps } from './dispatch-deps';
import { startConsumers } from './events';
import { putStrategies } from './strategies';

/** Bogotá is UTC-5 all year. */
export const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);

/** One step: a letter on D+4, 10:00–13:00 in Bogotá. */
export const LETTERS_ONLY = {
  name: 'Letters only',
  priority: 1,
  entry: { segments: ['negotiate'], jurisdictions: ['CO'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [
        {
          id: 'd+4',
          channel: 'letter',
          template: 'overdue',
          offset: { from: 'due_date', days: 4 },
          preferredWindow: { from: '10:00', to: '13:00' },
        },
      ],
    },
  ],
  stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
} as StrategyDocument;

export interface LetterExportService {
  sut: ServiceUnderTest;
  /** The letter directory (the vendor's mount). */
  letterDir: string;
  /** The debtors the contact directory answers from (`openColombianAccount` adds to it). */
  debtors: Map<string, ledger.Debtor>;
  directory: ReturnType<typeof directoryOf>;
  close(): Promise<void>;
}

/**
 * The orchestrator with its timers off, its letter export at 17:00 in Bogotá into a scratch
 * directory, its consumers running and the letters-only strategy, at 2026-03-02 15:00 UTC.
 */
export async function startLetterExportService(name: string): Promise<LetterExportService> {
  const saved = { ...process.env };
  const letterDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const debtors = new Map<string, ledger.Debtor>();
  const directory = directoryOf(debtors);
  Object.assign(process.env, {
    ORCHESTRATOR_PLANNING_CHECK_MS: '0',
    ORCHESTRATOR_DISPATCH_CHECK_MS: '0',
    ORCHESTRATOR_LETTER_EXPORT_CHECK_MS: '0',
    LETTER_EXPORT_TIME_ZONE: 'America/Bogota',
    LETTER_EXPORT_HOUR: '17',
  });
  const service = createOrchestratorService({
    directory,
    providers: {},
    letterExportDir: letterDir,
    dispatch: { delay: async () => undefined, random: () => 0 },
  });
  const sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
  await startConsumers(sut, service);
  await putStrategies(sut, { letters: LETTERS_ONLY });
  return {
    sut,
    letterDir,
    debtors,
    directory,
    close: async () => {
      await sut.context.backbone.stop();
      await sut.close();
      process.env = saved;
    },
  };
}

/**
 * The daily planning run at 06:00 on `planOn`, then the dispatch run at 10:00 on `queueOn`
 * (Bogotá): what that dispatch run did (the letters due go into the print queue, `queued`).
 */
export async function planAndQueue(sut: ServiceUnderTest, planOn: string, queueOn: string) {
  sut.clock.set(bogota(planOn, 6));
  await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
  sut.clock.set(bogota(queueOn, 10));
  return sut.app.app.get(DispatchScheduler).tick();
}

type LetterSteps = Pick<DispatchDueContactsUseCase, 'record' | 'withdraw'>;

/**
 * A letter export as the service's own (its directory, 17:00 in Bogotá, its links: the file is
 * the same whichever process writes it), with the dispatcher's `record` or `withdraw` replaced by
 * `steps` (given the service's dispatcher, to call through): a process that dies, or stops a while.
 */
export function letterExportWith(
  service: LetterExportService,
  steps: (real: DispatchDueContactsUseCase) => Partial<LetterSteps>,
): LetterExportUseCase {
  const real = service.sut.app.app.get<DispatchDueContactsUseCase>(DISPATCH);
  const replaced = steps(real);
  return new LetterExportUseCase(
    service.sut.context,
    new PlannerRepository(),
    {
      record: replaced.record ?? ((row, result) => real.record(row, result)),
      withdraw: replaced.withdraw ?? ((row, reason, refusal) => real.withdraw(row, reason, refusal)),
      pausedUntil: (now) => real.pausedUntil(now),
      pauseForLedger: (err, waiting) => real.pauseForLedger(err, waiting),
      directory: real.directory,
    } as Partial<DispatchDueContactsUseCase> as DispatchDueContactsUseCase,
    { directory: service.letterDir, timeZone: 'America/Bogota', hour: 17 },
    { ...testDispatchDeps(service.directory), links: serviceLinks() },
  );
}
