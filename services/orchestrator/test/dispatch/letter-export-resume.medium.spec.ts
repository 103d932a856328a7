import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { orchestrator } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { LETTER_EXPORT, LetterExportUseCase } from '../../src/dispatch/usecases/letter-export.usecase';
import { openColombianAccount } from '../support/accounts';
import { published } from '../support/events';
import {
  LetterExportService,
  bogota,
  letterExportWith,
  planAndQueue,
  startLetterExportService,
} from '../support/letter-export-service';

/**
 * The daily letter export works in several transactions: the file is written, each letter's
 * outcome recorded (sent, or failed for want of a postal address), then the batch marked
 * exported. A run that died between the records and the mark is finished by the next run, with
 * the ledger's names and addresses as they are *then*. These tests kill the first run right after
 * an outcome was recorded, let the ledger's address change meanwhile, and check that the re-run
 * keeps to the outcomes already recorded and to the file already written: a letter recorded sent
 * stays in the vendor's file, a letter recorded failed stays out of it, and a letter left out
 * without a record goes in the next day's file.
 */
describe('the daily letter export resumed after a crash between recording letters and marking the batch (real PostgreSQL)', () => {
  let service: LetterExportService;
  let sut: ServiceUnderTest;
  let letterDir: string;
  let debtors: LetterExportService['debtors'];

  const q = <T>(sql: string, params: unknown[] = []) => sut.dataSource.query(sql, params) as Promise<T[]>;
  const exportLetters = () => sut.app.app.get<LetterExportUseCase>(LETTER_EXPORT).run();
  const letterSent = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.ContactSent')).filter(
      (e) => e.accountId === accountId && e.channel === orchestrator.Channel.CHANNEL_LETTER,
    );
  const letterFailed = async (accountId: string) =>
    (await published(sut, 'collections.orchestrator.v1.ContactFailed')).filter(
      (e) => e.accountId === accountId && e.channel === orchestrator.Channel.CHANNEL_LETTER,
    );
  const setPostal = (accountId: string, postal: string | undefined) => {
    const debtor = debtors.get(accountId.replace(/^acct-/, 'debtor-'))!;
    const others = debtor.contactPoints.filter((p) => p.type !== 'address');
    debtor.contactPoints = postal
      ? [...others, { type: 'address', value: postal, verified: true, consentedChannels: ['letter', 'visit'] }]
      : others;
  };
  const itemOf = async (accountId: string) =>
    (
      await q<{ row: string; item: string; outcome_code: string | null; file_name: string; batch: string }>(
        `SELECT s.status AS row, i.status AS item, i.outcome_code, b.file_name, b.state AS batch
           FROM letter_print_item i
           JOIN contact_schedule s ON s.tenant_id = i.tenant_id AND s.id = i.schedule_id
           JOIN letter_print_batch b ON b.tenant_id = i.tenant_id AND b.id = i.batch_id
          WHERE s.account_id = $1`,
        [accountId],
      )
    )[0];

  /** A letter export whose process dies right after the dispatcher recorded the outcome `diesAfter` picks. */
  const dyingExport = (diesAfter: (result: object) => boolean): LetterExportUseCase =>
    letterExportWith(service, (real) => ({
      record: async (row, result) => {
        const done = await real.record(row, result);
        if (diesAfter(result)) throw new Error('process died');
        return done;
      },
    }));

  beforeAll(async () => {
    service = await startLetterExportService('letters-resume');
    ({ sut, letterDir, debtors } = service);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('keeps a letter recorded sent in the batch file, though its address is gone from the ledger since', async () => {
    const postal = 'Calle 45 # 13-40, Bogotá';
    const accountId = await openColombianAccount(sut, debtors, 'sent-then-gone', {
      balanceMinor: 250_000_00,
      dueDate: '2026-03-12',
      points: { phone: '+573001140001', postal },
    });
    expect(await planAndQueue(sut, '2026-03-09', '2026-03-16')).toMatchObject({ queued: 1 });

    // 17:00: the export writes the file, records the letter sent (ContactSent) and dies before
    // marking the batch exported.
    sut.clock.set(bogota('2026-03-16', 17));
    await expect(dyingExport((r) => 'status' in r && r.status === 'sent').run()).rejects.toThrow('process died');
    const before = await itemOf(accountId);
    expect(before).toMatchObject({ row: 'sent', batch: 'assigned' });
    const written = readFileSync(join(letterDir, before.file_name), 'utf8');
    expect(written).toContain(postal);
    expect(await letterSent(accountId)).toHaveLength(1);

    // Meanwhile the ledger drops the debtor's postal address (returned mail, a correction).
    setPostal(accountId, undefined);

    // The next check finishes the batch. The letter was recorded sent: it is in the vendor's file
    // (the same bytes as the file the dead run wrote), its item exported, and it was sent once.
    sut.clock.set(bogota('2026-03-16', 18));
    expect(await exportLetters()).toMatchObject({ batches: 1 });
    const csv = readFileSync(join(letterDir, before.file_name), 'utf8');
    expect({
      inFile: csv.includes(postal),
      sameFile: csv === written,
      ...(await itemOf(accountId)),
      sent: (await letterSent(accountId)).length,
      failed: (await letterFailed(accountId)).length,
    }).toEqual({
      inFile: true,
      sameFile: true,
      row: 'sent',
      item: 'exported',
      outcome_code: null,
      file_name: before.file_name,
      batch: 'exported',
      sent: 1,
      failed: 0,
    });
  });

  it('keeps a letter recorded failed (no address) out of the batch file, though the ledger has an address again', async () => {
    const postal = 'Transversal 23 # 94-33, Bogotá';
    const accountId = await openColombianAccount(sut, debtors, 'failed-then-found', {
      balanceMinor: 250_000_00,
      dueDate: '2026-03-13',
      points: { phone: '+573001140002', postal },
    });
    expect(await planAndQueue(sut, '2026-03-09', '2026-03-17')).toMatchObject({ queued: 1 });

    // The address goes missing after the letter was queued: the export records it failed
    // (ContactFailed, no-address) and dies before marking the batch exported.
    setPostal(accountId, undefined);
    sut.clock.set(bogota('2026-03-17', 17));
    await expect(dyingExport((r) => 'failure' in r).run()).rejects.toThrow('process died');
    const before = await itemOf(accountId);
    expect(before).toMatchObject({ row: 'failed', batch: 'assigned' });
    const written = readFileSync(join(letterDir, before.file_name), 'utf8');
    expect(written).not.toContain(postal);
    expect(await letterFailed(accountId)).toHaveLength(1);

    // Meanwhile the ledger has the address again.
    setPostal(accountId, postal);

    // The next check finishes the batch. The letter was recorded failed (and its step given up):
    // it must not be printed now.
    sut.clock.set(bogota('2026-03-17', 18));
    expect(await exportLetters()).toMatchObject({ batches: 1 });
    const csv = readFileSync(join(letterDir, before.file_name), 'utf8');
    expect({
      inFile: csv.includes(postal),
      sameFile: csv === written,
      ...(await itemOf(accountId)),
      sent: (await letterSent(accountId)).length,
      failed: (await letterFailed(accountId)).length,
    }).toEqual({
      inFile: false,
      sameFile: true,
      row: 'failed',
      item: 'failed',
      outcome_code: 'no-address',
      file_name: before.file_name,
      batch: 'exported',
      sent: 0,
      failed: 1,
    });
  });

  it("puts a letter the dead run left out of its file without a word in the next day's file, once it can go", async () => {
    const [inPostal, outPostal] = ['Calle 80 # 20-10, Bogotá', 'Diagonal 40 # 8-02, Bogotá'];
    const went = await openColombianAccount(sut, debtors, 'left-in', {
      balanceMinor: 250_000_00,
      dueDate: '2026-03-16',
      points: { phone: '+573001140003', postal: inPostal },
    });
    const left = await openColombianAccount(sut, debtors, 'left-out', {
      balanceMinor: 250_000_00,
      dueDate: '2026-03-16',
      points: { phone: '+573001140004', postal: outPostal },
    });
    expect(await planAndQueue(sut, '2026-03-13', '2026-03-20')).toMatchObject({ queued: 2 });

    // No address for the second letter at 17:00: the file holds the first only, and the run dies
    // after recording the first sent, before recording the second failed.
    setPostal(left, undefined);
    sut.clock.set(bogota('2026-03-20', 17));
    await expect(dyingExport((r) => 'status' in r && r.status === 'sent').run()).rejects.toThrow('process died');
    const { file_name: first } = await itemOf(went);
    expect(readFileSync(join(letterDir, first), 'utf8')).not.toContain(outPostal);

    // The address is back before the next check: the letter is not in the file the vendor has,
    // and nothing says it failed. It waits for the next day's batch.
    setPostal(left, outPostal);
    sut.clock.set(bogota('2026-03-20', 18));
    expect(await exportLetters()).toMatchObject({ batches: 1, exported: 1, failed: 0, withdrawn: 0 });
    expect(
      await q(
        `SELECT i.status, i.batch_id FROM letter_print_item i JOIN contact_schedule s
                ON s.tenant_id = i.tenant_id AND s.id = i.schedule_id WHERE s.account_id = $1`,
        [left],
      ),
    ).toEqual([{ status: 'queued', batch_id: null }]);
    sut.clock.set(bogota('2026-03-21', 17));
    expect(await exportLetters()).toMatchObject({ batches: 1, exported: 1 });
    const next = await itemOf(left);
    expect(next).toMatchObject({ row: 'sent', item: 'exported', batch: 'exported' });
    expect(next.file_name).not.toBe(first);
    expect(readFileSync(join(letterDir, next.file_name), 'utf8')).toContain(outPostal);
    expect([(await letterSent(left)).length, (await letterFailed(left)).length]).toEqual([1, 0]);
    expect((await letterSent(went)).length).toBe(1);
  });
});
