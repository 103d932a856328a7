import { EntityManager } from 'typeorm';
import { localDate } from '@collections/platform';
import { DatabaseTimeZones, ServiceContext } from '@collections/runtime';
import { EntryKind } from '../ledger/domain/journal';
import {
  DAYS_AHEAD_OF_TODAY,
  DUE_DAYS_AHEAD_OF_TODAY,
  beforeOpening,
  openedOnProblem,
  tooFarAhead,
} from '../ledger/domain/dates';
import { Credit, Due, delinquencyAsOf } from '../ledger/domain/delinquency';
import { lockDebtorsToLink } from '../ledger/debtor-links';
import { erasedDebtorReason } from '../ledger/domain/erasure';
import { PiiCipher, configuredPiiCipher } from '../ledger/pii';
import {
  GenericAccount,
  GenericField,
  GenericRecord,
  csvFields,
  jsonFields,
  parseCsvHeader,
  parseGenericRecord,
} from './domain/generic-format';
import { RowError, VALUE_SLOT } from './domain/row-error';
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
import { LedgerBatch, PostingAccount } from './ledger-batch';

export type GenericSyntax = 'csv' | 'ndjson';

interface Parsed {
  line: SourceLine;
  rec: GenericRecord;
}

interface KnownAccount {
  id: string;
  external_ref: string;
  currency: string;
  product: number;
  time_zone: string;
  import_job_id: string | null;
  debtor_ids: string[];
}

interface LockedAccount extends PostingAccount {
  timeZone: string;
  openedOn: string;
  dues: Due[];
  credits: Credit[];
  cycles: Set<number>;
  touched: boolean;
}

const CHARGE_KINDS = { charge: EntryKind.Charge, interest: EntryKind.Interest, fee: EntryKind.Fee } as const;

/** Account ids of imported accounts: the external reference, namespaced so it cannot take an API-chosen id. */
export const importedAccountId = (externalRef: string) => `ext:${externalRef}`;

/**
 * The generic portfolio format (docs/import-format.md) in CSV or NDJSON. A chunk opens its new
 * accounts first, then applies statements, payments and charges in line order on the locked
 * accounts they name, which may come from this file or be in the ledger already.
 */
