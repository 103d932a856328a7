import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import { orderedUuid } from '@collections/platform';
import { ServiceContext, copyEscape, copyEvents, copyText } from '@collections/runtime';
import { Components, EntryKind, add, creditTowardsDues, post } from '../ledger/domain/journal';
import { agingBucket } from '../ledger/domain/delinquency';
import { PiiCipher, copyBytea, encryptFreeText } from '../ledger/pii';

export interface OpenedAccount {
  id: string;
  externalRef: string;
  product: ledger.Product;
  currency: string;
  creditLimitMinor: number;
  openedOn: string;
  timeZone: string;
  debtorId: string;
}

/** An account being posted to in this batch: its receivable moves with every posting. */
export interface PostingAccount {
  id: string;
  currency: string;
  balance: Components;
}

export interface BatchStatement {
  cycle: number;
  statementDate: string;
  dueDate: string;
  amountDue: number;
  minimumDue: number;
  reportedStatus: number | null;
}

export interface BatchEntry {
  kind: EntryKind;
  amount: number;
  effectiveDate: string;
  idempotencyKey: string;
  memo: string;
  reference?: string;
}

type LedgerEventType =
  | 'collections.ledger.v1.PaymentPosted'
  | 'collections.ledger.v1.StatementIssued'
  | 'collections.ledger.v1.AccountOpened';

/**
 * COPY text lines kept as pieces of about 64 KiB: appending to one string per table would leave a
 * rope of hundreds of thousands of parts that is flattened (and copied again) when written.
 */
class CopyLines {
  private readonly done: string[] = [];
  private piece = '';

  get empty(): boolean {
    return this.piece === '' && this.done.length === 0;
  }

  add(line: string): void {
    this.piece += line;
    if (this.piece.length > 1 << 16) {
      this.done.push(this.piece);
      this.piece = '';
    }
  }

  pieces(): string[] {
    return this.piece ? [...this.done, this.piece] : this.done;
  }
}

/**
 * The ledger rows and events of one import chunk, written straight into COPY text as they are
 * made (no row arrays to build, keep and encode again) and sent with one COPY per table: debtor
 * links, statements, journal entries and lines, then the cached balances (one UPDATE) and the
 * outbox events (the outbox's own COPY lines; its INSERT statement on PGlite, which has no COPY).
 * The journal arithmetic is the ledger's own (`post`), so an imported entry is indistinguishable
 * from a posted one; its memo is written encrypted with `cipher` (`memo_enc`), as a posted one's.
 * An importer's memos are its own few labels ('uci import', 'payment import'), never a caller's
 * text: each is encrypted once per batch, not once per entry (~7 µs each, on every imported line).
 */
