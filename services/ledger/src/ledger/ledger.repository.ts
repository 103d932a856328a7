import { EntityManager } from 'typeorm';
import { arrayOf, isUuid, orderedUuid } from '@collections/platform';
import { preparedQuery } from '@collections/runtime';
import { Components, EntryKind, Line } from './domain/journal';
import { PiiCipher, byteaText, configuredPiiCipher, decryptFreeText, encryptFreeText } from './pii';
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
  /** Charged off at some time (a charge-off date is kept), whatever its status now. */
  charged_off: boolean;
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
  response: unknown;
}

/** An entry of an account's history, with its memo in clear. */
export type HistoryEntryRow = EntryRow & { memo: string };

/** A journal entry's memo as stored (migration 1763900016700): encrypted, or none, or erased. */
export interface StoredMemo {
  memo_enc: Buffer | null;
  memo_erased: boolean;
}

/** The memo in clear: 'erased' once erased (no ciphertext is kept), '' when there is none. */
export const memoOf = (cipher: PiiCipher, e: StoredMemo): string =>
  e.memo_erased ? 'erased' : decryptFreeText(cipher, e.memo_enc);

/** A move of an account's status to keep (`account_status_change`, migration 1763900019600). */
export interface NewStatusChange {
  tenantId: string;
  accountId: string;
  fromStatus: number;
  toStatus: number;
  changedAt: Date;
  /** The subject of the principal who asked; '' when none was known. */
  changedBy: string;
  /** The caller's free text, in clear (stored encrypted; '' stores none). */
  reason: string;
  /** The entry that moved the status, if the move posted one. */
  entryId?: string;
}

/** A kept status move, its reason in clear ('erased' once erased, '' when none was given). */
export interface StatusChangeRow {
  account_id: string;
  from_status: number;
  to_status: number;
  changed_at: Date;
  changed_by: string;
  reason: string;
  entry_id: string | null;
}

export function componentsOf(a: AccountRow): Components {
  return { principal: Number(a.principal_minor), interest: Number(a.interest_minor), fees: Number(a.fees_minor) };
}

/**
 * SQL for an account's status once its days past due are `dpd`: a current account with
 * something past due becomes delinquent, a delinquent one with nothing past due is current
 * again; charged-off, settled and closed accounts keep their status.
 */
export const statusAfterDelinquencySql = (dpd: string): string =>
  `CASE WHEN status IN (1, 2) THEN CASE WHEN ${dpd} > 0 THEN 2 ELSE 1 END ELSE status END`;

export interface AccountRef {
  tenantId: string;
  accountId: string;
}

/** Map key of an account across tenants. */
export const accountKey = (tenantId: string, accountId: string): string => `${tenantId}\u0000${accountId}`;
/** Map key of an idempotency key across tenants. */
export const idempotencyRef = (tenantId: string, key: string): string => `${tenantId}\u0000${key}`;

/** A journal entry to write, with its lines and the answer a retry will get. */
export interface NewEntry {
  tenantId: string;
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
}

export interface AccountBalanceUpdate extends AccountRef {
  components: Components;
  daysPastDue: number;
  bucket: string;
}

/**
 * An account's own dates as of today (its time zone), for GetAccountActivity: null when it has none
 * on or before today.
 */
export interface AccountDates {
  account: AccountRow;
  today: string;
  last_statement_date: string | null;
  /** The date its charge-off took effect (`account.charged_off_on`). */
  charged_off_on: string | null;
  /** The effective date of its latest payment not reversed. */
  last_payment_date: string | null;
}

const ACCOUNT_COLUMNS = `id, external_ref, product, currency, credit_limit_minor, to_char(opened_on, 'YYYY-MM-DD') AS opened_on, status,
  time_zone, principal_minor, interest_minor, fees_minor, days_past_due, aging_bucket, charged_off_on IS NOT NULL AS charged_off`;
