import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { orchestrator } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import {
  LETTER_EXPORT,
  LetterExportScheduler,
  LetterExportUseCase,
} from '../../src/dispatch/usecases/letter-export.usecase';
import { openColombianAccount } from '../support/accounts';
import { deliver, published } from '../support/events';
import {
  LetterExportService,
  bogota,
  letterExportWith,
  planAndQueue,
  startLetterExportService,
} from '../support/letter-export-service';

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
const DUE = '2026-03-12'; // a Thursday

/**
 * Two replicas of the orchestrator, one database and one letter directory (the vendor's mount):
 * each runs the letter export from its own hourly timer, so in the export hour their timers fire
 * together. One replica at a time exports; and a run that finds a batch another run left half
 * done (a process that died after withdrawing a letter) keeps the withdrawn letter out of the file.
 */
describe('the daily letter export run by two replicas at once (real PostgreSQL)', () => {
  let service: LetterExportService;
  let sut: ServiceUnderTest;
  let letterDir: string;
  let debtors: LetterExportService['debtors'];

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;

  beforeAll(async () => {
    service = await startLetterExportService('letters-replicas');
    ({ sut, letterDir, debtors } = service);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('leaves a letter withdrawn by an earlier run of the same batch out of the file, and sends each letter once', async () => {
    const kept = await openColombianAccount(sut, debtors, 'kept', {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { phone: '+573001130001', postal: 'Calle 10 # 5-51, Bogotá' },
    });
    const paid = await openColombianAccount(sut, debtors, 'paid', {
      balanceMinor: 250_000_00,
      dueDate: DUE,
      points: { phone: '+573001130002', postal: 'Avenida 19 # 100-12, Bogotá' },
    });
    // D+4, 10:00: both letters go into the print queue.
    expect(await planAndQueue(sut, '2026-03-09', '2026-03-16')).toMatchObject({ queued: 2 });
    // Paid in full before the export: that letter must not be printed.
    sut.clock.set(bogota('2026-03-16', 12));
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: 'pay-paid',
      accountId: paid,
      amount: COP(250_000_00),
      balanceAfter: COP(0),
      postedAt: sut.clock.now(),
      reference: 'PSE',
      effectiveDate: '',
    });

    // 17:00, the export hour. Run A is under way (it has withdrawn the paid letter and has more to
    // do: the other letters, the batch marked exported) when run B starts on the same batch: the
    // use cases themselves, as after a crash of A's process (the replicas' timers no longer overlap).
    sut.clock.set(bogota('2026-03-16', 17));
    let withdrawn!: () => void;
    const aWithdrew = new Promise<void>((resolve) => (withdrawn = resolve));
    let resumeA!: () => void;
    const bFinished = new Promise<void>((resolve) => (resumeA = resolve));
    const replicaA = letterExportWith(service, (real) => ({
      withdraw: async (row, reason) => {
        const done = await real.withdraw(row, reason);
        withdrawn();
        await bFinished;
        return done;
      },
    }));
    const replicaB = sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT);
    const [a, b] = await Promise.all([replicaA.run(), aWithdrew.then(() => replicaB.run()).finally(() => resumeA())]);

    // One batch for the day, one file; the paid account's letter is not in it.
    const [batch] = await q<{ file_name: string; state: string; letters: number }>(
      `SELECT file_name, state, letters FROM letter_print_batch WHERE batch_date = '2026-03-16'`,
    );
    expect(batch).toMatchObject({ state: 'exported', letters: 1 });
    expect([...a.files, ...b.files].every((f) => f === batch.file_name)).toBe(true);
    expect(
      await q(
        `SELECT s.account_id, s.status, i.status AS item, i.outcome_code FROM letter_print_item i
           JOIN contact_schedule s ON s.tenant_id = i.tenant_id AND s.id = i.schedule_id ORDER BY s.account_id`,
      ),
    ).toEqual([
      { account_id: kept, status: 'sent', item: 'exported', outcome_code: null },
      { account_id: paid, status: 'cancelled', item: 'failed', outcome_code: 'stop:payment' },
    ]);
    // Each letter recorded once: one ContactSent, for the kept account.
    const sent = await published(sut, 'collections.orchestrator.v1.ContactSent');
    expect(sent.map((e) => [e.accountId, e.channel])).toEqual([[kept, orchestrator.Channel.CHANNEL_LETTER]]);
    // What the vendor prints: B, after A had withdrawn the paid letter, finished the batch from
    // A's file; the letter, `cancelled` by then, stays out of it.
    const csv = readFileSync(join(letterDir, batch.file_name), 'utf8');
    expect(csv).toContain('Calle 10 # 5-51, Bogotá');
    expect(csv).not.toContain('Avenida 19 # 100-12, Bogotá');
  });

  it("runs the export in one replica when both replicas' timers fire in the export hour", async () => {
    const account = await openColombianAccount(sut, debtors, 'both-timers', {
      balanceMinor: 180_000_00,
      dueDate: DUE,
      points: { phone: '+573001130003', postal: 'Carrera 7 # 32-16, Bogotá' },
    });
    expect(await planAndQueue(sut, '2026-03-09', '2026-03-16')).toMatchObject({ queued: 1 });

    // The next day at 17:00 (the day's batch is one a day): replica A's timer fires first, and its
    // run is under way when B's fires.
    sut.clock.set(bogota('2026-03-17', 17));
    const job = sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT);
    let entered!: () => void;
    const aRunning = new Promise<void>((resolve) => (entered = resolve));
    let release!: () => void;
    const bTicked = new Promise<void>((resolve) => (release = resolve));
    const jobA = {
      run: async () => {
        entered();
        await bTicked;
        return job.run();
      },
    } as LetterExportUseCase;
    const timers = [new LetterExportScheduler(sut.context, jobA, 0), new LetterExportScheduler(sut.context, job, 0)];
    try {
      const [a, b] = await Promise.all([
        timers[0].tick(),
        aRunning.then(() => timers[1].tick()).finally(() => release()),
      ]);
      expect(a).toMatchObject({ batches: 1, exported: 1 });
      expect(b).toBeUndefined();
    } finally {
      await Promise.all(timers.map((t) => t.onApplicationShutdown()));
    }
    const [batch] = await q<{ file_name: string; state: string; letters: number }>(
      `SELECT file_name, state, letters FROM letter_print_batch WHERE batch_date = '2026-03-17'`,
    );
    expect(batch).toMatchObject({ state: 'exported', letters: 1 });
    expect(readFileSync(join(letterDir, batch.file_name), 'utf8')).toContain('Carrera 7 # 32-16, Bogotá');
    const sent = (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === account,
    );
    expect(sent.map((e) => e.channel)).toEqual([orchestrator.Channel.CHANNEL_LETTER]);
  });
});
