import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { AppError, localDate, minorUnitDigits } from '@collections/platform';
import { ServiceContext, copyRows } from '@collections/runtime';
import { Components, ZERO, add, creditTowardsDues, post } from '../ledger/domain/journal';
import { Credit, agingBucket, delinquencyAsOf } from '../ledger/domain/delinquency';
import { erasedDebtorReason } from '../ledger/domain/erasure';
import { PiiCipher, configuredPiiCipher } from '../ledger/pii';
import { VALUE_SLOT } from './domain/row-error';
import { RowError, UCI_HEADER, UciAccount, parseUciLine, planUciAccount } from './domain/uci-format';
import {
  ChunkOutcome,
  ChunkScope,
  ImportEngine,
  ImportFormat,
  ImportJobView,
  ImportRunOptions,
  Rejection,
  SourceLine,
} from './import-engine';
import { LedgerBatch } from './ledger-batch';

export type { ImportJobView, ImportProgress } from './import-engine';

export interface UciImportOptions extends ImportRunOptions {
  /** Currency of the file's amounts (NT dollars in the UCI data). */
  currency?: string;
}

const accountId = (a: UciAccount) => `uci-${a.clientId}`;

/** The UCI credit-default format: one line = one client, with six statements and payments. */
export class UciFormat implements ImportFormat {
  readonly name = 'uci';
  private readonly scale: number;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly currency: string,
    private readonly cipher: PiiCipher,
  ) {
    this.scale = 10 ** minorUnitDigits(currency);
  }

  header(text: string, file: string): boolean {
    if (text.trim().replace(/"/g, '') !== UCI_HEADER.join(','))
      throw AppError.invalid(`${file} is not in the UCI format: the header must be ${UCI_HEADER.join(',')}`);
    return true;
  }

  async importChunk(tx: EntityManager, { tenantId, jobId }: ChunkScope, chunk: SourceLine[]): Promise<ChunkOutcome> {
    const { currency, scale } = this;
    const rejected: Rejection[] = [];
    let accepted: { lineNo: number; account: UciAccount; text: string }[] = [];
    const firstLine = new Map<string, number>();
    for (const { lineNo, text } of chunk) {
      try {
        const account = parseUciLine(text);
        const seen = firstLine.get(account.clientId);
        if (seen !== undefined) throw new RowError(`duplicate ID {value} (first on line ${seen})`, account.clientId);
        firstLine.set(account.clientId, lineNo);
        accepted.push({ lineNo, account, text });
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        rejected.push({ lineNo, reason: err.message, value: err.value, raw: text });
      }
    }
    // As the generic format's: no account is opened for an erased debtor (one the API keeps under a
    // UCI id; a debtor this format opened has its account already, and its line opens nothing).
    // Rejected, and quarantined as 'erased'. Those debtors on record are share-locked, as OpenAccount's.
    const erased = new Set(
      (
        (await tx.query(
          `SELECT d.id, d.erased_at IS NOT NULL AS erased FROM debtor d WHERE d.tenant_id = $1 AND d.id = ANY($2)
              AND NOT EXISTS (SELECT 1 FROM account a WHERE a.tenant_id = d.tenant_id AND a.id = d.id)
            ORDER BY d.id FOR SHARE OF d`,
          [tenantId, accepted.map(({ account }) => accountId(account))],
        )) as { id: string; erased: boolean }[]
      ).flatMap((r) => (r.erased ? [r.id] : [])),
    );
    if (erased.size > 0) {
      for (const { lineNo, account } of accepted.filter(({ account }) => erased.has(accountId(account))))
        rejected.push({
          lineNo,
          reason: erasedDebtorReason(VALUE_SLOT, 'no account is opened for it'),
          value: accountId(account),
          raw: 'erased',
        });
      accepted = accepted.filter(({ account }) => !erased.has(accountId(account)));
    }

    // Each account's balance and delinquency after its six months, worked out before it is
    // written, so the account row is inserted once with them instead of updated after its postings.
    const today = localDate(this.ctx.clock.now(), 'Asia/Taipei');
    const settled = accepted.map(({ account }) => {
      const plan = planUciAccount(account, scale);
      let balance: Components = ZERO;
      const credits: Credit[] = [];
      for (const e of plan.entries) {
        const posting = post(e.kind, e.amount, balance);
        balance = add(balance, posting.delta);
        const duesCredit = creditTowardsDues(e.kind, posting.delta);
        if (duesCredit !== 0) credits.push({ date: e.effectiveDate, amount: duesCredit });
      }
      const dues = plan.statements.map((s) => ({ dueDate: s.dueDate, amount: s.minimumDue }));
      return { account, plan, balance, daysPastDue: delinquencyAsOf(dues, credits, today).daysPastDue };
    });

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
        'principal_minor',
        'interest_minor',
        'fees_minor',
        'days_past_due',
        'aging_bucket',
      ],
      settled.map(({ account, balance, daysPastDue }) => [
        tenantId,
        accountId(account),
        `uci:${account.clientId}`,
        ledger.Product.PRODUCT_CREDIT_CARD,
        currency,
        account.limit * scale,
        '2005-03-01',
        'Asia/Taipei',
        jobId,
        balance.principal,
        balance.interest,
        balance.fees,
        daysPastDue,
        agingBucket(daysPastDue),
      ]),
    );
    // Debtors carry no personal data from this file: an id, a country and a time zone; their name
    // ('UCI client <ID>') is stored encrypted as every debtor's is, the chunk's in one statement.
    // The file records no language: it is left unknown ('') rather than guessed from the country,
    // which is stored and which the orchestrator falls back on.
    await tx.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name_enc, time_zone, language, country)
       SELECT $1, u.id, 'person', u.display_name_enc, 'Asia/Taipei', '', 'TW' FROM unnest($2::text[], $3::bytea[]) AS u (id, display_name_enc)
       ON CONFLICT DO NOTHING`,
      [
        tenantId,
        settled.map(({ account }) => accountId(account)),
        settled.map(({ account }) => this.cipher.encrypt(`UCI client ${account.clientId}`)),
      ],
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
            jobId,
          ])) as { id: string }[]
        ).map((r) => r.id),
      );
      for (const { lineNo, account, text } of existing) {
        if (!fromThisJob.has(accountId(account))) continue;
        duplicates += 1;
        rejected.push({
          lineNo,
          reason: 'duplicate ID {value} (on an earlier line of this file)',
          value: account.clientId,
          raw: text,
        });
      }
    }

    const batch = new LedgerBatch(this.ctx, tenantId, this.ctx.clock.now(), this.cipher);
    for (const { account, plan } of settled) {
      const id = accountId(account);
      if (!created.has(id)) continue;
      batch.accountOpened({
        id,
        externalRef: `uci:${account.clientId}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency,
        creditLimitMinor: account.limit * scale,
        openedOn: '2005-03-01',
        timeZone: 'Asia/Taipei',
        debtorId: id,
      });
      // The same postings again, now into the batch: its running balance ends where `settled` did.
      const target = { id, currency, balance: { ...ZERO } };
      for (const e of plan.entries) {
        batch.post(target, {
          kind: e.kind,
          amount: e.amount,
          effectiveDate: e.effectiveDate,
          idempotencyKey: `import:uci:${account.clientId}:${e.key}`,
          memo: 'uci import',
        });
      }
      for (const s of plan.statements) batch.statement(target, s);
    }
    await batch.flush(tx);
    rejected.sort((a, b) => a.lineNo - b.lineNo);
    return { accepted: accepted.length - duplicates, createdAccounts: created.size, rejected };
  }
}

/** Imports a portfolio in the UCI format through the shared import engine (jobs, quarantine, resume). */
export class UciImporter {
  private readonly engine: ImportEngine;

  /** `cipher`: the ledger's (LEDGER_PII_KEY), encrypts the debtors' names and the rejected lines. */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cipher: PiiCipher = configuredPiiCipher(),
  ) {
    this.engine = new ImportEngine(ctx, cipher);
  }

  run(options: UciImportOptions): Promise<ImportJobView> {
    return this.engine.run(new UciFormat(this.ctx, options.currency ?? 'TWD', this.cipher), options);
  }

  rejections(tenantId: string, jobId: string): Promise<Rejection[]> {
    return this.engine.rejections(tenantId, jobId);
  }
}
