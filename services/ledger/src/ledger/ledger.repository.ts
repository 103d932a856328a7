import { EntityManager } from 'typeorm';
import { Components, EntryKind, Line } from './domain/journal';
import { Credit, Due } from './domain/delinquency';

export interface AccountRow {
  id: string;
  external_ref: string;
  product: number;
  currency: string;
  credit_limit_minor: string;
  opened_on: string;
  status: number;
  time_zone: string;
  principal_minor: string;
  interest_minor: string;
  fees_minor: string;
  days_past_due: number;
  aging_bucket: string;
}

export interface EntryRow {
  id: string;
  account_id: string;
  kind: number;
  amount_minor: string;
  currency: string;
  effective_date: string;
  posted_at: Date;
  reverses_entry_id: string | null;
  idempotency_key: string;
  reference: string;
  memo: string;
  response: unknown;
}

export function componentsOf(a: AccountRow): Components {
  return { principal: Number(a.principal_minor), interest: Number(a.interest_minor), fees: Number(a.fees_minor) };
}

const ACCOUNT_COLUMNS = `id, external_ref, product, currency, credit_limit_minor, to_char(opened_on, 'YYYY-MM-DD') AS opened_on, status,
  time_zone, principal_minor, interest_minor, fees_minor, days_past_due, aging_bucket`;
const ENTRY_COLUMNS = `id, account_id, kind, amount_minor, currency, to_char(effective_date, 'YYYY-MM-DD') AS effective_date, posted_at,
  reverses_entry_id, idempotency_key, reference, memo, response`;

/** Queries only; every one is scoped to a tenant. Decisions live in domain/ and the use cases. */
export class LedgerRepository {
  async findAccount(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<AccountRow | undefined> {
    const [row] = (await tx.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE tenant_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    )) as AccountRow[];
    return row;
  }

