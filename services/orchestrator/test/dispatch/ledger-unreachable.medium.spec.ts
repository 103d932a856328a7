import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { GrpcContactDirectory } from '../../src/dispatch/contact-directory';
import { DispatchScheduler } from '../../src/dispatch/dispatch.scheduler';
import { LetterExportScheduler } from '../../src/dispatch/usecases/letter-export.usecase';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DAILY_PLANNING, DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { openColombianAccount } from '../support/accounts';
import { SmtpServer, startSmtpServer } from '../support/channel-stand-ins';
import { startConsumers } from '../support/events';
import { LedgerDirectoryStandIn, ledgerDirectoryStandIn } from '../support/ledger-directory-stand-in';
import { D3_REMINDER_EMAIL, colombianEarlyStage, putStrategies } from '../support/strategies';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpEmailProvider } from '../../src/channels/email/smtp-email.provider';

/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number, minute = 0) =>
  new Date(`${date}T${String(hour + 5).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`);
const DUE = '2026-03-12'; // a Thursday; D-3 is Monday 9 March
const LEDGER_KEY = 'ledger-key-for-the-orchestrator';

const reminder = colombianEarlyStage('Reminder', [D3_REMINDER_EMAIL]);
/** Balances of 200,000.00 and more get a letter three days before the due date instead (first by priority). */
const letters = colombianEarlyStage('Letters', [{ ...D3_REMINDER_EMAIL, channel: 'letter' }], {
  priority: 0,
  entry: {
    segments: ['negotiate'],
    daysPastDue: { min: -5, max: 60 },
    jurisdictions: ['CO'],
    balanceMinor: { min: 200_000_00 },
  },
});
const LETTER_DUE = '2026-03-19'; // a Thursday; D-3 is Monday 16 March