export class LedgerBatch {
  private readonly links = new CopyLines();
  private readonly statements = new CopyLines();
  private readonly entries = new CopyLines();
  private readonly lines = new CopyLines();
  private readonly balances = new Map<string, { c: Components; daysPastDue: number }>();
  private readonly events: NewEvent<never>[] = [];
  /** Each memo's COPY field (encrypted), by memo. */
  private readonly memos = new Map<string, string>();
  private readonly tenant: string;
  private readonly postedAt: string;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly tenantId: string,
    postedAt: Date,
    private readonly cipher: PiiCipher,
  ) {
    this.tenant = copyEscape(tenantId);
    this.postedAt = postedAt.toISOString();
  }

  accountOpened(a: OpenedAccount): void {
    this.links.add(
      `${this.tenant}\t${copyEscape(a.id)}\t${copyEscape(a.debtorId)}\t${ledger.DebtorRole.DEBTOR_ROLE_PRIMARY}\n`,
    );
    this.event(a.id, 'collections.ledger.v1.AccountOpened', {
      accountId: a.id,
      externalRef: a.externalRef,
      product: a.product,
      currency: a.currency,
      creditLimitMinor: a.creditLimitMinor,
      openedOn: a.openedOn,
      debtors: [{ debtorId: a.debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone: a.timeZone,
    });
  }

  statement(account: PostingAccount, s: BatchStatement): void {
    const { currency } = account;
    this.statements.add(
      `${this.tenant}\t${copyEscape(account.id)}\t${s.cycle}\t${copyEscape(s.statementDate)}\t${copyEscape(
        s.dueDate,
      )}\t${s.amountDue}\t${s.minimumDue}\t${s.reportedStatus ?? '\\N'}\n`,
    );
    this.event(account.id, 'collections.ledger.v1.StatementIssued', {
      accountId: account.id,
      cycle: s.cycle,
      statementDate: s.statementDate,
      dueDate: s.dueDate,
      amountDue: { amountMinor: s.amountDue, currency },
      minimumDue: { amountMinor: s.minimumDue, currency },
      hasReportedStatus: s.reportedStatus !== null,
      reportedStatus: s.reportedStatus ?? 0,
    });
  }

  /** Posts one entry on the account's running balance; returns what it credits towards the dues. */
  post(account: PostingAccount, e: BatchEntry): number {
    const entryId = orderedUuid();
    const posting = post(e.kind, e.amount, account.balance);
    account.balance = add(account.balance, posting.delta);
    const duesCredit = creditTowardsDues(e.kind, posting.delta);
    this.entries.add(
      `${this.tenant}\t${entryId}\t${copyEscape(account.id)}\t${e.kind}\t${e.amount}\t${copyEscape(
        account.currency,
      )}\t${copyEscape(e.effectiveDate)}\t${this.postedAt}\t${duesCredit}\t${copyEscape(e.idempotencyKey)}\t${copyEscape(
        e.reference ?? '',
      )}\t${this.memoField(e.memo)}\n`,
    );
    for (let i = 0; i < posting.lines.length; i++) {
      const l = posting.lines[i];
      this.lines.add(`${this.tenant}\t${entryId}\t${i + 1}\t${l.account}\t${l.debit}\t${l.credit}\n`);
    }
    if (e.kind === EntryKind.Payment) {
      const b = account.balance;
      this.event(account.id, 'collections.ledger.v1.PaymentPosted', {
        paymentId: entryId,
        accountId: account.id,
        amount: { amountMinor: e.amount, currency: account.currency },
        balanceAfter: { amountMinor: b.principal + b.interest + b.fees, currency: account.currency },
        postedAt: new Date(`${e.effectiveDate}T12:00:00Z`),
        reference: e.reference || e.memo,
        effectiveDate: e.effectiveDate,
      });
    }
    return duesCredit;
  }

  /** The account's cached balance and delinquency after this batch. */
  settle(account: PostingAccount, daysPastDue: number): void {
    this.balances.set(account.id, { c: account.balance, daysPastDue });
  }

  async flush(tx: EntityManager): Promise<void> {
    const copy = (table: string, columns: string[], lines: CopyLines) =>
      lines.empty ? Promise.resolve() : copyText(tx, table, columns, lines.pieces());
    await copy('account_debtor', ['tenant_id', 'account_id', 'debtor_id', 'role'], this.links);
    await copy(
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
      this.statements,
    );
    await copy(
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
        'reference',
        'memo_enc',
      ],
      this.entries,
    );
    await copy(
      'journal_line',
      ['tenant_id', 'entry_id', 'line_no', 'ledger_account', 'debit_minor', 'credit_minor'],
      this.lines,
    );
    if (this.balances.size > 0) {
      const rows = [...this.balances.entries()];
      await tx.query(
        `UPDATE account a SET principal_minor = b.p, interest_minor = b.i, fees_minor = b.f, days_past_due = b.d, aging_bucket = b.g
           FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::int[], $7::text[]) AS b(id, p, i, f, d, g)
          WHERE a.tenant_id = $1 AND a.id = b.id`,
        [
          this.tenantId,
          rows.map(([id]) => id),
          rows.map(([, b]) => b.c.principal),
          rows.map(([, b]) => b.c.interest),
          rows.map(([, b]) => b.c.fees),
          rows.map(([, b]) => b.daysPastDue),
          rows.map(([, b]) => agingBucket(b.daysPastDue)),
        ],
      );
    }
    await copyEvents(tx, this.ctx.backbone.outbox, this.events);
  }

  private memoField(memo: string): string {
    let field = this.memos.get(memo);
    if (field === undefined) this.memos.set(memo, (field = copyBytea(encryptFreeText(this.cipher, memo))));
    return field;
  }

  private event(accountId: string, type: LedgerEventType, payload: object): void {
    this.events.push({ type, key: accountId, tenantId: this.tenantId, payload } as unknown as NewEvent<never>);
  }
}
