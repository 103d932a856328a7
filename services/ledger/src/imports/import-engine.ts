import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EntityManager } from 'typeorm';
import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { PiiCipher, decryptFreeText, encryptFreeText } from '../ledger/pii';
import { withValue } from './domain/row-error';

export interface ImportProgress {
  jobId: string;
  processedLines: number;
  acceptedRows: number;
  rejectedRows: number;
  createdAccounts: number;
}

export interface ImportJobView extends ImportProgress {
  status: 'running' | 'completed' | 'failed';
  /** True when this file had been imported completely before: nothing changed. */
  alreadyImported: boolean;
}

export interface ImportRunOptions {
  tenantId: string;
  file: string;
  chunkSize?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Test hook: stop (as a crash would) after this many committed chunks. */
  stopAfterChunks?: number;
}

export interface SourceLine {
  lineNo: number;
  text: string;
}

export interface Rejection {
  lineNo: number;
  /**
   * Written by a format: the fixed words, with VALUE_SLOT where `value` goes (stored in clear).
   * Read back (`rejections`): the whole reason, the value in its slot.
   */
  reason: string;
  /** The file's value the reason quotes (a bad currency, an unknown field...): stored encrypted. */
  value?: string;
  raw: string;
}

/** The tables an import grows, analyzed as they grow. */
const ANALYZED_TABLES = ['debtor', 'account', 'account_debtor', 'statement', 'journal_entry', 'journal_line'];

/** What one chunk did, written with the job's progress in the chunk's transaction. */
export interface ChunkOutcome {
  /** Lines that took effect, or were already in the ledger exactly as the file says. */
  accepted: number;
  createdAccounts: number;
  rejected: Rejection[];
}

export interface ChunkScope {
  tenantId: string;
  jobId: string;
}

/** One file format: checks the first line, then turns each chunk of lines into ledger rows. */
export interface ImportFormat {
  readonly name: string;
  /** Checks the first line; returns false when it is data rather than a header. Throws AppError when the file is refused. */
  header(text: string, file: string): boolean;
  importChunk(tx: EntityManager, scope: ChunkScope, chunk: SourceLine[]): Promise<ChunkOutcome>;
}

/** Quarantined lines keep this much of the raw text. */
export const RAW_LIMIT = 2_000;

interface JobRow {
  id: string;
  status: string;
  processed_lines: number;
  accepted_rows: number;
  rejected_rows: number;
  created_accounts: number;
}

const JOB_COLUMNS = 'id, status, processed_lines, accepted_rows, rejected_rows, created_accounts';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const progressOf = (job: JobRow): ImportProgress => ({
  jobId: job.id,
  processedLines: job.processed_lines,
  acceptedRows: job.accepted_rows,
  rejectedRows: job.rejected_rows,
  createdAccounts: job.created_accounts,
});

/**
 * The job machinery every import format shares. One job per (tenant, format, file content): a
 * re-import of the same file finds the completed job and changes nothing; an interrupted job
 * resumes after its last committed chunk. Each chunk commits the format's rows, the rejected
 * lines (quarantine, with line number and reason) and the job's progress together.
 */
