import { EntityManager } from 'typeorm';
import { AgingBucket } from './domain/delinquency';
import { Instalment } from './domain/instalments';
import { AccountStatus } from './domain/lifecycle';
import { Credit } from './domain/delinquency';
import { DelinquencyInputRows, delinquencyInputsSql, statusAfterDelinquencySql } from './ledger.repository';

/** One account of a daily delinquency batch, with the inputs of its days past due. */
export interface DelinquencyBatchRow extends DelinquencyInputRows {
  tenant_id: string;
  id: string;
  currency: string;
  days_past_due: number;
  aging_bucket: string;
  as_of: string;
  /** The account was already evaluated for a later date: a run for an earlier one must not move it back. */
  evaluated_later: boolean;
  /**
   * The account's stored time zone when PostgreSQL does not know it (its local date was taken in
   * UTC instead: `ledger_time_zone_or_utc`), else null; always null for a run as of a given date.
   */
  unknown_time_zone: string | null;
}

export interface DelinquencyUpdate {
  tenantId: string;
  accountId: string;
  daysPastDue: number;
  bucket: string;
  asOf: string;
}

/** Queries of instalment schedules, lifecycle status, aging buckets and the daily run; all tenant-scoped. */
export class LifecycleRepository {
  /** `chargedOffOn`: the date a charge-off took effect, kept on the account (`charged_off_on`) once set. */
  async setStatus(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    status: AccountStatus,
    chargedOffOn?: string,
  ): Promise<void> {
    await tx.query(
      `UPDATE account SET status = $3, charged_off_on = coalesce(charged_off_on, $4::date) WHERE tenant_id = $1 AND id = $2`,
      [tenantId, accountId, status, chargedOffOn ?? null],
    );
  }

  /** The entry already posted with this idempotency key, if any. */
  async entryByKey(
    tx: EntityManager,
    tenantId: string,
    idempotencyKey: string,
  ): Promise<{ account_id: string; kind: number; amount_minor: string } | undefined> {
    const [row] = (await tx.query(
      `SELECT account_id, kind, amount_minor FROM journal_entry WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, idempotencyKey],
    )) as { account_id: string; kind: number; amount_minor: string }[];
    return row;
  }

  /** The lifecycle move that posted no entry already made with this idempotency key, if any (`lifecycle_command`). */
  async commandByKey(
    tx: EntityManager,
    tenantId: string,
    idempotencyKey: string,
  ): Promise<{ account_id: string; command: string; response: unknown } | undefined> {
    const [row] = (await tx.query(
      `SELECT account_id, command, response FROM lifecycle_command WHERE tenant_id = $1 AND idempotency_key = $2`,
      [tenantId, idempotencyKey],
    )) as { account_id: string; command: string; response: unknown }[];
    return row;
  }

  /**
   * Keeps the idempotency key of a lifecycle move that posts no entry, with its answer; false when
   * the key was taken meanwhile (by a transaction that committed while this one waited on it).
   */
  async saveCommand(
    tx: EntityManager,
    cmd: { tenantId: string; idempotencyKey: string; accountId: string; command: string; response: unknown },
    now: Date,
  ): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO lifecycle_command (tenant_id, idempotency_key, account_id, command, response, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1`,
      [cmd.tenantId, cmd.idempotencyKey, cmd.accountId, cmd.command, JSON.stringify(cmd.response), now],
    )) as unknown[];
    return rows.length === 1;
  }

  /** The principal lent on an account: the sum of its principal charges. */
  async loanPrincipal(tx: EntityManager, tenantId: string, accountId: string): Promise<number> {
    const [row] = (await tx.query(
      `SELECT coalesce(sum(amount_minor), 0) AS principal FROM journal_entry WHERE tenant_id = $1 AND account_id = $2 AND kind = 1`,
      [tenantId, accountId],
    )) as { principal: string }[];
    return Number(row.principal);
  }

  async replaceSchedule(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    instalments: readonly Instalment[],
  ): Promise<void> {
    await tx.query(
      `WITH gone AS (DELETE FROM instalment WHERE tenant_id = $1 AND account_id = $2)
       INSERT INTO instalment (tenant_id, account_id, number, due_date, principal_minor, interest_minor)
       SELECT $1, $2, n, d, p, i FROM unnest($3::int[], $4::date[], $5::bigint[], $6::bigint[]) AS t(n, d, p, i)`,
      [
        tenantId,
        accountId,
        instalments.map((i) => i.number),
        instalments.map((i) => i.dueDate),
        instalments.map((i) => i.principal),
        instalments.map((i) => i.interest),
      ],
    );
  }

  /** The schedule and the credits towards dues, in one snapshot. */
  async scheduleAndCredits(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
  ): Promise<{ instalments: Instalment[]; credits: Credit[] }> {
    const [row] = (await tx.query(
      `SELECT
         (SELECT coalesce(json_agg(json_build_array(number, to_char(due_date, 'YYYY-MM-DD'), principal_minor, interest_minor) ORDER BY number), '[]')
            FROM instalment WHERE tenant_id = $1 AND account_id = $2) AS instalments,
         (SELECT coalesce(json_agg(json_build_array(to_char(effective_date, 'YYYY-MM-DD'), dues_credit_minor)), '[]')
            FROM journal_entry WHERE tenant_id = $1 AND account_id = $2 AND dues_credit_minor <> 0) AS credits`,
      [tenantId, accountId],
    )) as { instalments: [number, string, string, string][]; credits: [string, string | number][] }[];
    return {
      instalments: row.instalments.map(([number, dueDate, principal, interest]) => ({
        number,
        dueDate,
        principal: Number(principal),
        interest: Number(interest),
      })),
      credits: row.credits.map(([date, amount]) => ({ date, amount: Number(amount) })),
    };
  }

