import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { NewEvent } from '@collections/messaging';
import { isUuid, money } from '@collections/platform';
import { selectedNames } from '@collections/runtime';
import { NewPromise } from './domain/promise';

export interface PromiseRow {
  id: string;
  account_id: string;
  amount_minor: string;
  paid_minor: string;
  currency: string;
  due_date: string;
  state: number;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  cancel_reason: string | null;
  cancel_idempotency_key: string | null;
}

export function mapPromise(r: PromiseRow): promises.PromiseView {
  const currency = r.currency.trim();
  return {
    promiseId: r.id,
    accountId: r.account_id,
    amount: money(Number(r.amount_minor), currency),
    paid: money(Number(r.paid_minor), currency),
    dueDate: r.due_date,
    state: r.state,
    cancelledAt: r.cancelled_at ?? undefined,
    cancelledBy: r.cancelled_by ?? '',
    cancelReason: r.cancel_reason ?? '',
  };
}

/**
 * A single promise's PromiseCancelled, once it is cancelled: by a person (CancelPromise) or because
 * the ledger settled or closed its account while it was open. No reason goes on the event.
 */
export function singlePromiseCancelled(
  tenantId: string,
  p: PromiseRow,
): NewEvent<'collections.promises.v1.PromiseCancelled'> {
  const currency = p.currency.trim();
  const cancelledAt = p.cancelled_at!;
  return {
    type: 'collections.promises.v1.PromiseCancelled',
    key: p.account_id,
    tenantId,
    time: cancelledAt,
    payload: {
      promiseId: p.id,
      accountId: p.account_id,
      amount: money(Number(p.amount_minor), currency),
      paid: money(Number(p.paid_minor), currency),
      dueDate: p.due_date,
      cancelledAt,
      cancelledBy: p.cancelled_by ?? '',
    },
  };
}

/** A single promise's PromiseBroken (no plan), `paidMinor` being what it has paid when broken. */
export function singlePromiseBroken(
  tenantId: string,
  p: PromiseRow,
  paidMinor: number,
  now: Date,
): NewEvent<'collections.promises.v1.PromiseBroken'> {
  const currency = p.currency.trim();
  return {
    type: 'collections.promises.v1.PromiseBroken',
    key: p.account_id,
    tenantId,
    time: now,
    payload: {
      promiseId: p.id,
      accountId: p.account_id,
      amount: money(Number(p.amount_minor), currency),
      paid: money(paidMinor, currency),
      dueDate: p.due_date,
      brokenAt: now,
      planId: '',
      instalmentSeq: 0,
    },
  };
}

const COLUMNS = `id, account_id, amount_minor, paid_minor, currency, to_char(due_date, 'YYYY-MM-DD') AS due_date, state,
  cancelled_at, cancelled_by, cancel_reason, cancel_idempotency_key`;
/** COLUMNS' names, to select them again from a CTE that returned them. */
const COLUMN_NAMES = selectedNames(COLUMNS);

