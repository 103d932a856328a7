import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import { AppError, localDate, minorUnitDigits } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { Components, EntryKind, ZERO, add, creditTowardsDues, post } from '../ledger/domain/journal';
import { agingBucket, delinquencyAsOf } from '../ledger/domain/delinquency';
import { CopyValue, copyRows } from './copy';
import { RowError, UCI_HEADER, UciAccount, parseUciLine, planUciAccount } from './domain/uci-format';

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

export interface UciImportOptions {
  tenantId: string;
  file: string;
  /** Currency of the file's amounts (NT dollars in the UCI data). */
  currency?: string;
  chunkSize?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Test hook: stop (as a crash would) after this many committed chunks. */
  stopAfterChunks?: number;
}

interface JobRow {
  id: string;
  status: string;
  processed_lines: number;
  accepted_rows: number;
  rejected_rows: number;
  created_accounts: number;
}

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
 * Imports a portfolio in the UCI format. One job per (tenant, file content): a re-import of
 * the same file finds the completed job and changes nothing; an interrupted job resumes after
 * its last committed chunk. Each chunk commits the rows (staged with COPY), the rejected lines
 * (quarantine, with line number and reason), the events and the job's progress together.
 */
export class UciImporter {
  constructor(private readonly ctx: ServiceContext) {}

