import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { localDate } from '@collections/platform';
import { HourlyClockScheduler, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { PlannerRepository, ScheduleRow } from '../../planning/planner.repository';
import { OptOutLinkSigner, PaymentLinkSigner } from '../../templates/domain';
import { stopOf } from '../contact-stops';
import { composeMessage } from '../message-content';
import { isUnreachable } from '../send-pause';
import { PolicyVerdict } from '../../planning/domain/contact-plan';
import { DispatchDueContactsUseCase, Failure, STOP_TIME_BARRED, timeBarredRefusal } from './dispatch-due.usecase';
import { orchestratorDispatch } from '@collections/contracts';

export interface LetterExportConfig {
  /** Where the print vendor's files are written (they hold names and postal addresses: the vendor's feed). */
  readonly directory: string;
  /** The batch day and the export hour are read in this zone (default UTC). */
  readonly timeZone: string;
  /** The day's batch is cut at the first run at or after this local hour (0–23). */
  readonly hour: number;
}

/** What the file is written with; names and addresses come through the dispatcher's directory (its pause). */
export interface LetterExportDependencies {
  readonly links: PaymentLinkSigner;
  readonly linkDays: number;
  /** A letter carries no opt-out link; the e-mails' signer is shared with the dispatcher. */
  readonly optOutLinks: OptOutLinkSigner;
}

export interface LetterExportSummary {
  batches: number;
  exported: number;
  failed: number;
  /**
   * No longer wanted when the batch was written (paid, a hold, an opt-out, a threat of legal action
   * on a debt time-barred since): the row cancelled.
   */
  withdrawn: number;
  files: string[];
  /** Batches left `assigned` for want of the ledger (sending paused): the next check writes them. */
  waiting: number;
}

interface BatchRow {
  tenant_id: string;
  id: string;
  batch_date: string;
  file_name: string;
  created_at: Date;
}

/** The vendor file's columns, in order. */
export const LETTER_COLUMNS = [
  'batch_id',
  'sequence',
  'letter_id',
  'account_reference',
  'recipient_name',
  'postal_address',
  'locale',
  'subject',
  'body',
] as const;

/** One RFC 4180 field: always quoted, quotes doubled. */
const csvField = (value: string | number) => `"${String(value).replace(/"/g, '""')}"`;

export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

/** A letter file's records, each a list of fields, as `csvLine` wrote them (every field quoted, CRLF). */
export function csvRecords(csv: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let value = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i];
    if (quoted) {
      if (c !== '"') value += c;
      else if (csv[i + 1] === '"') {
        value += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(value);
      value = '';
    } else if (c === '\n') {
      fields.push(value);
      records.push(fields);
      fields = [];
      value = '';
    }
  }
  return records;
}

/** Where a record holds its letter id (the contact's schedule row). */
export const LETTER_ID = LETTER_COLUMNS.indexOf('letter_id');

/** The `letter_id`s of a letter file's records, header excluded, as `csvLine` wrote them. */
export function letterIdsIn(csv: string): Set<string> {
  return new Set(
    csvRecords(csv)
      .slice(1)
      .map((r) => r[LETTER_ID]),
  );
}

/**
 * Writes `content` to `path` as the vendor must see it, whole or not at all: under a temporary
 * name, synced to disk, then renamed into place.
 */