export class PromisesRepository {
  /** Inserts, or returns the promise already created with this idempotency key (`created` false). */
  async create(
    tx: EntityManager,
    tenantId: string,
    p: NewPromise,
    createdAt: Date,
  ): Promise<{ row: PromiseRow; created: boolean }> {
    const inserted = (await tx.query(
      `INSERT INTO promise (tenant_id, account_id, amount_minor, currency, due_date, state, idempotency_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
       RETURNING ${COLUMNS}`,
      [
        tenantId,
        p.accountId,
        p.amount.amountMinor,
        p.amount.currency,
        p.dueDate,
        promises.PromiseState.PROMISE_STATE_OPEN,
        p.idempotencyKey,
        createdAt,
      ],
    )) as PromiseRow[];
    if (inserted.length > 0) return { row: inserted[0], created: true };
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM promise WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      p.idempotencyKey,
    ])) as PromiseRow[];
    return { row, created: false };
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<PromiseRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM promise WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ])) as PromiseRow[];
    return row;
  }

  /**
   * The promise locked for the transaction (FOR UPDATE): a payment counting towards it waits for
   * the caller's commit, or the caller waits for the payment's and reads what it counted.
   */
  async lock(tx: EntityManager, tenantId: string, id: string): Promise<PromiseRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM promise WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [
      tenantId,
      id,
    ])) as PromiseRow[];
    return row;
  }

  /**
   * Cancels the promise if it is still open (CancelPromise), with who, why and the call's
   * idempotency key; the row as it now is, or undefined when it was no longer open.
   */
  async cancel(
    tx: EntityManager,
    tenantId: string,
    id: string,
    c: { cancelledAt: Date; cancelledBy: string; reason: string; idempotencyKey: string },
  ): Promise<PromiseRow | undefined> {
    const [rows] = (await tx.query(
      `UPDATE promise SET state = $3, cancelled_at = $5, cancelled_by = $6, cancel_reason = $7, cancel_idempotency_key = $8
        WHERE tenant_id = $1 AND id = $2 AND state = $4 RETURNING ${COLUMNS}`,
      [
        tenantId,
        id,
        promises.PromiseState.PROMISE_STATE_CANCELLED,
        promises.PromiseState.PROMISE_STATE_OPEN,
        c.cancelledAt,
        c.cancelledBy,
        c.reason,
        c.idempotencyKey,
      ],
    )) as [PromiseRow[], number];
    return rows[0];
  }

  async openForAccount(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    currency: string,
  ): Promise<PromiseRow[]> {
    return (await tx.query(
      `SELECT ${COLUMNS} FROM promise WHERE tenant_id = $1 AND account_id = $2 AND currency = $3 AND state = $4
       ORDER BY due_date, created_at FOR UPDATE`,
      [tenantId, accountId, currency, promises.PromiseState.PROMISE_STATE_OPEN],
    )) as PromiseRow[];
  }

  /** Open promises (all tenants, or one) due on or before a date: candidates for breaking. */
  async openDueBy(
    m: EntityManager,
    tenantId: string | undefined,
    dueBy: string,
  ): Promise<(PromiseRow & { tenant_id: string })[]> {
    return (await m.query(
      `SELECT tenant_id, ${COLUMNS} FROM promise
        WHERE state = $1 AND due_date <= $2 AND ($3::text IS NULL OR tenant_id = $3) ORDER BY tenant_id, due_date, id`,
      [promises.PromiseState.PROMISE_STATE_OPEN, dueBy, tenantId ?? null],
    )) as (PromiseRow & { tenant_id: string })[];
  }

  /** Marks an open promise broken; false when it was no longer open (paid, or broken by another run). */
  async markBroken(tx: EntityManager, tenantId: string, id: string): Promise<boolean> {
    const result = (await tx.query(
      `UPDATE promise SET state = $3 WHERE tenant_id = $1 AND id = $2 AND state = $4 RETURNING id`,
      [tenantId, id, promises.PromiseState.PROMISE_STATE_BROKEN, promises.PromiseState.PROMISE_STATE_OPEN],
    )) as unknown[];
    const rows = Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
    return rows.length === 1;
  }

  /**
   * Cancels every open single promise of the account (any currency), locked in the order payments
   * lock them (earliest due first); the rows as they now are, in that order, none when it has none
   * open (a redelivery finds them cancelled). Kept and broken promises stay as they are.
   */
  async cancelOpenOfAccount(
    tx: EntityManager,
    tenantId: string,
    accountId: string,
    cancelledAt: Date,
    cancelledBy: string,
  ): Promise<PromiseRow[]> {
    return (await tx.query(
      `WITH locked AS (
         SELECT id AS locked_id FROM promise WHERE tenant_id = $1 AND account_id = $2 AND state = $4
          ORDER BY due_date, created_at, id FOR UPDATE),
       cancelled AS (
         UPDATE promise SET state = $3, cancelled_at = $5, cancelled_by = $6 FROM locked
          WHERE tenant_id = $1 AND id = locked_id AND state = $4 RETURNING ${COLUMNS}, created_at)
       SELECT ${COLUMN_NAMES} FROM cancelled ORDER BY due_date, created_at, id`,
      [
        tenantId,
        accountId,
        promises.PromiseState.PROMISE_STATE_CANCELLED,
        promises.PromiseState.PROMISE_STATE_OPEN,
        cancelledAt,
        cancelledBy,
      ],
    )) as PromiseRow[];
  }

  /**
   * Records what a payment counted towards a promise; false when this payment was already
   * recorded for it (nothing to count again).
   */
  async recordPayment(
    tx: EntityManager,
    tenantId: string,
    paymentId: string,
    promiseId: string,
    amountMinor: number,
  ): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO promise_payment (tenant_id, payment_id, promise_id, amount_minor) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING promise_id`,
      [tenantId, paymentId, promiseId, amountMinor],
    )) as unknown[];
    return rows.length === 1;
  }

  /**
   * Flags a payment's allocations reversed and returns them with their promises, locked, earliest
   * due first (as payments lock them); none when the payment counted towards no promise, or its
   * reversal was taken off before.
   */
  async reversePayment(
    tx: EntityManager,
    tenantId: string,
    paymentId: string,
  ): Promise<(PromiseRow & { reversed_minor: string })[]> {
    const [rows] = (await tx.query(
      `UPDATE promise_payment SET reversed = true WHERE tenant_id = $1 AND payment_id = $2 AND NOT reversed
       RETURNING promise_id::text AS promise_id, amount_minor`,
      [tenantId, paymentId],
    )) as [{ promise_id: string; amount_minor: string }[], number];
    if (rows.length === 0) return [];
    const reversed = new Map(rows.map((r) => [r.promise_id, r.amount_minor]));
    const locked = (await tx.query(
      `SELECT ${COLUMNS} FROM promise WHERE tenant_id = $1 AND id = ANY($2::uuid[])
       ORDER BY due_date, created_at FOR UPDATE`,
      [tenantId, [...reversed.keys()]],
    )) as PromiseRow[];
    return locked.map((p) => ({ ...p, reversed_minor: reversed.get(p.id)! }));
  }

  async updatePaid(tx: EntityManager, tenantId: string, id: string, paidMinor: number, state: number): Promise<void> {
    await tx.query(`UPDATE promise SET paid_minor = $3, state = $4 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
      paidMinor,
      state,
    ]);
  }
}