  async agingBuckets(tx: EntityManager, tenantId: string): Promise<AgingBucket[] | undefined> {
    const [row] = (await tx.query(`SELECT buckets FROM aging_config WHERE tenant_id = $1`, [tenantId])) as {
      buckets: AgingBucket[];
    }[];
    return row?.buckets;
  }

  async saveAgingBuckets(tx: EntityManager, tenantId: string, buckets: readonly AgingBucket[], now: Date) {
    await tx.query(
      `INSERT INTO aging_config (tenant_id, buckets, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET buckets = EXCLUDED.buckets, updated_at = EXCLUDED.updated_at`,
      [tenantId, JSON.stringify(buckets), now],
    );
  }

  async accountStatus(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
  ): Promise<
    { status: number; days_past_due: number; aging_bucket: string; delinquency_as_of: string | null } | undefined
  > {
    const [row] = (await tx.query(
      `SELECT status, days_past_due, aging_bucket, to_char(delinquency_as_of, 'YYYY-MM-DD') AS delinquency_as_of
         FROM account WHERE tenant_id = $1 AND id = $2`,
      [tenantId, accountId],
    )) as { status: number; days_past_due: number; aging_bucket: string; delinquency_as_of: string | null }[];
    return row;
  }

  /**
   * The next batch of accounts for the daily run, after the key (tenant, id), locked until the
   * batch commits (a posting to one of them waits, so the run never writes a stale bucket),
   * each with its local date (or `asOfDate`) and the inputs of its days past due. Settled and
   * closed accounts are left out: nothing is collected on them. The inputs are read by a second
   * statement, after the locks: its fresh snapshot sees what a lock waited for. An account whose
   * stored zone PostgreSQL does not know (stored before the ledger checked, or its tzdata went back
   * a version) has its local date taken in UTC, and says so (`unknown_time_zone`): it would
   * otherwise fail the statement, and the whole batch with it.
   */
  async delinquencyBatch(
    tx: EntityManager,
    scope: { tenantId?: string; asOfDate?: string; now: Date },
    after: { tenantId: string; accountId: string },
    size: number,
  ): Promise<{ rows: DelinquencyBatchRow[]; last?: { tenantId: string; accountId: string } }> {
    const locked = (await tx.query(
      `SELECT tenant_id, id FROM account
        WHERE ($1::text IS NULL OR tenant_id = $1) AND (tenant_id, id) > ($2, $3)
          AND status NOT IN (${AccountStatus.Settled}, ${AccountStatus.Closed})
        ORDER BY tenant_id, id
        LIMIT $4
        FOR UPDATE`,
      [scope.tenantId ?? null, after.tenantId, after.accountId, size],
    )) as { tenant_id: string; id: string }[];
    if (locked.length === 0) return { rows: [] };
    const rows = (await tx.query(
      `WITH batch AS (
         SELECT a.tenant_id, a.id, a.currency, a.days_past_due, a.aging_bucket, a.delinquency_as_of,
                coalesce($3::date, ($4::timestamptz AT TIME ZONE z.zone)::date) AS as_of,
                CASE WHEN $3::date IS NULL AND z.zone IS DISTINCT FROM a.time_zone THEN a.time_zone END AS unknown_time_zone
           FROM unnest($1::text[], $2::text[]) AS k(tenant_id, id)
           JOIN account a ON a.tenant_id = k.tenant_id AND a.id = k.id
           CROSS JOIN LATERAL (SELECT ledger_time_zone_or_utc(a.time_zone) AS zone) z)
       SELECT b.tenant_id, b.id, b.currency, b.days_past_due, b.aging_bucket, to_char(b.as_of, 'YYYY-MM-DD') AS as_of,
              coalesce(b.delinquency_as_of > b.as_of, false) AS evaluated_later, b.unknown_time_zone,
              ${delinquencyInputsSql('b.tenant_id', 'b.id')}
         FROM batch b`,
      [locked.map((l) => l.tenant_id), locked.map((l) => l.id), scope.asOfDate ?? null, scope.now],
    )) as DelinquencyBatchRow[];
    const last = locked[locked.length - 1];
    return { rows, last: { tenantId: last.tenant_id, accountId: last.id } };
  }

  /** The accounts whose days past due moved, and their events, in one statement. */
  async writeDelinquency(
    tx: EntityManager,
    updates: readonly DelinquencyUpdate[],
    outbox: (firstParam: number) => { sql: string; params: unknown[] },
  ): Promise<void> {
    if (updates.length === 0) return;
    const events = outbox(6);
    await tx.query(
      `WITH moved AS (
         UPDATE account a SET days_past_due = u.days_past_due, aging_bucket = u.bucket, delinquency_as_of = u.as_of,
             status = ${statusAfterDelinquencySql('u.days_past_due')}
           FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::date[]) AS u(tenant_id, id, days_past_due, bucket, as_of)
          WHERE a.tenant_id = u.tenant_id AND a.id = u.id),
       events AS (${events.sql})
       SELECT 1`,
      [
        updates.map((u) => u.tenantId),
        updates.map((u) => u.accountId),
        updates.map((u) => u.daysPastDue),
        updates.map((u) => u.bucket),
        updates.map((u) => u.asOf),
        ...events.params,
      ],
    );
  }
}