const ENTRY_COLUMNS = `id, account_id, kind, amount_minor, currency, to_char(effective_date, 'YYYY-MM-DD') AS effective_date, posted_at,
  reverses_entry_id, idempotency_key, reference, response`;

/**
 * Select-list columns `dues`, `credits` and `aging_buckets`: the inputs of days past due for
 * account `account` of tenant `tenant` (SQL expressions): what fell due by date (statement
 * minimums and loan instalments), credits towards them by date, as JSON arrays, and the
 * tenant's aging buckets (null: the default). An account with nothing ever due gets no credits:
 * they pay dues only, so without dues they cannot change its delinquency, and reading them would
 * scan every payment the account ever had.
 */
export function delinquencyInputsSql(tenant: string, account: string): string {
  return `(SELECT coalesce(json_agg(json_build_array(to_char(due_date, 'YYYY-MM-DD'), amount) ORDER BY due_date, source, seq), '[]') FROM (
            SELECT due_date, minimum_due_minor AS amount, 1 AS source, cycle AS seq FROM statement WHERE tenant_id = ${tenant} AND account_id = ${account}
            UNION ALL
            SELECT due_date, principal_minor + interest_minor, 2, number FROM instalment WHERE tenant_id = ${tenant} AND account_id = ${account}) due) AS dues,
         (SELECT coalesce(json_agg(json_build_array(d, c)), '[]') FROM (
            SELECT to_char(effective_date, 'YYYY-MM-DD') AS d, sum(dues_credit_minor) AS c FROM journal_entry
             WHERE tenant_id = ${tenant} AND account_id = ${account} AND dues_credit_minor <> 0
               AND (EXISTS (SELECT 1 FROM statement WHERE tenant_id = ${tenant} AND account_id = ${account})
                 OR EXISTS (SELECT 1 FROM instalment WHERE tenant_id = ${tenant} AND account_id = ${account}))
             GROUP BY effective_date) credit) AS credits,
         (SELECT buckets FROM aging_config WHERE tenant_id = ${tenant}) AS aging_buckets`;
}

export interface DelinquencyInputRows {
  dues: [string, number | string][];
  credits: [string, number | string][];
  aging_buckets: AgingBucket[] | null;
}

export interface DelinquencyInputs {
  dues: Due[];
  credits: Credit[];
  agingBuckets: readonly AgingBucket[];
}

/** A balance asked for: of an account, as of a date (null: today in the account's time zone). */
export interface BalanceRequest {
  tenantId: string;
  accountId: string;
  asOfDate: string | null;
}

export type BalanceInputs = { account: AccountRow; asOf: string; components: Components } & DelinquencyInputs;

export function parseDelinquencyInputs(row: DelinquencyInputRows): DelinquencyInputs {
  return {
    dues: row.dues.map(([dueDate, amount]) => ({ dueDate, amount: Number(amount) })),
    credits: row.credits.map(([date, amount]) => ({ date, amount: Number(amount) })),
    agingBuckets: row.aging_buckets ?? DEFAULT_AGING_BUCKETS,
  };
}

/**
 * Queries only; every one is scoped to a tenant. Decisions live in domain/ and the use cases.
 * Journal memos (callers' free texts) are written and read encrypted with `cipher` (`memo_enc`,
 * migration 1763900016700); no query compares or orders by them.
 */
export class LedgerRepository {
  constructor(private readonly cipher: PiiCipher = configuredPiiCipher()) {}

  async findAccount(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<AccountRow | undefined> {
    const [row] = (await tx.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE tenant_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    )) as AccountRow[];
    return row;
  }