export class ImportEngine {
  /** `cipher`: the ledger's (LEDGER_PII_KEY): a rejected line's raw text is stored encrypted (it may name the debtor). */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cipher: PiiCipher,
  ) {}

  async run(format: ImportFormat, options: ImportRunOptions): Promise<ImportJobView> {
    const sha = await sha256File(options.file);
    const job = await this.openJob(options.tenantId, format.name, options.file, sha);
    if (job.status === 'completed') return { ...progressOf(job), status: 'completed', alreadyImported: true };

    const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity });
    const chunkSize = options.chunkSize ?? 2_000;
    let lineNo = 0;
    let chunk: SourceLine[] = [];
    let chunks = 0;
    let current = job;
    const flush = async () => {
      if (chunk.length === 0) return;
      const lines = chunk;
      chunk = [];
      current = await this.ctx.dataSource.transaction(async (tx) => {
        // Each chunk's commit waits for its WAL to be flushed, as every transaction that writes
        // events must: a commit that is visible but not yet durable lets the relay publish the
        // chunk's events, and a server crash then loses the chunk, which resume imports again
        // under new entry and event ids (inboxes would not know them for the same facts). Not
        // waiting (synchronous_commit off, until 2026-12-05) saved nothing measurable: 20,000
        // accounts, alternating, 1,270 and 1,128 accounts/s waiting, 1,205 and 1,079 not.
        const outcome = await format.importChunk(tx, { tenantId: options.tenantId, jobId: job.id }, lines);
        return this.recordChunk(tx, options.tenantId, job.id, lines[lines.length - 1].lineNo, outcome);
      });
      chunks += 1;
      // Fresh statistics as the journal grows (after chunks 1, 2, 4, 8, ...): a table planned
      // as empty keeps its foreign-key checks on plans that cost 100 times more per row.
      if ((chunks & (chunks - 1)) === 0) await this.ctx.dataSource.query(`ANALYZE ${ANALYZED_TABLES.join(', ')}`);
      options.onProgress?.(progressOf(current));
    };
    for await (const text of lines) {
      lineNo += 1;
      if (lineNo === 1) {
        let isHeader: boolean;
        try {
          isHeader = format.header(text, options.file);
        } catch (err) {
          await this.finish(options.tenantId, job.id, 'failed');
          throw err;
        }
        if (isHeader) continue;
      }
      if (lineNo <= job.processed_lines || text.trim() === '') continue;
      chunk.push({ lineNo, text });
      if (chunk.length >= chunkSize) {
        await flush();
        if (options.stopAfterChunks !== undefined && chunks >= options.stopAfterChunks) {
          lines.close();
          return { ...progressOf(current), status: 'running', alreadyImported: false };
        }
      }
    }
    if (lineNo === 0) {
      await this.finish(options.tenantId, job.id, 'failed');
      throw AppError.invalid(`${options.file} is empty`);
    }
    await flush();
    const finished = await this.finish(options.tenantId, job.id, 'completed');
    this.ctx.logger.info(
      { tenantId: options.tenantId, format: format.name, ...progressOf(finished) },
      'portfolio import completed',
    );
    return { ...progressOf(finished), status: 'completed', alreadyImported: false };
  }

  /**
   * The import report: each rejected line with its reason whole (the value the reason quotes,
   * stored encrypted apart from its words, put back in its slot) and its raw text, decrypted. For
   * the operator who fixes the file (the import command, holding LEDGER_PII_KEY): never logged.
   */
  async rejections(tenantId: string, jobId: string): Promise<Rejection[]> {
    const rows = (await this.ctx.dataSource.query(
      `SELECT line_no AS "lineNo", reason, value_enc, raw_enc FROM import_rejection WHERE tenant_id = $1 AND job_id = $2 ORDER BY line_no`,
      [tenantId, jobId],
    )) as { lineNo: number; reason: string; value_enc: Buffer | null; raw_enc: Buffer | null }[];
    return rows.map(({ lineNo, reason, value_enc, raw_enc }) => ({
      lineNo,
      reason: withValue(reason, decryptFreeText(this.cipher, value_enc)),
      raw: decryptFreeText(this.cipher, raw_enc),
    }));
  }

  private async openJob(tenantId: string, format: string, file: string, sha: string): Promise<JobRow> {
    await this.ctx.dataSource.query(
      `INSERT INTO import_job (tenant_id, format, source_name, file_sha256, status) VALUES ($1, $2, $3, $4, 'running')
       ON CONFLICT (tenant_id, format, file_sha256) DO UPDATE SET status = CASE WHEN import_job.status = 'completed' THEN 'completed' ELSE 'running' END`,
      [tenantId, format, file.split('/').pop() ?? file, sha],
    );
    const [job] = (await this.ctx.dataSource.query(
      `SELECT ${JOB_COLUMNS} FROM import_job WHERE tenant_id = $1 AND format = $2 AND file_sha256 = $3`,
      [tenantId, format, sha],
    )) as JobRow[];
    return job;
  }

  private async recordChunk(
    tx: EntityManager,
    tenantId: string,
    jobId: string,
    lastLine: number,
    outcome: ChunkOutcome,
  ): Promise<JobRow> {
    const { rejected } = outcome;
    if (rejected.length > 0) {
      await tx.query(
        `INSERT INTO import_rejection (tenant_id, job_id, line_no, reason, value_enc, raw_enc)
         SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::bytea[], $6::bytea[]) ON CONFLICT DO NOTHING`,
        [
          tenantId,
          jobId,
          rejected.map((r) => r.lineNo),
          // The reason's words in clear (counted, queried); the file's value it quotes, encrypted
          // (migration 1763900017800): in a shifted line, a name, a national id, an e-mail...
          rejected.map((r) => r.reason),
          rejected.map((r) => encryptFreeText(this.cipher, r.value ?? '')),
          // Stored encrypted (migration 1763900017710): the line as read, names and phones included.
          rejected.map((r) => encryptFreeText(this.cipher, r.raw.slice(0, RAW_LIMIT))),
        ],
      );
    }
    const [updated] = (await tx.query(
      `WITH u AS (UPDATE import_job SET processed_lines = $3, accepted_rows = accepted_rows + $4, rejected_rows = rejected_rows + $5,
         created_accounts = created_accounts + $6 WHERE tenant_id = $1 AND id = $2
         RETURNING ${JOB_COLUMNS}) SELECT * FROM u`,
      [tenantId, jobId, lastLine, outcome.accepted, rejected.length, outcome.createdAccounts],
    )) as JobRow[];
    return updated;
  }

  private async finish(tenantId: string, jobId: string, status: 'completed' | 'failed'): Promise<JobRow> {
    const [job] = (await this.ctx.dataSource.query(
      `WITH u AS (UPDATE import_job SET status = $3, finished_at = now() WHERE tenant_id = $1 AND id = $2
         RETURNING ${JOB_COLUMNS}) SELECT * FROM u`,
      [tenantId, jobId, status],
    )) as JobRow[];
    return job;
  }
}
