import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ledger, orchestrator } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { LETTER_EXPORT, LetterExportUseCase, letterIdsIn } from '../../src/dispatch/usecases/letter-export.usecase';
import { StrategyDocument } from '../../src/strategies/domain';
import { published } from '../support/events';
import { bogota, LetterExportService, startLetterExportService } from '../support/letter-export-service';
import { ALL_STOPS, putStrategies } from '../support/strategies';
import {
  contactDecisionsOf,
  openUnpaidLoan,
  putLimitationPeriods,
  theTimeBarredRefusalAtSend,
} from '../support/time-barred-debts';

/** Guam is UTC+10 all year: its day begins at 09:00 in Bogotá, before the 17:00 letter export. */
const guam = (date: string, hour: number) => new Date(Date.parse(`${date}T00:00:00Z`) + (hour - 10) * 3_600_000);

/** One letter with `template` the day the account enters, 15:00–18:00 local, for US accounts `daysPastDue` days past due. */
const letterOf = (name: string, template: string, daysPastDue: { min?: number; max?: number }, priority: number) =>
  ({
    name,
    priority,
    entry: { daysPastDue, jurisdictions: ['US'] },
    arms: [
      {
        id: 'champion',
        weight: 100,
        steps: [
          {
            id: 'letter',
            channel: 'letter',
            template,
            offset: { from: 'entry', days: 0 },
            preferredWindow: { from: '15:00', to: '18:00' },
          },
        ],
      },
    ],
    stopConditions: ALL_STOPS,
  }) as StrategyDocument;

/**
 * A letter waits hours in the print queue for the day's file. A final notice (it says legal
 * collection may follow) queued the afternoon before the debt's limitation period runs out, in the
 * debtor's zone, is exported after the debtor's midnight: by then the debt is time-barred, and
 * Regulation F §1006.26(b) forbids the threat. The export asks the planner's check again.
 */
describe('a letter threatening legal action on a debt that became time-barred in the print queue (Regulation F §1006.26(b); real PostgreSQL)', () => {
  let service: LetterExportService;
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    service = await startLetterExportService('letters-time-barred');
    ({ sut } = service);
    await putStrategies(sut, {
      'final-letter': letterOf('Final notice by letter', 'final-notice', { max: 1600 }, 1),
      'overdue-letter': letterOf('Overdue letter', 'overdue', { min: 1601 }, 2),
    });
    // The lender's figure for Guam: 4 years.
    await putLimitationPeriods(sut, { GU: { years: 4 } });
  });

  afterAll(async () => {
    await service?.close();
  });

  /** A debtor on Guam with an unpaid loan due on `dueDate` and a postal address, planned at 06:00 on 3 March (Guam). */
  async function open(n: string, dueDate: string) {
    sut.clock.set(guam('2026-03-03', 6));
    const { accountId, debtorId } = await openUnpaidLoan(sut, n, 'GU', dueDate, 'US', 'Pacific/Guam');
    service.debtors.set(
      debtorId,
      ledger.Debtor.fromPartial({
        debtorId,
        kind: 'person',
        displayName: `Sam ${n} Cruz`,
        timeZone: 'Pacific/Guam',
        language: 'en',
        country: 'US',
        region: 'GU',
        contactPoints: [
          {
            type: 'address',
            value: `${n} Marine Corps Dr, Hagåtña, GU 96910`,
            verified: true,
            consentedChannels: ['letter'],
          },
        ],
      }),
    );
    return accountId;
  }

  const letterRow = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT id, status, cancel_reason, decision_id FROM contact_schedule
          WHERE tenant_id = $1 AND account_id = $2 AND channel = 'letter'`,
        [sut.tenant, accountId],
      )) as { id: string; status: string; cancel_reason: string | null; decision_id: string }[]
    )[0];
  const lettersSent = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === accountId && e.channel === orchestrator.Channel.CHANNEL_LETTER,
    );

  it('leaves out of the file a final notice whose debt became time-barred overnight, records the refusal, and prints the other letter of the batch', async () => {
    // Due 4 March 2022: the 4 years run out on 4 March 2026, Guam time. Due 1 June 2021: time-barred
    // long since, but its overdue letter threatens nothing.
    const threatened = await open('1', '2022-03-04');
    const overdue = await open('2', '2021-06-01');

    // 16:00 on 3 March on Guam (01:00 in Bogotá): both letters go into the print queue.
    sut.clock.set(guam('2026-03-03', 16));
    expect(await sut.app.app.get(DispatchScheduler).tick()).toMatchObject({ queued: 2 });
    const finalNotice = await letterRow(threatened);
    expect(finalNotice.status).toBe('sending');

    // 17:00 in Bogotá is 08:00 on 4 March on Guam: the day's file is written.
    sut.clock.set(bogota('2026-03-03', 17));
    const run = await sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT).run();
    expect(run).toMatchObject({ batches: 1, exported: 1, withdrawn: 1, failed: 0 });
    const inFile = letterIdsIn(readFileSync(join(service.letterDir, run.files[0]), 'utf8'));
    expect(inFile).toEqual(new Set([(await letterRow(overdue)).id]));

    expect(await letterRow(threatened)).toMatchObject({
      id: finalNotice.id,
      status: 'cancelled',
      cancel_reason: 'stop:time-barred',
    });
    expect(await lettersSent(threatened)).toEqual([]);
    expect(await lettersSent(overdue)).toHaveLength(1);
    const refusalId = await theTimeBarredRefusalAtSend(sut, threatened, {
      state: 'GU',
      defaultDate: '2022-03-04',
      ranOut: '2026-03-04',
    });
    expect((await letterRow(threatened)).decision_id).toBe(refusalId);
    expect((await contactDecisionsOf(sut, overdue)).filter((d) => !d.allowed)).toEqual([]);

    // A later check writes nothing more and records the refusal once.
    expect(await sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT).run()).toMatchObject({ batches: 0 });
    expect((await contactDecisionsOf(sut, threatened)).filter((d) => !d.allowed)).toHaveLength(1);
  });
});
