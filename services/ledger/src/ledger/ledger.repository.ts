import { EntityManager } from 'typeorm';
import { Components, EntryKind, Line } from './domain/journal';
import { AgingBucket, Credit, DEFAULT_AGING_BUCKETS, Due } from './domain/delinquency';

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

/**
 * Select-list columns `dues`, `credits` and `aging_buckets`: the inputs of days past due for
 * account `account` of tenant `tenant` (SQL expressions): what fell due by date (statement
 * minimums and loan instalments), credits towards them by date, as JSON arrays, and the
 * tenant's aging buckets (null: the default).
 */
export function delinquencyInputsSql(tenant: string, account: string): string {
  return `(SELECT coalesce(json_agg(json_build_array(to_char(due_date, 'YYYY-MM-DD'), amount) ORDER BY due_date, source, seq), '[]') FROM (
            SELECT due_date, minimum_due_minor AS amount, 1 AS source, cycle AS seq FROM statement WHERE tenant_id = ${tenant} AND account_id = ${account}
            UNION ALL
            SELECT due_date, principal_minor + interest_minor, 2, number FROM instalment WHERE tenant_id = ${tenant} AND account_id = ${account}) due) AS dues,
         (SELECT coalesce(json_agg(json_build_array(d, c)), '[]') FROM (
            SELECT to_char(effective_date, 'YYYY-MM-DD') AS d, sum(dues_credit_minor) AS c FROM journal_entry
             WHERE tenant_id = ${tenant} AND account_id = ${account} AND dues_credit_minor <> 0 GROUP BY effective_date) credit) AS credits,
         (SELECT buckets FROM aging_config WHERE tenant_id = ${tenant}) AS aging_buckets`;
}

const DELINQUENCY_INPUTS = delinquencyInputsSql('$1', '$2');

export interface DelinquencyInputRows {
  dues: [string, number | string][];
  credits: [string, number | string][];
  aging_buckets: AgingBucket[] | null;
}

export function parseDelinquencyInputs(row: DelinquencyInputRows): {
  dues: Due[];
  credits: Credit[];
  agingBuckets: readonly AgingBucket[];
} {
  return {
    dues: row.dues.map(([dueDate, amount]) => ({ dueDate, amount: Number(amount) })),
    credits: row.credits.map(([date, amount]) => ({ date, amount: Number(amount) })),
    agingBuckets: row.aging_buckets ?? DEFAULT_AGING_BUCKETS,
  };
}

/** Queries only; every one is scoped to a tenant. Decisions live in domain/ and the use cases. */
export class LedgerRepository {
  async findAccount(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<AccountRow | undefined> {
    const [row] = (await tx.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE tenant_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    )) as AccountRow[];
    return row;
  }

  /**
   * After the account lock: the entry already posted with this key (if any) and the inputs
   * of days past due, in one round trip (a fresh snapshot, so it sees what the lock waited for).
   */
  async postingInputs(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    idempotencyKey: string,
  ): Promise<{ earlier?: EntryRow; dues: Due[]; credits: Credit[]; agingBuckets: readonly AgingBucket[] }> {
    const [row] = (await tx.query(
      `SELECT
         (SELECT row_to_json(e) FROM (SELECT ${ENTRY_COLUMNS} FROM journal_entry WHERE tenant_id = $1 AND idempotency_key = $3) e) AS earlier,
         ${DELINQUENCY_INPUTS}`,
      [tenantId, accountId, idempotencyKey],
    )) as ({ earlier: EntryRow | null } & DelinquencyInputRows)[];
    return { earlier: row.earlier ?? undefined, ...parseDelinquencyInputs(row) };
  }

  /**
   * Writes a posting in one statement: the entry (with its stored answer), its lines, the
   * account's cached balance and delinquency, and the outbox rows (data-modifying CTEs).
   */
  async writePosting(
    tx: EntityManager,
    tenantId: string,
    e: {
      id: string;
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
      response: unknown;
    },
    balance: { components: Components; daysPastDue: number; bucket: string },
    outbox: { sql: string; params: unknown[] },
  ): Promise<void> {
    const c = balance.components;
    await tx.query(
      `WITH entry AS (
         INSERT INTO journal_entry (tenant_id, id, account_id, kind, amount_minor, currency, effective_date, posted_at, reverses_entry_id,
           dues_credit_minor, idempotency_key, reference, memo, response)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)),
       lines AS (
         INSERT INTO journal_line (tenant_id, entry_id, line_no, ledger_account, debit_minor, credit_minor)
         SELECT $1, $2, n, a, d, c FROM unnest($15::int[], $16::text[], $17::bigint[], $18::bigint[]) AS t(n, a, d, c)),
       balance AS (
         UPDATE account SET principal_minor = $19, interest_minor = $20, fees_minor = $21, days_past_due = $22, aging_bucket = $23
          WHERE tenant_id = $1 AND id = $3),
       events AS (${outbox.sql})
       SELECT 1`,
      [
        tenantId,
        e.id,
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
        JSON.stringify(e.response),
        e.lines.map((_, i) => i + 1),
        e.lines.map((l) => l.account),
        e.lines.map((l) => l.debit),
        e.lines.map((l) => l.credit),
        c.principal,
        c.interest,
        c.fees,
        balance.daysPastDue,
        balance.bucket,
        ...outbox.params,
      ],
    );
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

  /**
   * Everything a balance view needs, in one statement (one snapshot): the account, the
   * receivable as of the end of the date (from the lines themselves; default: today in the
   * account's time zone at `now`) and the inputs of days past due.
   */
  async balanceInputs(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    asOfDate: string | null,
    now: Date,
  ): Promise<
    | {
        account: AccountRow;
        asOf: string;
        components: Components;
        dues: Due[];
        credits: Credit[];
        agingBuckets: readonly AgingBucket[];
      }
    | undefined
  > {
    const [row] = (await tx.query(
      `WITH acct AS (
         SELECT ${ACCOUNT_COLUMNS}, coalesce($3::date, ($4::timestamptz AT TIME ZONE time_zone)::date) AS as_of
           FROM account WHERE tenant_id = $1 AND id = $2)
       SELECT row_to_json(acct) AS account, to_char(acct.as_of, 'YYYY-MM-DD') AS as_of,
         (SELECT coalesce(json_object_agg(ledger_account, net), '{}') FROM (
            SELECT l.ledger_account, sum(l.debit_minor - l.credit_minor) AS net
              FROM journal_line l JOIN journal_entry e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id
             WHERE e.tenant_id = $1 AND e.account_id = $2 AND e.effective_date <= acct.as_of AND l.ledger_account LIKE 'receivable:%'
             GROUP BY l.ledger_account) x) AS components,
         ${DELINQUENCY_INPUTS}
       FROM acct`,
      [tenantId, accountId, asOfDate, now],
    )) as ({
      account: AccountRow;
      as_of: string;
      components: Record<string, number | string>;
    } & DelinquencyInputRows)[];
    if (!row) return undefined;
    const net = (name: string) => Number(row.components[name] ?? 0);
    return {
      account: row.account,
      asOf: row.as_of,
      components: {
        principal: net('receivable:principal'),
        interest: net('receivable:interest'),
        fees: net('receivable:fees'),
      },
      ...parseDelinquencyInputs(row),
    };
  }

  async history(tx: EntityManager, tenantId: string, accountId: string): Promise<EntryRow[]> {
    return (await tx.query(
      `SELECT ${ENTRY_COLUMNS} FROM journal_entry WHERE tenant_id = $1 AND account_id = $2 ORDER BY effective_date, seq`,
      [tenantId, accountId],
    )) as EntryRow[];
  }
}