export class GenericFormat implements ImportFormat {
  readonly name: string;
  private columns: GenericField[] = [];
  private readonly databaseZones: DatabaseTimeZones;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly syntax: GenericSyntax,
    private readonly cipher: PiiCipher,
  ) {
    this.name = `generic-${syntax}`;
    this.databaseZones = DatabaseTimeZones.of(ctx.dataSource);
  }

  header(text: string): boolean {
    if (this.syntax === 'ndjson') return false;
    this.columns = parseCsvHeader(text);
    return true;
  }

  async importChunk(tx: EntityManager, scope: ChunkScope, chunk: SourceLine[]): Promise<ChunkOutcome> {
    const rejected: Rejection[] = [];
    // `reason`'s fixed words with VALUE_SLOT where the file's `value` goes (stored apart, encrypted).
    const reject = (line: SourceLine, reason: string, value?: string) =>
      rejected.push({ lineNo: line.lineNo, reason, value, raw: line.text });
    const parsed: Parsed[] = [];
    for (const line of chunk) {
      try {
        const fields = this.syntax === 'csv' ? csvFields(line.text, this.columns) : jsonFields(line.text);
        const rec = parseGenericRecord(fields);
        // As through the API: a zone this runtime knows but PostgreSQL's tzdata does not is refused.
        if (rec.record === 'account' && !(await this.databaseZones.knows(rec.debtor.timeZone, tx))) {
          reject(
            line,
            `debtor_time_zone "{value}" is not a time zone the ledger's database knows`,
            rec.debtor.timeZone,
          );
          continue;
        }
        parsed.push({ line, rec });
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        reject(line, err.message, err.value);
      }
    }

    // The same rules as the API's: an account opens, and what happens on it is dated, tomorrow at
    // the latest in the account's time zone, and a statement falls due within a year of today.
    // History is in the past; a payment or charge is not dated before its account opened.
    const now = this.ctx.clock.now();
    const todayIn = new Map<string, string>();
    const today = (timeZone: string) => {
      let date = todayIn.get(timeZone);
      if (date === undefined) todayIn.set(timeZone, (date = localDate(now, timeZone)));
      return date;
    };
    const batch = new LedgerBatch(this.ctx, scope.tenantId, now, this.cipher);
    const { created, opened } = await this.openAccounts(tx, scope, parsed, batch, reject, today);
    const accounts = await this.lockAccounts(tx, scope.tenantId, [...new Set(parsed.map((p) => p.rec.externalRef))]);
    const keys = await this.existingKeys(tx, scope.tenantId, parsed);
    const accepted = new Set<Parsed>(opened.accepted);
    const openedLine = new Map([...opened.created].map((p) => [p.rec.externalRef, p.line.lineNo]));

    for (const p of parsed) {
      const { rec, line } = p;
      if (rec.record === 'account') {
        if (!opened.created.has(p) || rec.openingBalanceMinor === 0) continue;
        const account = accounts.get(rec.externalRef)!;
        this.apply(
          account,
          batch,
          EntryKind.Charge,
          rec.openingBalanceMinor,
          rec.openedOn,
          `import:open:${rec.externalRef}`,
          'opening balance',
        );
        continue;
      }
      const account = accounts.get(rec.externalRef);
      const openedOnLine = openedLine.get(rec.externalRef);
      if (openedOnLine !== undefined && openedOnLine > line.lineNo) {
        reject(line, `unknown account: external_ref {value} is opened later, on line ${openedOnLine}`, rec.externalRef);
        continue;
      }
      if (!account) {
        reject(line, 'unknown account: no account has external_ref {value}', rec.externalRef);
        continue;
      }
      if (rec.currency !== account.currency) {
        reject(line, `currency ${rec.currency} differs from the account's currency ${account.currency}`);
        continue;
      }
      const tooLate =
        rec.record === 'statement'
          ? (tooFarAhead('statement_date', rec.statementDate, today(account.timeZone), DAYS_AHEAD_OF_TODAY) ??
            tooFarAhead('due_date', rec.dueDate, today(account.timeZone), DUE_DAYS_AHEAD_OF_TODAY))
          : tooFarAhead('date', rec.date, today(account.timeZone), DAYS_AHEAD_OF_TODAY);
      if (tooLate) {
        reject(line, tooLate);
        continue;
      }
      // As through the API: a payment or charge is not dated before the account opened (a
      // statement may be, as there: see docs/import-format.md).
      const early = rec.record === 'statement' ? undefined : beforeOpening('date', rec.date, account.openedOn);
      if (early) {
        reject(line, early);
        continue;
      }
      if (rec.record === 'statement') {
        if (account.cycles.has(rec.cycle)) {
          reject(line, `duplicate statement: account {value} already has cycle ${rec.cycle}`, rec.externalRef);
          continue;
        }
        account.cycles.add(rec.cycle);
        account.dues.push({ dueDate: rec.dueDate, amount: rec.minimumDueMinor });
        account.touched = true;
        batch.statement(account, {
          cycle: rec.cycle,
          statementDate: rec.statementDate,
          dueDate: rec.dueDate,
          amountDue: rec.amountDueMinor,
          minimumDue: rec.minimumDueMinor,
          reportedStatus: rec.reportedStatus,
        });
      } else {
        const key = `import:${rec.record}:${rec.reference}`;
        if (keys.has(key)) {
          reject(line, `duplicate ${rec.record} reference {value} (already posted)`, rec.reference);
          continue;
        }
        keys.add(key);
        const kind = rec.record === 'payment' ? EntryKind.Payment : CHARGE_KINDS[rec.kind];
        this.apply(account, batch, kind, rec.amountMinor, rec.date, key, `${rec.record} import`, rec.reference);
      }
      accepted.add(p);
    }

    for (const account of accounts.values()) {
      if (!account.touched) continue;
      batch.settle(account, delinquencyAsOf(account.dues, account.credits, today(account.timeZone)).daysPastDue);
    }
    await batch.flush(tx);
    rejected.sort((a, b) => a.lineNo - b.lineNo);
    return { accepted: accepted.size, createdAccounts: created, rejected };
  }

  private apply(
    account: LockedAccount,
    batch: LedgerBatch,
    kind: EntryKind,
    amount: number,
    effectiveDate: string,
    idempotencyKey: string,
    memo: string,
    reference?: string,
  ): void {
    const duesCredit = batch.post(account, { kind, amount, effectiveDate, idempotencyKey, memo, reference });
    if (duesCredit !== 0) account.credits.push({ date: effectiveDate, amount: duesCredit });
    account.touched = true;
  }

  /**
   * Opens the chunk's new accounts (and their debtors). An account line whose external_ref is
   * in the ledger already is accepted unchanged when it names the same debtor, product and
   * currency, and rejected otherwise; a second line for the same external_ref is rejected.
   */
  private async openAccounts(
    tx: EntityManager,
    { tenantId, jobId }: ChunkScope,
    parsed: Parsed[],
    batch: LedgerBatch,
    reject: (line: SourceLine, reason: string, value?: string) => void,
    today: (timeZone: string) => string,
  ): Promise<{ created: number; opened: { accepted: Parsed[]; created: Set<Parsed> } }> {
    const firstLine = new Map<string, number>();
    const candidates: (Parsed & { rec: GenericAccount })[] = [];
    for (const p of parsed) {
      if (p.rec.record !== 'account') continue;
      // Refused before anything is written: no debtor or account is left from this line.
      const badOpening = openedOnProblem(p.rec.openedOn, today(p.rec.debtor.timeZone));
      if (badOpening) {
        reject(p.line, badOpening);
        continue;
      }
      const seen = firstLine.get(p.rec.externalRef);
      if (seen !== undefined) {
        reject(p.line, `duplicate external_ref {value} (first on line ${seen})`, p.rec.externalRef);
        continue;
      }
      firstLine.set(p.rec.externalRef, p.line.lineNo);
      candidates.push(p as Parsed & { rec: GenericAccount });
    }
    const opened = { accepted: [] as Parsed[], created: new Set<Parsed>() };
    if (candidates.length === 0) return { created: 0, opened };

    const known = new Map(
      (
        (await tx.query(
          `SELECT a.id, a.external_ref, a.currency, a.product, a.time_zone, a.import_job_id,
                  coalesce(array_agg(ad.debtor_id) FILTER (WHERE ad.debtor_id IS NOT NULL), '{}') AS debtor_ids
             FROM account a LEFT JOIN account_debtor ad ON ad.tenant_id = a.tenant_id AND ad.account_id = a.id
            WHERE a.tenant_id = $1 AND a.external_ref = ANY($2) GROUP BY a.tenant_id, a.id`,
          [tenantId, candidates.map((c) => c.rec.externalRef)],
        )) as KnownAccount[]
      ).map((k) => [k.external_ref, k]),
    );
    let fresh: (Parsed & { rec: GenericAccount })[] = [];
    for (const c of candidates) {
      const k = known.get(c.rec.externalRef);
      if (!k) fresh.push(c);
      else if (k.import_job_id === jobId)
        reject(c.line, 'duplicate external_ref {value} (on an earlier line of this file)', c.rec.externalRef);
      else if (
        k.debtor_ids.includes(c.rec.debtor.id) &&
        k.currency.trim() === c.rec.currency &&
        k.product === c.rec.product
      )
        opened.accepted.push(c);
      else
        reject(
          c.line,
          `duplicate external_ref {value}: it belongs to account ${k.id} of another debtor, product or currency`,
          c.rec.externalRef,
        );
    }
    // A new account for an erased debtor would bring the person back (a routine export that still
    // holds them, as UpsertDebtor refuses): the line is rejected, and quarantined as 'erased', as the
    // erasure left every line naming the debtor, not as the file has it. The debtors on record are
    // share-locked, as OpenAccount's: an erasure waits for the chunk, or the chunk for it, so no
    // account is linked to a debtor erased in between.
    const erased = new Set(
      (await lockDebtorsToLink(tx, tenantId, [...new Set(fresh.map((c) => c.rec.debtor.id))])).flatMap((r) =>
        r.erased ? [r.id] : [],
      ),
    );
    for (const c of fresh.filter((f) => erased.has(f.rec.debtor.id)))
      reject(
        { lineNo: c.line.lineNo, text: 'erased' },
        erasedDebtorReason(VALUE_SLOT, 'no account is opened for it'),
        c.rec.debtor.id,
      );
    fresh = fresh.filter((f) => !erased.has(f.rec.debtor.id));
    if (fresh.length === 0) return { created: 0, opened };

    const debtors = fresh.map((c) => c.rec.debtor);
    // An existing debtor is left as it is: an export never overwrites what collections changed.
    // The names are encrypted here, the chunk's together, and sent in the same one statement.
    await tx.query(
      `INSERT INTO debtor (tenant_id, id, kind, display_name_enc, time_zone, language, country)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[]) ON CONFLICT DO NOTHING`,
      [
        tenantId,
        debtors.map((d) => d.id),
        debtors.map((d) => d.kind),
        debtors.map((d) => this.cipher.encrypt(d.name)),
        debtors.map((d) => d.timeZone),
        debtors.map((d) => d.language),
        debtors.map((d) => d.country),
      ],
    );
    const inserted = new Set(
      (
        (await tx.query(
          `INSERT INTO account (tenant_id, id, external_ref, product, currency, credit_limit_minor, opened_on, time_zone, import_job_id)
           SELECT $1, u.*, $9::uuid FROM unnest($2::text[], $3::text[], $4::smallint[], $5::text[], $6::bigint[], $7::date[], $8::text[]) AS u
           ON CONFLICT DO NOTHING RETURNING external_ref`,
          [
            tenantId,
            fresh.map((c) => importedAccountId(c.rec.externalRef)),
            fresh.map((c) => c.rec.externalRef),
            fresh.map((c) => c.rec.product),
            fresh.map((c) => c.rec.currency),
            fresh.map((c) => c.rec.creditLimitMinor),
            fresh.map((c) => c.rec.openedOn),
            fresh.map((c) => c.rec.debtor.timeZone),
            jobId,
          ],
        )) as { external_ref: string }[]
      ).map((r) => r.external_ref),
    );
    for (const c of fresh) {
      if (!inserted.has(c.rec.externalRef)) {
        reject(c.line, 'account id {value} is taken by another account', importedAccountId(c.rec.externalRef));
        continue;
      }
      opened.accepted.push(c);
      opened.created.add(c);
      batch.accountOpened({
        id: importedAccountId(c.rec.externalRef),
        externalRef: c.rec.externalRef,
        product: c.rec.product,
        currency: c.rec.currency,
        creditLimitMinor: c.rec.creditLimitMinor,
        openedOn: c.rec.openedOn,
        timeZone: c.rec.debtor.timeZone,
        debtorId: c.rec.debtor.id,
      });
    }
    return { created: opened.created.size, opened };
  }

  /** The named accounts, locked, with their balance and the inputs of days past due. */
  private async lockAccounts(tx: EntityManager, tenantId: string, refs: string[]): Promise<Map<string, LockedAccount>> {
    const rows = (await tx.query(
      `SELECT a.id, a.external_ref, a.currency, a.time_zone, to_char(a.opened_on, 'YYYY-MM-DD') AS opened_on, a.principal_minor, a.interest_minor, a.fees_minor,
              (SELECT coalesce(json_agg(json_build_array(to_char(s.due_date, 'YYYY-MM-DD'), s.minimum_due_minor, s.cycle)), '[]')
                 FROM statement s WHERE s.tenant_id = a.tenant_id AND s.account_id = a.id) AS dues,
              (SELECT coalesce(json_agg(json_build_array(to_char(e.effective_date, 'YYYY-MM-DD'), e.dues_credit_minor)), '[]')
                 FROM journal_entry e WHERE e.tenant_id = a.tenant_id AND e.account_id = a.id AND e.dues_credit_minor <> 0) AS credits
         FROM account a WHERE a.tenant_id = $1 AND a.external_ref = ANY($2) ORDER BY a.id FOR UPDATE OF a`,
      [tenantId, refs],
    )) as {
      id: string;
      external_ref: string;
      currency: string;
      time_zone: string;
      opened_on: string;
      principal_minor: string;
      interest_minor: string;
      fees_minor: string;
      dues: [string, number | string, number][];
      credits: [string, number | string][];
    }[];
    return new Map(
      rows.map((r) => [
        r.external_ref,
        {
          id: r.id,
          currency: r.currency.trim(),
          timeZone: r.time_zone,
          openedOn: r.opened_on,
          balance: {
            principal: Number(r.principal_minor),
            interest: Number(r.interest_minor),
            fees: Number(r.fees_minor),
          },
          dues: r.dues.map(([dueDate, amount]) => ({ dueDate, amount: Number(amount) })),
          credits: r.credits.map(([date, amount]) => ({ date, amount: Number(amount) })),
          cycles: new Set(r.dues.map(([, , cycle]) => cycle)),
          touched: false,
        },
      ]),
    );
  }

  private async existingKeys(tx: EntityManager, tenantId: string, parsed: Parsed[]): Promise<Set<string>> {
    const keys = parsed.flatMap(({ rec }) =>
      rec.record === 'payment' || rec.record === 'charge' ? [`import:${rec.record}:${rec.reference}`] : [],
    );
    if (keys.length === 0) return new Set();
    const rows = (await tx.query(
      `SELECT idempotency_key FROM journal_entry WHERE tenant_id = $1 AND idempotency_key = ANY($2)`,
      [tenantId, keys],
    )) as { idempotency_key: string }[];
    return new Set(rows.map((r) => r.idempotency_key));
  }
}

/** Imports a portfolio in the generic format (CSV or NDJSON) through the shared import engine. */
export class GenericImporter {
  private readonly engine: ImportEngine;

  /** `cipher`: the ledger's (LEDGER_PII_KEY), encrypts the debtors' names and the rejected lines. */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly cipher: PiiCipher = configuredPiiCipher(),
  ) {
    this.engine = new ImportEngine(ctx, cipher);
  }

  run(syntax: GenericSyntax, options: ImportRunOptions): Promise<ImportJobView> {
    return this.engine.run(new GenericFormat(this.ctx, syntax, this.cipher), options);
  }

  rejections(tenantId: string, jobId: string): Promise<Rejection[]> {
    return this.engine.rejections(tenantId, jobId);
  }
}