  /**
   * Locks the accounts of a batch of postings, in one order (id), so that concurrent batches
   * never deadlock; returns them keyed by `accountKey`.
   */
  async lockAccounts(tx: EntityManager, refs: AccountRef[]): Promise<Map<string, AccountRow>> {
    // One index probe and lock per key, in key order: as a join the planner hashes the whole
    // account table while it is small (and a generic plan keeps doing so as it grows).
    const rows = (await preparedQuery(
      tx,
      `SELECT a.* FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS k(tenant_id, id) ORDER BY 1, 2) k
        CROSS JOIN LATERAL (
          SELECT tenant_id, ${ACCOUNT_COLUMNS} FROM account WHERE tenant_id = k.tenant_id AND id = k.id FOR UPDATE) a`,
      [refs.map((r) => r.tenantId), refs.map((r) => r.accountId)],
    )) as (AccountRow & { tenant_id: string })[];
    return new Map(rows.map((r) => [accountKey(r.tenant_id, r.id), r]));
  }

  /**
   * After the account locks, in one round trip (a fresh snapshot, so it sees what the locks
   * waited for): the entries already posted with the batch's idempotency keys, the keys among
   * them a kept charge-off holds (`lifecycle_command`: no entry; `kept`, as `idempotencyRef`),
   * and the inputs of days past due of each account. Each key is one probe of each unique index
   * (the LIMIT keeps the planner from hashing the whole journal for a large batch, which it
   * prefers while the journal is small and which then costs a scan of the journal per batch).
   */
  async postingInputs(
    tx: EntityManager,
    accounts: AccountRef[],
    keys: { tenantId: string; idempotencyKey: string }[],
  ): Promise<{ earlier: Map<string, EntryRow>; kept: Set<string>; delinquency: Map<string, DelinquencyInputs> }> {
    const [row] = (await preparedQuery(
      tx,
      `SELECT
         (SELECT coalesce(json_agg(e), '[]') FROM (
            SELECT e.* FROM unnest($3::text[], $4::text[]) AS k(tenant_id, idempotency_key)
            CROSS JOIN LATERAL (
              SELECT tenant_id, ${ENTRY_COLUMNS} FROM journal_entry
               WHERE tenant_id = k.tenant_id AND idempotency_key = k.idempotency_key LIMIT 1) e) e) AS earlier,
         (SELECT coalesce(json_agg(c), '[]') FROM (
            SELECT c.* FROM unnest($3::text[], $4::text[]) AS k(tenant_id, idempotency_key)
            CROSS JOIN LATERAL (
              SELECT tenant_id, idempotency_key FROM lifecycle_command
               WHERE tenant_id = k.tenant_id AND idempotency_key = k.idempotency_key LIMIT 1) c) c) AS kept,
         (SELECT coalesce(json_agg(x), '[]') FROM (
            SELECT t.tenant_id, t.id, ${delinquencyInputsSql('t.tenant_id', 't.id')}
              FROM unnest($1::text[], $2::text[]) AS t(tenant_id, id)) x) AS delinquency`,
      [
        accounts.map((a) => a.tenantId),
        accounts.map((a) => a.accountId),
        keys.map((k) => k.tenantId),
        keys.map((k) => k.idempotencyKey),
      ],
    )) as {
      earlier: (EntryRow & { tenant_id: string; posted_at: string })[];
      kept: { tenant_id: string; idempotency_key: string }[];
      delinquency: ({ tenant_id: string; id: string } & DelinquencyInputRows)[];
    }[];
    return {
      earlier: new Map(
        row.earlier.map((e) => [
          idempotencyRef(e.tenant_id, e.idempotency_key),
          { ...e, posted_at: new Date(e.posted_at) },
        ]),
      ),
      kept: new Set(row.kept.map((c) => idempotencyRef(c.tenant_id, c.idempotency_key))),
      delinquency: new Map(row.delinquency.map((d) => [accountKey(d.tenant_id, d.id), parseDelinquencyInputs(d)])),
    };
  }