  async findEntryByKey(tx: EntityManager, tenantId: string, key: string): Promise<EntryRow | undefined> {
    const [row] = (await tx.query(
      `SELECT ${ENTRY_COLUMNS} FROM journal_entry WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, key],
    )) as EntryRow[];
    return row;
  }

  async findEntry(tx: EntityManager, tenantId: string, id: string): Promise<EntryRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [row] = (await tx.query(`SELECT ${ENTRY_COLUMNS} FROM journal_entry WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ])) as EntryRow[];
    return row;
  }

  async findReversalOf(tx: EntityManager, tenantId: string, entryId: string): Promise<EntryRow | undefined> {
    const [row] = (await tx.query(
      `SELECT ${ENTRY_COLUMNS} FROM journal_entry WHERE tenant_id = $1 AND reverses_entry_id = $2`,
      [tenantId, entryId],
    )) as EntryRow[];
    return row;
  }

  async linesOf(tx: EntityManager, tenantId: string, entryId: string): Promise<Line[]> {
    const rows = (await tx.query(
      `SELECT ledger_account, debit_minor, credit_minor FROM journal_line WHERE tenant_id = $1 AND entry_id = $2 ORDER BY line_no`,
      [tenantId, entryId],
    )) as { ledger_account: Line['account']; debit_minor: string; credit_minor: string }[];
    return rows.map((r) => ({
      account: r.ledger_account,
      debit: Number(r.debit_minor),
      credit: Number(r.credit_minor),
    }));
  }

  async insertEntry(
    tx: EntityManager,
    tenantId: string,
    e: {
      accountId: string;
      kind: EntryKind;
      amountMinor: number;
      currency: string;
      effectiveDate: string;
      postedAt: Date;
      reversesEntryId?: string;
      duesCreditMinor: number;
      idempotencyKey: string;
      reference: string;
      memo: string;
      lines: Line[];
    },
  ): Promise<EntryRow> {
    const [entry] = (await tx.query(
      `INSERT INTO journal_entry (tenant_id, account_id, kind, amount_minor, currency, effective_date, posted_at, reverses_entry_id,
         dues_credit_minor, idempotency_key, reference, memo)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${ENTRY_COLUMNS}`,
      [
        tenantId,
        e.accountId,
        e.kind,
        e.amountMinor,
        e.currency,
        e.effectiveDate,
        e.postedAt,
        e.reversesEntryId ?? null,
        e.duesCreditMinor,
        e.idempotencyKey,
        e.reference,
        e.memo,
      ],
    )) as EntryRow[];
    await tx.query(
      `INSERT INTO journal_line (tenant_id, entry_id, line_no, ledger_account, debit_minor, credit_minor)
       SELECT $1, $2, n, a, d, c FROM unnest($3::int[], $4::text[], $5::bigint[], $6::bigint[]) AS t(n, a, d, c)`,
      [
        tenantId,
        entry.id,
        e.lines.map((_, i) => i + 1),
        e.lines.map((l) => l.account),
        e.lines.map((l) => l.debit),
        e.lines.map((l) => l.credit),
      ],
    );
    return entry;
  }

  async saveResponse(tx: EntityManager, tenantId: string, entryId: string, response: unknown): Promise<void> {
    await tx.query(`UPDATE journal_entry SET response = $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      entryId,
      JSON.stringify(response),
    ]);
  }

  async updateCachedBalance(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    c: Components,
    daysPastDue: number,
    bucket: string,
  ): Promise<void> {
    await tx.query(
      `UPDATE account SET principal_minor = $3, interest_minor = $4, fees_minor = $5, days_past_due = $6, aging_bucket = $7
       WHERE tenant_id = $1 AND id = $2`,
      [tenantId, accountId, c.principal, c.interest, c.fees, daysPastDue, bucket],
    );
  }

  /** The receivable as of the end of a calendar date, from the lines themselves. */
  async componentsAsOf(tx: EntityManager, tenantId: string, accountId: string, asOf: string): Promise<Components> {
    const rows = (await tx.query(
      `SELECT l.ledger_account, sum(l.debit_minor - l.credit_minor)::bigint AS net
         FROM journal_line l JOIN journal_entry e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id
        WHERE e.tenant_id = $1 AND e.account_id = $2 AND e.effective_date <= $3 AND l.ledger_account LIKE 'receivable:%'
        GROUP BY l.ledger_account`,
      [tenantId, accountId, asOf],
    )) as { ledger_account: string; net: string }[];
    const net = (name: string) => Number(rows.find((r) => r.ledger_account === name)?.net ?? 0);
    return {
      principal: net('receivable:principal'),
      interest: net('receivable:interest'),
      fees: net('receivable:fees'),
    };
  }

  async delinquencyInputs(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
  ): Promise<{ dues: Due[]; credits: Credit[] }> {
    const dues = (await tx.query(
      `SELECT to_char(due_date, 'YYYY-MM-DD') AS "dueDate", minimum_due_minor::bigint AS amount FROM statement WHERE tenant_id = $1 AND account_id = $2`,
      [tenantId, accountId],
    )) as { dueDate: string; amount: string }[];
    const credits = (await tx.query(
      `SELECT to_char(effective_date, 'YYYY-MM-DD') AS date, sum(dues_credit_minor)::bigint AS amount FROM journal_entry
        WHERE tenant_id = $1 AND account_id = $2 AND dues_credit_minor <> 0 GROUP BY effective_date`,
      [tenantId, accountId],
    )) as { date: string; amount: string }[];
    return {
      dues: dues.map((d) => ({ dueDate: d.dueDate, amount: Number(d.amount) })),
      credits: credits.map((c) => ({ date: c.date, amount: Number(c.amount) })),
    };
  }

  async history(tx: EntityManager, tenantId: string, accountId: string): Promise<EntryRow[]> {
    return (await tx.query(
      `SELECT ${ENTRY_COLUMNS} FROM journal_entry WHERE tenant_id = $1 AND account_id = $2 ORDER BY effective_date, seq`,
      [tenantId, accountId],
    )) as EntryRow[];
  }
}
