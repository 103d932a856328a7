import { EntityManager } from 'typeorm';
import { promises } from '@collections/contracts';
import { money } from '@collections/platform';
import { NewPromise } from './domain/promise';

export interface PromiseRow {
  id: string;
  account_id: string;
  amount_minor: string;
  paid_minor: string;
  currency: string;
  due_date: string;
  state: number;
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
  };
}

const COLUMNS = `id, account_id, amount_minor, paid_minor, currency, to_char(due_date, 'YYYY-MM-DD') AS due_date, state`;

export class PromisesRepository {
  /** Inserts, or returns the promise already created with this idempotency key. */
  async create(tx: EntityManager, tenantId: string, p: NewPromise, createdAt: Date): Promise<PromiseRow> {
    await tx.query(
      `INSERT INTO promise (tenant_id, account_id, amount_minor, currency, due_date, state, idempotency_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
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
    );
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM promise WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      p.idempotencyKey,
    ])) as PromiseRow[];
    return row;
  }

  async find(tx: EntityManager, tenantId: string, id: string): Promise<PromiseRow | undefined> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
    const [row] = (await tx.query(`SELECT ${COLUMNS} FROM promise WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ])) as PromiseRow[];
    return row;
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

  async updatePaid(tx: EntityManager, tenantId: string, id: string, paidMinor: number, state: number): Promise<void> {
    await tx.query(`UPDATE promise SET paid_minor = $3, state = $4 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
      paidMinor,
      state,
    ]);
  }
}