  /**
   * Writes a batch of postings in one statement: the entries (with their stored answers),
   * their lines, each account's cached balance and delinquency, and the outbox rows
   * (data-modifying CTEs over arrays, so the parameter count does not grow with the batch).
   * The stored answers go as one JSON array, element i for entry i: as an array of json each
   * answer's quotes would be escaped one by one into the array literal. They are json, not jsonb
   * (migration 1763900012300): jsonb's input was the dearest part of the statement.
   */
  async writePostings(
    tx: EntityManager,
    entries: NewEntry[],
    balances: AccountBalanceUpdate[],
    outbox: { sql: string; params: unknown[] },
  ): Promise<void> {
    const lines = entries.flatMap((e) => e.lines.map((l, i) => ({ e, l, n: i + 1 })));
    await preparedQuery(
      tx,
      `WITH entry AS (
         INSERT INTO journal_entry (tenant_id, id, account_id, kind, amount_minor, currency, effective_date, posted_at, reverses_entry_id,
           dues_credit_minor, idempotency_key, reference, memo_enc, response)
         SELECT tn, id, acct, kind, amount, cur, eff, posted, rev, dues, ikey, ref, memo, answer
           FROM ROWS FROM (unnest($1::text[], $2::uuid[], $3::text[], $4::smallint[], $5::bigint[], $6::char(3)[], $7::date[],
             $8::timestamptz[], $9::uuid[], $10::bigint[], $11::text[], $12::text[], $13::bytea[]), json_array_elements($14::json))
             WITH ORDINALITY AS x(tn, id, acct, kind, amount, cur, eff, posted, rev, dues, ikey, ref, memo, answer, ord)
          ORDER BY ord),
       lines AS (
         INSERT INTO journal_line (tenant_id, entry_id, line_no, ledger_account, debit_minor, credit_minor)
         SELECT * FROM unnest($15::text[], $16::uuid[], $17::smallint[], $18::text[], $19::bigint[], $20::bigint[])),
       balance AS (
         UPDATE account a SET principal_minor = u.p, interest_minor = u.i, fees_minor = u.f, days_past_due = u.dpd, aging_bucket = u.b,
             status = ${statusAfterDelinquencySql('u.dpd')}
           FROM unnest($21::text[], $22::text[], $23::bigint[], $24::bigint[], $25::bigint[], $26::int[], $27::text[])
             AS u(t, id, p, i, f, dpd, b)
          WHERE a.tenant_id = u.t AND a.id = u.id),
       events AS (${outbox.sql})
       SELECT 1`,
      [
        arrayOf(entries, (e) => e.tenantId),
        arrayOf(entries, (e) => e.id),
        arrayOf(entries, (e) => e.accountId),
        arrayOf(entries, (e) => e.kind),
        arrayOf(entries, (e) => e.amountMinor),
        arrayOf(entries, (e) => e.currency),
        arrayOf(entries, (e) => e.effectiveDate),
        arrayOf(entries, (e) => e.postedAt),
        arrayOf(entries, (e) => e.reversesEntryId ?? null),
        arrayOf(entries, (e) => e.duesCreditMinor),
        arrayOf(entries, (e) => e.idempotencyKey),
        arrayOf(entries, (e) => e.reference),
        arrayOf(entries, (e) => byteaText(encryptFreeText(this.cipher, e.memo))),
        JSON.stringify(entries.map((e) => e.response)),
        arrayOf(lines, ({ e }) => e.tenantId),
        arrayOf(lines, ({ e }) => e.id),
        arrayOf(lines, ({ n }) => n),
        arrayOf(lines, ({ l }) => l.account),
        arrayOf(lines, ({ l }) => l.debit),
        arrayOf(lines, ({ l }) => l.credit),
        arrayOf(balances, (b) => b.tenantId),
        arrayOf(balances, (b) => b.accountId),
        arrayOf(balances, (b) => b.components.principal),
        arrayOf(balances, (b) => b.components.interest),
        arrayOf(balances, (b) => b.components.fees),
        arrayOf(balances, (b) => b.daysPastDue),
        arrayOf(balances, (b) => b.bucket),
        ...outbox.params,
      ],
    );
  }