export function writeLetterFile(path: string, content: string): void {
  const fd = openSync(`${path}.partial`, 'w', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.partial`, path);
}

/**
 * The daily letter file for the print vendor. Once a day per tenant (at the configured local hour)
 * the letters the dispatcher queued are cut into that day's batch (`letter_print_batch`, one per
 * tenant and day); the batch's CSV is written from the ledger's names and postal addresses (asked
 * now, never stored here) to a temporary name and renamed into place, so the vendor never sees a
 * partial file — without the letters no longer wanted (paid in full, a hold, an opt-out of
 * letters since they were queued, or a letter threatening legal action on a debt time-barred since:
 * withdrawn, the row cancelled); then each letter is recorded sent (ContactSent, the step done, the account planned
 * again) — or failed (no postal address any more: ContactFailed, and the step's fallback) — and the
 * batch marked exported. A run that died half-way finds its batch still `assigned` and finishes
 * it: the file it renamed into place stays as it is and says which letters went (a file it never
 * wrote is written, links signed from the batch's creation time); an outcome it recorded stands,
 * and nothing is recorded twice.
 */
export class LetterExportUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: PlannerRepository,
    private readonly dispatcher: DispatchDueContactsUseCase,
    private readonly config: LetterExportConfig,
    private readonly deps: LetterExportDependencies,
  ) {}

  async run(): Promise<LetterExportSummary> {
    const summary: LetterExportSummary = { batches: 0, exported: 0, failed: 0, withdrawn: 0, files: [], waiting: 0 };
    const now = this.ctx.clock.now();
    const today = localDate(now, this.config.timeZone);
    const hour = Number(
      new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: this.config.timeZone }).format(
        now,
      ),
    );
    if (hour >= this.config.hour) await this.cut(today, now);
    const open = (await this.ctx.dataSource.query(
      `SELECT * FROM letter_print_batch WHERE state = 'assigned' ORDER BY created_at, id`,
    )) as BatchRow[];
    for (const [i, batch] of open.entries()) {
      // The names and addresses come from the ledger: while it cannot be reached (the dispatcher's
      // pause, `../send-pause.ts`) the batches wait, written on the first check after the pause.
      if (this.dispatcher.pausedUntil(this.ctx.clock.now())) {
        summary.waiting = open.length - i;
        break;
      }
      let done: { exported: number; failed: number; withdrawn: number };
      try {
        done = await this.export(batch);
      } catch (err) {
        if (!isUnreachable(err)) throw err;
        const waiting = open.length - i;
        await this.dispatcher.pauseForLedger(
          err,
          async () => `${waiting} letter ${waiting === 1 ? 'file waits' : 'files wait'} (${batch.file_name} first)`,
        );
        summary.waiting = waiting;
        break;
      }
      summary.batches += 1;
      summary.exported += done.exported;
      summary.failed += done.failed;
      summary.withdrawn += done.withdrawn;
      summary.files.push(batch.file_name);
    }
    if (summary.batches) this.ctx.logger.info({ ...summary, files: summary.files.length }, 'letter batches exported');
    return summary;
  }

  /** Today's batch for every tenant with queued letters and no batch today yet (later letters wait for tomorrow's). */
  private async cut(today: string, now: Date): Promise<void> {
    const tenants = (await this.ctx.dataSource.query(
      `SELECT DISTINCT tenant_id FROM letter_print_item i WHERE status = 'queued' AND batch_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM letter_print_batch b WHERE b.tenant_id = i.tenant_id AND b.batch_date = $1)`,
      [today],
    )) as { tenant_id: string }[];
    for (const { tenant_id: tenantId } of tenants)
      await this.ctx.dataSource.transaction(async (tx) => {
        const [batch] = (await tx.query(
          `INSERT INTO letter_print_batch (tenant_id, batch_date, file_name, state, created_at)
           VALUES ($1, $2, '', 'assigned', $3) ON CONFLICT DO NOTHING RETURNING id`,
          [tenantId, today, now],
        )) as { id: string }[];
        if (!batch) return;
        const fileName = `letters-${tenantId.replace(/[^A-Za-z0-9_-]/g, '_')}-${today}-${batch.id.slice(0, 8)}.csv`;
        const assigned = (await tx.query(
          `WITH assigned AS (
             UPDATE letter_print_item SET batch_id = $2
              WHERE tenant_id = $1 AND status = 'queued' AND batch_id IS NULL AND queued_at <= $3 RETURNING 1)
           SELECT count(*)::int AS n FROM assigned`,
          [tenantId, batch.id, now],
        )) as { n: number }[];
        await tx.query(`UPDATE letter_print_batch SET file_name = $3, letters = $4 WHERE tenant_id = $1 AND id = $2`, [
          tenantId,
          batch.id,
          fileName,
          assigned[0].n,
        ]);
      });
  }

  /**
   * A letter queued yesterday may no longer be wanted: the account paid in full, or the debtor is
   * now under a hold or opted out of letters (`stop:...`); or it threatens legal action and the
   * debt has become time-barred since (the planner's check on the debtor's local day now,
   * `timeBarredRefusal`: `stop:time-barred`, with the refusal to record). It is withdrawn from the file.
   */
  private async stopped(row: ScheduleRow): Promise<{ code: string; refusal?: PolicyVerdict } | undefined> {
    const debtor = await this.repo.debtorOf(this.ctx.dataSource, row.tenant_id, row.account_id);
    const stop = await stopOf(this.ctx.dataSource, row, debtor);
    if (stop) return { code: stop };
    const refusal = await timeBarredRefusal(this.ctx.dataSource, row, debtor, this.ctx.clock.now());
    return refusal && { code: STOP_TIME_BARRED, refusal };
  }

  private async export(batch: BatchRow): Promise<{ exported: number; failed: number; withdrawn: number }> {
    const items = (await this.ctx.dataSource.query(
      `SELECT s.* FROM letter_print_item i
         JOIN contact_schedule s ON s.tenant_id = i.tenant_id AND s.id = i.schedule_id
        WHERE i.tenant_id = $1 AND i.batch_id = $2 ORDER BY i.queued_at, i.schedule_id`,
      [batch.tenant_id, batch.id],
    )) as ScheduleRow[];
    // The dispatcher's directory: an answer from the ledger ends a pause of sending.
    const sources = {
      dataSource: this.ctx.dataSource,
      repo: this.repo,
      ...this.deps,
      directory: this.dispatcher.directory,
      activity: this.dispatcher.activity,
      logger: this.ctx.logger,
    };
    const letters: { row: ScheduleRow; line: string }[] = [];
    const failed: { row: ScheduleRow; code: string }[] = [];
    const withdrawn: { row: ScheduleRow; code: string; refusal?: PolicyVerdict }[] = [];
    /** Letters a run that died left out of its file without recording why: they wait for the next batch. */
    const requeued: ScheduleRow[] = [];
    const path = join(this.config.directory, batch.file_name);
    // A run that died after renaming its file into place left it whole, and the vendor may have
    // it already: it stays as it is, and says which letters went. Only a file never written is
    // written (again) here.
    const inFile = existsSync(path) ? letterIdsIn(readFileSync(path, 'utf8')) : undefined;
    for (const row of items) {
      // An outcome a run recorded before it died stands: a letter withdrawn or failed stays out.
      if (row.status === 'cancelled') {
        withdrawn.push({ row, code: row.cancel_reason ?? 'stop:withdrawn' });
        continue;
      }
      if (row.status === 'failed') {
        failed.push({ row, code: row.outcome_code ?? 'failed' });
        continue;
      }
      // In the file, or recorded sent (a file that lost it, after a system crash, does not undo that).
      if (inFile?.has(row.id) || (inFile && row.status === 'sent')) {
        letters.push({ row, line: '' });
        continue;
      }
      // Only a letter not yet recorded can be withdrawn (a re-run keeps the ones already sent).
      const stop = row.status === 'sending' ? await this.stopped(row) : undefined;
      if (stop) {
        withdrawn.push({ row, ...stop });
        continue;
      }
      const content = await composeMessage(sources, row, 'letter', batch.created_at);
      if ('missing' in content) {
        failed.push({ row, code: content.missing });
        continue;
      }
      if (inFile) {
        requeued.push(row);
        continue;
      }
      letters.push({
        row,
        line: csvLine([
          batch.id,
          letters.length + 1,
          row.id,
          content.variables.account.reference,
          content.addresses.fullName,
          content.addresses.postal!,
          content.locale,
          content.rendered.subject ?? '',
          content.rendered.body,
        ]),
      });
    }
    if (!inFile) {
      mkdirSync(this.config.directory, { recursive: true });
      // On disk before it has its name, and before any letter in it is recorded sent.
      writeLetterFile(path, csvLine(LETTER_COLUMNS) + letters.map((l) => l.line).join(''));
    }
    if (requeued.length) {
      await this.ctx.dataSource.query(
        `UPDATE letter_print_item SET batch_id = NULL WHERE tenant_id = $1 AND schedule_id = ANY ($2::uuid[])`,
        [batch.tenant_id, requeued.map((r) => r.id)],
      );
      this.ctx.logger.warn(
        { file: batch.file_name, letters: requeued.length },
        'letters left out of a letter file by an export that died, without a record of why, wait for the next batch',
      );
    }
    for (const { row } of letters)
      await this.dispatcher.record(row, {
        status: 'sent',
        providerMessageId: `letter:${batch.id}:${row.id}`,
        attempts: 1,
      });
    for (const { row, code, refusal } of withdrawn) await this.dispatcher.withdraw(row, code, refusal);
    for (const { row, code } of failed) {
      const failure: Failure = {
        failure: orchestratorDispatch.ContactFailure.CONTACT_FAILURE_NO_ROUTE,
        code,
        attempts: 0,
      };
      await this.dispatcher.record(row, failure);
    }
    const exportedAt = this.ctx.clock.now();
    await this.ctx.dataSource.transaction(async (tx) => {
      await tx.query(
        `UPDATE letter_print_item SET status = 'exported', outcome_code = NULL, exported_at = $3
          WHERE tenant_id = $1 AND batch_id = $2`,
        [batch.tenant_id, batch.id, exportedAt],
      );
      for (const { row, code } of [...failed, ...withdrawn])
        await tx.query(
          `UPDATE letter_print_item SET status = 'failed', outcome_code = $3 WHERE tenant_id = $1 AND schedule_id = $2`,
          [batch.tenant_id, row.id, code],
        );
      await tx.query(
        `UPDATE letter_print_batch SET state = 'exported', exported_at = $3, letters = $4 WHERE tenant_id = $1 AND id = $2`,
        [batch.tenant_id, batch.id, exportedAt, letters.length],
      );
    });
    return { exported: letters.length, failed: failed.length, withdrawn: withdrawn.length };
  }
}

export const LETTER_EXPORT = Symbol('LETTER_EXPORT');
export const LETTER_EXPORT_CHECK_MS = Symbol('LETTER_EXPORT_CHECK_MS');

/**
 * The letter export from the clock, hourly at most (HourlyClockScheduler). On a simulated clock
 * its name orders it after the dispatch run, so letters queued at an instant can go in that
 * instant's batch.
 */
@Injectable()
export class LetterExportScheduler extends HourlyClockScheduler<LetterExportSummary> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(LETTER_EXPORT) private readonly job: LetterExportUseCase,
    @Inject(LETTER_EXPORT_CHECK_MS) checkEveryMs: number,
  ) {
    // One replica at a time: two exports of one batch would write the vendor's file twice.
    super(ctx, checkEveryMs, 'letter export run', { oneReplicaAtATime: true });
  }

  protected async runJob(): Promise<LetterExportSummary> {
    const summary = await this.job.run();
    // Batches waiting for the ledger are tried again on the next check, even in the same hour.
    if (summary.waiting > 0) this.retryNextTick();
    return summary;
  }
}