  async run(options: UciImportOptions): Promise<ImportJobView> {
    const currency = options.currency ?? 'TWD';
    const scale = 10 ** minorUnitDigits(currency);
    const sha = await sha256File(options.file);
    const job = await this.openJob(options.tenantId, options.file, sha);
    if (job.status === 'completed') return { ...progressOf(job), status: 'completed', alreadyImported: true };

    const lines = createInterface({ input: createReadStream(options.file), crlfDelay: Infinity });
    let lineNo = 0;
    let chunk: { lineNo: number; text: string }[] = [];
    let chunks = 0;
    let current = job;
    const flush = async () => {
      if (chunk.length === 0) return;
      current = await this.ctx.dataSource.transaction((tx) =>
        this.importChunk(tx, options.tenantId, current, chunk, currency, scale),
      );
      chunk = [];
      chunks += 1;
      options.onProgress?.(progressOf(current));
    };
    for await (const text of lines) {
      lineNo += 1;
      if (lineNo === 1) {
        if (text.trim().replace(/"/g, '') !== UCI_HEADER.join(',')) {
          await this.finish(options.tenantId, job.id, 'failed');
          throw AppError.invalid(
            `${options.file} is not in the UCI format: the header must be ${UCI_HEADER.join(',')}`,
          );
        }
        continue;
      }
      if (lineNo <= job.processed_lines || text.trim() === '') continue;
      chunk.push({ lineNo, text });
      if (chunk.length >= (options.chunkSize ?? 2_000)) {
        await flush();
        if (options.stopAfterChunks !== undefined && chunks >= options.stopAfterChunks) {
          lines.close();
          return { ...progressOf(current), status: 'running', alreadyImported: false };
        }
      }
    }
    await flush();
    const finished = await this.finish(options.tenantId, job.id, 'completed');
    this.ctx.logger.info({ tenantId: options.tenantId, ...progressOf(finished) }, 'portfolio import completed');
    return { ...progressOf(finished), status: 'completed', alreadyImported: false };
  }

  async rejections(tenantId: string, jobId: string): Promise<{ lineNo: number; reason: string; raw: string }[]> {
    const rows = (await this.ctx.dataSource.query(
      `SELECT line_no AS "lineNo", reason, raw FROM import_rejection WHERE tenant_id = $1 AND job_id = $2 ORDER BY line_no`,
      [tenantId, jobId],
    )) as { lineNo: number; reason: string; raw: string }[];
    return rows;
  }

  private async openJob(tenantId: string, file: string, sha: string): Promise<JobRow> {
    await this.ctx.dataSource.query(
      `INSERT INTO import_job (tenant_id, format, source_name, file_sha256, status) VALUES ($1, 'uci', $2, $3, 'running')
       ON CONFLICT (tenant_id, format, file_sha256) DO UPDATE SET status = CASE WHEN import_job.status = 'completed' THEN 'completed' ELSE 'running' END`,
      [tenantId, file.split('/').pop() ?? file, sha],
    );
    const [job] = (await this.ctx.dataSource.query(
      `SELECT id, status, processed_lines, accepted_rows, rejected_rows, created_accounts FROM import_job
        WHERE tenant_id = $1 AND format = 'uci' AND file_sha256 = $2`,
      [tenantId, sha],
    )) as JobRow[];
    return job;
  }

  private async finish(tenantId: string, jobId: string, status: 'completed' | 'failed'): Promise<JobRow> {
    const [job] = (await this.ctx.dataSource.query(
      `WITH u AS (UPDATE import_job SET status = $3, finished_at = now() WHERE tenant_id = $1 AND id = $2
         RETURNING id, status, processed_lines, accepted_rows, rejected_rows, created_accounts) SELECT * FROM u`,
      [tenantId, jobId, status],
    )) as JobRow[];
    return job;
  }

  private async importChunk(
    tx: EntityManager,
    tenantId: string,
    job: JobRow,
    chunk: { lineNo: number; text: string }[],
    currency: string,
    scale: number,
  ): Promise<JobRow> {
    const rejected: { lineNo: number; reason: string; raw: string }[] = [];
    const accepted: { lineNo: number; account: UciAccount; text: string }[] = [];
    const firstLine = new Map<string, number>();
    for (const { lineNo, text } of chunk) {
      try {
        const account = parseUciLine(text);
        const seen = firstLine.get(account.clientId);
        if (seen !== undefined) throw new RowError(`duplicate ID ${account.clientId} (first on line ${seen})`);
        firstLine.set(account.clientId, lineNo);
        accepted.push({ lineNo, account, text });
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        rejected.push({ lineNo, reason: err.message, raw: text.slice(0, 2_000) });
      }
    }

    const accountId = (a: UciAccount) => `uci-${a.clientId}`;
    await tx.query(
      `CREATE TEMP TABLE IF NOT EXISTS stage_account (LIKE account INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`,
    );
    await copyRows(
      tx,
      'stage_account',
      [
        'tenant_id',
        'id',
        'external_ref',
        'product',
        'currency',
        'credit_limit_minor',
        'opened_on',
        'time_zone',
        'import_job_id',
      ],
      accepted.map(({ account }) => [
        tenantId,
        accountId(account),
        `uci:${account.clientId}`,
        ledger.Product.PRODUCT_CREDIT_CARD,
        currency,
        account.limit * scale,
        '2005-03-01',
        'Asia/Taipei',
        job.id,
      ]),
    );
    // Debtors carry no personal data from this file: an id, a country and a time zone.
    await tx.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name, time_zone, language, country)
       SELECT tenant_id, id, 'person', 'UCI client ' || substr(id, 5), 'Asia/Taipei', 'zh', 'TW' FROM stage_account
       ON CONFLICT DO NOTHING`,
    );
    const created = new Set(
      (
        (await tx.query(`INSERT INTO account SELECT * FROM stage_account ON CONFLICT DO NOTHING RETURNING id`)) as {
          id: string;
        }[]
      ).map((r) => r.id),
    );
    // Already in the ledger: from an earlier import (nothing to do) or an earlier line of this file.
    const existing = accepted.filter(({ account }) => !created.has(accountId(account)));
    let duplicates = 0;
    if (existing.length > 0) {
      const fromThisJob = new Set(
        (
          (await tx.query(`SELECT id FROM account WHERE tenant_id = $1 AND id = ANY($2) AND import_job_id = $3`, [
            tenantId,
            existing.map(({ account }) => accountId(account)),
            job.id,
          ])) as { id: string }[]
        ).map((r) => r.id),
      );
      for (const { lineNo, account, text } of existing) {
        if (!fromThisJob.has(accountId(account))) continue;
        duplicates += 1;
        rejected.push({
          lineNo,
          reason: `duplicate ID ${account.clientId} (on an earlier line of this file)`,
          raw: text.slice(0, 2_000),
        });
      }
    }

    const links: CopyValue[][] = [];
    const statements: CopyValue[][] = [];
    const entries: CopyValue[][] = [];
    const lines: CopyValue[][] = [];
    const balances: CopyValue[][] = [];
    const events: NewEvent<never>[] = [];
    const today = localDate(this.ctx.clock.now(), 'Asia/Taipei');
    const postedAt = this.ctx.clock.now();
    for (const { account } of accepted) {
      const id = accountId(account);
      if (!created.has(id)) continue;
      const plan = planUciAccount(account, scale);
      links.push([tenantId, id, id, ledger.DebtorRole.DEBTOR_ROLE_PRIMARY]);
      let balance: Components = { ...ZERO };
      const credits: { date: string; amount: number }[] = [];
      for (const e of plan.entries) {
        const entryId = randomUUID();
        const posting = post(e.kind, e.amount, balance);
        balance = add(balance, posting.delta);
        const duesCredit = creditTowardsDues(e.kind, posting.delta);
        if (duesCredit !== 0) credits.push({ date: e.effectiveDate, amount: duesCredit });
        entries.push([
          tenantId,
          entryId,
          id,
          e.kind,
          e.amount,
          currency,
          e.effectiveDate,
          postedAt,
          duesCredit,
          `import:uci:${account.clientId}:${e.key}`,
          'uci import',
        ]);
        posting.lines.forEach((l, i) => lines.push([tenantId, entryId, i + 1, l.account, l.debit, l.credit]));
        if (e.kind === EntryKind.Payment) {
          events.push(
            this.event(tenantId, id, 'collections.ledger.v1.PaymentPosted', {
              paymentId: entryId,
              accountId: id,
              amount: { amountMinor: e.amount, currency },
              balanceAfter: { amountMinor: balance.principal + balance.interest + balance.fees, currency },
              postedAt: new Date(`${e.effectiveDate}T12:00:00Z`),
              reference: 'uci import',
            }),
          );
        }
      }
      for (const s of plan.statements) {
        statements.push([
          tenantId,
          id,
          s.cycle,
          s.statementDate,
          s.dueDate,
          s.amountDue,
          s.minimumDue,
          s.reportedStatus,
        ]);
        events.push(
          this.event(tenantId, id, 'collections.ledger.v1.StatementIssued', {
            accountId: id,
            cycle: s.cycle,
            statementDate: s.statementDate,
            dueDate: s.dueDate,
            amountDue: { amountMinor: s.amountDue, currency },
            minimumDue: { amountMinor: s.minimumDue, currency },
            hasReportedStatus: true,
            reportedStatus: s.reportedStatus,
          }),
        );
      }
      const d = delinquencyAsOf(
        plan.statements.map((s) => ({ dueDate: s.dueDate, amount: s.minimumDue })),
        credits,
        today,
      );
      balances.push([id, balance.principal, balance.interest, balance.fees, d.daysPastDue, agingBucket(d.daysPastDue)]);
      events.unshift(
        this.event(tenantId, id, 'collections.ledger.v1.AccountOpened', {
          accountId: id,
          externalRef: `uci:${account.clientId}`,
          product: ledger.Product.PRODUCT_CREDIT_CARD,
          currency,
          creditLimitMinor: account.limit * scale,
          openedOn: '2005-03-01',
          debtors: [{ debtorId: id, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
          timeZone: 'Asia/Taipei',
        }),
      );
    }
    await copyRows(tx, 'account_debtor', ['tenant_id', 'account_id', 'debtor_id', 'role'], links);
    await copyRows(
      tx,
      'statement',
      [
        'tenant_id',
        'account_id',
        'cycle',
        'statement_date',
        'due_date',
        'amount_due_minor',
        'minimum_due_minor',
        'reported_status',
      ],
      statements,
    );
    await copyRows(
      tx,
      'journal_entry',
      [
        'tenant_id',
        'id',
        'account_id',
        'kind',
        'amount_minor',
        'currency',
        'effective_date',
        'posted_at',
        'dues_credit_minor',
        'idempotency_key',
        'memo',
      ],
      entries,
    );
    await copyRows(
      tx,
      'journal_line',
      ['tenant_id', 'entry_id', 'line_no', 'ledger_account', 'debit_minor', 'credit_minor'],
      lines,
    );
    if (balances.length > 0) {
      await tx.query(
        `UPDATE account a SET principal_minor = b.p, interest_minor = b.i, fees_minor = b.f, days_past_due = b.d, aging_bucket = b.g
           FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::int[], $7::text[]) AS b(id, p, i, f, d, g)
          WHERE a.tenant_id = $1 AND a.id = b.id`,
        [tenantId, ...[0, 1, 2, 3, 4, 5].map((c) => balances.map((r) => r[c]))],
      );
    }
    await this.ctx.backbone.outbox.addMany(tx, events);
    if (rejected.length > 0) {
      await tx.query(
        `INSERT INTO import_rejection (tenant_id, job_id, line_no, reason, raw)
         SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[]) ON CONFLICT DO NOTHING`,
        [tenantId, job.id, rejected.map((r) => r.lineNo), rejected.map((r) => r.reason), rejected.map((r) => r.raw)],
      );
    }
    const [updated] = (await tx.query(
      `WITH u AS (UPDATE import_job SET processed_lines = $3, accepted_rows = accepted_rows + $4, rejected_rows = rejected_rows + $5,
         created_accounts = created_accounts + $6 WHERE tenant_id = $1 AND id = $2
         RETURNING id, status, processed_lines, accepted_rows, rejected_rows, created_accounts) SELECT * FROM u`,
      [tenantId, job.id, chunk[chunk.length - 1].lineNo, accepted.length - duplicates, rejected.length, created.size],
    )) as JobRow[];
    return updated;
  }

  private event<
    T extends
      | 'collections.ledger.v1.PaymentPosted'
      | 'collections.ledger.v1.StatementIssued'
      | 'collections.ledger.v1.AccountOpened',
  >(tenantId: string, accountId: string, type: T, payload: object): NewEvent<never> {
    return { type, key: accountId, tenantId, payload } as unknown as NewEvent<never>;
  }
}