describe('sending while the ledger is unreachable (real PostgreSQL, SMTP server, the ledger’s ExportDebtor over real gRPC)', () => {
  let sut: ServiceUnderTest;
  let smtp: SmtpServer;
  let email: SmtpEmailProvider;
  let ledgerAt: LedgerDirectoryStandIn;
  let directory: GrpcContactDirectory;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };
  const warnings: string[] = [];
  const infos: string[] = [];

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const dispatch = () => sut.app.app.get(DispatchScheduler).tick();
  const rows = () =>
    q<{ account_id: string; status: string; attempts: number; due_at: Date }>(
      `SELECT account_id, status, attempts, due_at FROM contact_schedule ORDER BY account_id`,
    );
  const pauses = () => warnings.filter((m) => m.startsWith('the ledger is unreachable'));
  /** What Prometheus scrapes of the pause. */
  const pausedSeconds = async () =>
    Number(
      /^collections_contact_sending_paused_seconds\{[^}]*\} (\S+)$/m.exec(await sut.context.metrics.metrics())?.[1],
    );
  const at = (minute: number) => sut.clock.set(bogota('2026-03-09', 10, minute));
  /** Waits until the ledger stand-in, started again, answers the directory (its channel reconnects). */
  const ledgerAnswers = (debtorId: string) =>
    waitFor(
      () =>
        directory.addressesOf(sut.tenant, debtorId).then(
          (a) => a !== undefined,
          () => false,
        ),
      { timeoutMs: 30_000, message: 'the ledger stand-in reachable' },
    );
  const letterDir = mkdtempSync(join(tmpdir(), 'letters-'));
  const exportLetters = () => sut.app.app.get(LetterExportScheduler).tick();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    email = smtp.provider();
    ledgerAt = await ledgerDirectoryStandIn(debtors, LEDGER_KEY);
    Object.assign(process.env, {
      ORCHESTRATOR_PLANNING_CHECK_MS: '0',
      ORCHESTRATOR_DISPATCH_CHECK_MS: '0',
      // One lane, so exactly one send meets the unreachable ledger (with four, up to four are in flight).
      ORCHESTRATOR_DISPATCH_CONCURRENCY: '1',
      ORCHESTRATOR_LETTER_EXPORT_CHECK_MS: '0',
      LETTER_EXPORT_TIME_ZONE: 'America/Bogota',
      LETTER_EXPORT_HOUR: '17',
    });
    const service = createOrchestratorService({
      directory: {
        addressesOf: (...args) => directory.addressesOf(...args),
        close: () => directory?.close(),
      },
      providers: { email },
      letterExportDir: letterDir,
      dispatch: { delay: async () => undefined, random: () => 0 },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    directory = new GrpcContactDirectory(ledgerAt.address, `${sut.tenant}:${LEDGER_KEY}`);
    await startConsumers(sut, service);
    const logger = sut.context.logger;
    jest.spyOn(logger, 'warn').mockImplementation(((o: unknown, m?: string) => {
      warnings.push(typeof o === 'string' ? o : (m ?? ''));
    }) as never);
    jest.spyOn(logger, 'info').mockImplementation(((o: unknown, m?: string) => {
      infos.push(typeof o === 'string' ? o : (m ?? ''));
    }) as never);
    await putStrategies(sut, { reminder, letters });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    ledgerAt?.stop();
    email?.close();
    await smtp?.stop();
    process.env = saved;
  });

  it('pauses sending with one warning per pause, backs off, and sends every waiting contact once when the ledger answers', async () => {
    for (const n of ['a', 'b', 'c', 'd'])
      await openColombianAccount(sut, debtors, n, {
        balanceMinor: 150_000_00,
        dueDate: DUE,
        points: { email: `deudor-${n}@example.com` },
      });
    sut.clock.set(bogota('2026-03-07', 7));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
    expect((await rows()).map((r) => [r.status, r.due_at])).toEqual(
      Array.from({ length: 4 }, () => ['pending', bogota('2026-03-09', 9)]),
    );

    // 10:00 on D-3 and the ledger does not answer: the first row's send finds it unreachable, and
    // the other three are not taken up at all. One warning, saying until when and how many wait.
    at(0);
    expect(await dispatch()).toMatchObject({ sent: 0, deferred: 1 });
    let now = await rows();
    expect(now.map((r) => r.status)).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(now.map((r) => r.attempts).sort()).toEqual([0, 0, 0, 1]);
    expect(now.every((r) => r.due_at.getTime() === bogota('2026-03-09', 9).getTime())).toBe(true);
    expect(pauses()).toEqual([
      `the ledger is unreachable for contact addresses: contact sending paused until ${bogota('2026-03-09', 10, 1).toISOString()}; 4 due contacts wait`,
    ]);

    expect(await pausedSeconds()).toBe(60);

    // Inside the pause nothing is tried: no claim, no decision, no warning.
    at(0);
    expect(await dispatch()).toMatchObject({ sent: 0, deferred: 0, skipped: 0 });
    expect((await rows()).reduce((n, r) => n + r.attempts, 0)).toBe(1);

    // A minute later one row tries again, the ledger is still down: the next pause is two minutes.
    at(1);
    expect(await dispatch()).toMatchObject({ sent: 0, deferred: 1 });
    expect((await rows()).reduce((n, r) => n + r.attempts, 0)).toBe(2);
    expect(pauses()).toHaveLength(2);
    expect(pauses()[1]).toContain(`paused until ${bogota('2026-03-09', 10, 3).toISOString()}`);
    at(2);
    expect(await dispatch()).toMatchObject({ sent: 0, deferred: 0 });
    expect(ledgerAt.calls).toBe(0);

    // The ledger comes back (the directory's own channel reconnects), and one debtor's export
    // fails on its own: that contact alone waits a minute; the pause does not return.
    await ledgerAt.start();
    ledgerAt.failing.add('debtor-d');
    await ledgerAnswers('debtor-a');
    at(3);
    expect(await dispatch()).toMatchObject({ sent: 3, deferred: 1 });
    expect(infos.filter((m) => m === 'the ledger answers again: contact sending resumed')).toHaveLength(1);
    expect(await pausedSeconds()).toBe(0);
    now = await rows();
    expect(now.map((r) => [r.account_id, r.status])).toEqual([
      ['acct-a', 'sent'],
      ['acct-b', 'sent'],
      ['acct-c', 'sent'],
      ['acct-d', 'pending'],
    ]);
    expect(now[3].due_at).toEqual(bogota('2026-03-09', 10, 4));
    expect(pauses()).toHaveLength(2);

    ledgerAt.failing.clear();
    at(4);
    expect(await dispatch()).toMatchObject({ sent: 1, deferred: 0 });
    at(5);
    expect(await dispatch()).toMatchObject({ sent: 0 });
    // Every debtor got the reminder exactly once.
    const received = smtp
      .received()
      .flatMap((m) => m.to)
      .sort();
    expect(received).toEqual(['a', 'b', 'c', 'd'].map((n) => `deudor-${n}@example.com`));
  });
  it('keeps the day’s letter file waiting in the same pause, and writes it once the ledger answers', async () => {
    // Runs after the test above: the ledger answers and sending runs.
    await openColombianAccount(sut, debtors, 'e', {
      balanceMinor: 250_000_00,
      dueDate: LETTER_DUE,
      points: { postal: 'Calle 10 # 5-51, Bogotá' },
    });
    sut.clock.set(bogota('2026-03-14', 7));
    await sut.app.app.get<DailyPlanningUseCase>(DAILY_PLANNING).run();
    sut.clock.set(bogota('2026-03-16', 10));
    expect(await dispatch()).toMatchObject({ queued: 1 });
    const before = pauses().length;

    // 17:00, the day's cut, and the ledger does not answer: the batch is cut, its file waits. One
    // warning opens the pause; the next check in the same hour tries again, and finds it in force.
    ledgerAt.stop();
    sut.clock.set(bogota('2026-03-16', 17));
    expect(await exportLetters()).toMatchObject({ batches: 0, waiting: 1, files: [] });
    const [batch] = await q<{ file_name: string; state: string; letters: number }>(
      `SELECT file_name, state, letters FROM letter_print_batch`,
    );
    expect(batch).toMatchObject({ state: 'assigned', letters: 1 });
    expect(pauses().slice(before)).toEqual([
      `the ledger is unreachable for contact addresses: contact sending paused until ${bogota('2026-03-16', 17, 1).toISOString()}; 1 letter file waits (${batch.file_name} first)`,
    ]);
    expect(await pausedSeconds()).toBe(60);
    expect(await exportLetters()).toMatchObject({ batches: 0, waiting: 1 });
    expect(readdirSync(letterDir)).toEqual([]);
    expect(pauses().slice(before)).toHaveLength(1);

    // The ledger answers again: the first check after the pause writes the file and sends the letter once.
    await ledgerAt.start();
    await ledgerAnswers('debtor-e');
    sut.clock.set(bogota('2026-03-16', 17, 1));
    expect(await exportLetters()).toMatchObject({ batches: 1, exported: 1, waiting: 0, files: [batch.file_name] });
    expect(readFileSync(join(letterDir, batch.file_name), 'utf8')).toContain('"Calle 10 # 5-51, Bogotá"');
    expect(await pausedSeconds()).toBe(0);
    expect(await q(`SELECT status FROM contact_schedule WHERE account_id = 'acct-e' AND channel = 'letter'`)).toEqual([
      { status: 'sent' },
    ]);
    expect(pauses().slice(before)).toHaveLength(1);
  });
});