  async findEntry(tx: EntityManager, tenantId: string, id: string): Promise<EntryRow | undefined> {
    if (!isUuid(id)) return undefined;
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
   * Everything a balance view needs, for each request in order (undefined: no such account), in
   * one statement (one snapshot) however many accounts and tenants it names: the account, the
   * receivable as of the end of the date (null: today in the account's time zone at `now`; in UTC
   * when PostgreSQL does not know the zone, `ledger_time_zone_or_utc`, migration 1763900017810) and
   * the inputs of days past due.
   */
  async balanceInputs(
    tx: EntityManager,
    requests: readonly BalanceRequest[],
    now: Date,
  ): Promise<(BalanceInputs | undefined)[]> {
    const rows = (await preparedQuery(
      tx,
      `SELECT r.ord, row_to_json(acct) AS account, to_char(acct.as_of, 'YYYY-MM-DD') AS as_of,
         (SELECT coalesce(json_object_agg(ledger_account, net), '{}') FROM (
            SELECT l.ledger_account, sum(l.debit_minor - l.credit_minor) AS net
              FROM journal_line l JOIN journal_entry e ON e.tenant_id = l.tenant_id AND e.id = l.entry_id
             WHERE e.tenant_id = r.tenant_id AND e.account_id = r.id AND e.effective_date > acct.as_of
               AND l.ledger_account LIKE 'receivable:%'
             GROUP BY l.ledger_account) x) AS later,
         ${delinquencyInputsSql('r.tenant_id', 'r.id')}
       FROM unnest($1::text[], $2::text[], $3::date[]) WITH ORDINALITY AS r (tenant_id, id, as_of_date, ord)
       JOIN LATERAL (
         SELECT ${ACCOUNT_COLUMNS}, coalesce(r.as_of_date, ($4::timestamptz AT TIME ZONE ledger_time_zone_or_utc(time_zone))::date) AS as_of
           FROM account WHERE tenant_id = r.tenant_id AND id = r.id) acct ON true`,
      [requests.map((r) => r.tenantId), requests.map((r) => r.accountId), requests.map((r) => r.asOfDate), now],
    )) as ({
      ord: string;
      account: AccountRow;
      as_of: string;
      later: Record<string, number | string>;
    } & DelinquencyInputRows)[];
    const inputs: (BalanceInputs | undefined)[] = requests.map(() => undefined);
    for (const row of rows) {
      // The cached balance is the sum of every entry (one transaction moves both), read in the same
      // snapshot: the balance as of a date is it less what takes effect later, usually nothing, so
      // the statement reads the entries dated after the date rather than the account's whole history.
      const later = (name: string) => Number(row.later[name] ?? 0);
      const cached = componentsOf(row.account);
      inputs[Number(row.ord) - 1] = {
        account: row.account,
        asOf: row.as_of,
        components: {
          principal: cached.principal - later('receivable:principal'),
          interest: cached.interest - later('receivable:interest'),
          fees: cached.fees - later('receivable:fees'),
        },
        ...parseDelinquencyInputs(row),
      };
    }
    return inputs;
  }

  /**
   * The account (null: none), share-locked until the caller's transaction ends so that no posting
   * to it commits in between (postings lock it for update), with today in its time zone at `now`
   * and its latest statement date on or before today (null: none). Today is in UTC when PostgreSQL
   * does not know the account's zone (`ledger_time_zone_or_utc`, migration 1763900017810).
   */
  async accountDates(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    now: Date,
  ): Promise<AccountDates | undefined> {
    // Kinds as `EntryKind`: 4 payment. A reversal names the payment it reverses (reverses_entry_id).
    const [row] = (await tx.query(
      `SELECT row_to_json(a) AS account, to_char(a.today, 'YYYY-MM-DD') AS today,
              (SELECT to_char(max(s.statement_date), 'YYYY-MM-DD') FROM statement s
                WHERE s.tenant_id = a.tenant_id AND s.account_id = a.id AND s.statement_date <= a.today)
                AS last_statement_date,
              CASE WHEN a.charged_off_on <= a.today THEN to_char(a.charged_off_on, 'YYYY-MM-DD') END AS charged_off_on,
              (SELECT to_char(max(p.effective_date), 'YYYY-MM-DD') FROM journal_entry p
                WHERE p.tenant_id = a.tenant_id AND p.account_id = a.id AND p.kind = 4 AND p.effective_date <= a.today
                  AND NOT EXISTS (SELECT 1 FROM journal_entry r
                                   WHERE r.tenant_id = p.tenant_id AND r.reverses_entry_id = p.id))
                AS last_payment_date
         FROM (SELECT tenant_id, ${ACCOUNT_COLUMNS}, charged_off_on,
                      ($3::timestamptz AT TIME ZONE ledger_time_zone_or_utc(time_zone))::date AS today
                 FROM account WHERE tenant_id = $1 AND id = $2 FOR SHARE) a`,
      [tenantId, accountId, now],
    )) as AccountDates[];
    return row;
  }

  /** The account's entries effective after `after` and on or before `through`, oldest first. */
  async entriesBetween(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    after: string,
    through: string,
  ): Promise<EntryRow[]> {
    return (await tx.query(
      `SELECT ${ENTRY_COLUMNS} FROM journal_entry
        WHERE tenant_id = $1 AND account_id = $2 AND effective_date > $3::date AND effective_date <= $4::date
        ORDER BY effective_date, seq`,
      [tenantId, accountId, after, through],
    )) as EntryRow[];
  }

  /** The account's entries, their memos decrypted. */
  async history(tx: EntityManager, tenantId: string, accountId: string): Promise<HistoryEntryRow[]> {
    const rows = (await tx.query(
      `SELECT ${ENTRY_COLUMNS}, memo_enc, memo_erased FROM journal_entry WHERE tenant_id = $1 AND account_id = $2
        ORDER BY effective_date, seq`,
      [tenantId, accountId],
    )) as (EntryRow & StoredMemo)[];
    return rows.map(({ memo_enc, memo_erased, ...e }) => ({
      ...e,
      memo: memoOf(this.cipher, { memo_enc, memo_erased }),
    }));
  }

  /** Keeps status moves (in the caller's transaction), their reasons encrypted. */
  async saveStatusChanges(tx: EntityManager, changes: readonly NewStatusChange[]): Promise<void> {
    if (changes.length === 0) return;
    await tx.query(
      `INSERT INTO account_status_change (tenant_id, id, account_id, from_status, to_status, changed_at, changed_by, reason_enc, entry_id)
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::smallint[], $5::smallint[], $6::timestamptz[], $7::text[], $8::bytea[], $9::uuid[])`,
      [
        changes.map((c) => c.tenantId),
        changes.map(() => orderedUuid()),
        changes.map((c) => c.accountId),
        changes.map((c) => c.fromStatus),
        changes.map((c) => c.toStatus),
        changes.map((c) => c.changedAt),
        changes.map((c) => c.changedBy),
        changes.map((c) => encryptFreeText(this.cipher, c.reason)),
        changes.map((c) => c.entryId ?? null),
      ],
    );
  }

  /** The accounts' kept status moves, oldest first, their reasons decrypted. */
  async statusChanges(tx: EntityManager, tenantId: string, accountIds: readonly string[]): Promise<StatusChangeRow[]> {
    const rows = (await tx.query(
      `SELECT account_id, from_status, to_status, changed_at, changed_by, reason_enc, reason_erased, entry_id
         FROM account_status_change WHERE tenant_id = $1 AND account_id = ANY($2::text[])
        ORDER BY changed_at, id`,
      [tenantId, accountIds],
    )) as (Omit<StatusChangeRow, 'reason'> & { reason_enc: Buffer | null; reason_erased: boolean })[];
    return rows.map(({ reason_enc, reason_erased, ...c }) => ({
      ...c,
      reason: memoOf(this.cipher, { memo_enc: reason_enc, memo_erased: reason_erased }),
    }));
  }
}
