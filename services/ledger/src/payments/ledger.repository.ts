import { EntityManager } from 'typeorm';
import { Money } from '@collections/platform';

export interface AccountRow {
  id: string;
  currency: string;
  balance_minor: string;
}

export interface PaymentRow {
  id: string;
  account_id: string;
  amount_minor: string;
  currency: string;
  idempotency_key: string;
  balance_after_minor: string;
  posted_at: Date;
  reference: string;
}

/** Queries only; decisions live in domain/ and the use cases. Every query is scoped to a tenant. */
export class LedgerRepository {
  async openAccount(tx: EntityManager, tenantId: string, id: string, opening: Money): Promise<boolean> {
    const rows = (await tx.query(
      `INSERT INTO account (tenant_id, id, currency, balance_minor) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING id`,
      [tenantId, id, opening.currency, opening.amountMinor],
    )) as unknown[];
    return rows.length === 1;
  }

  async findAccount(tx: EntityManager, tenantId: string, id: string, lock = false): Promise<AccountRow | undefined> {
    const [row] = (await tx.query(
      `SELECT id, currency, balance_minor FROM account WHERE tenant_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [tenantId, id],
    )) as AccountRow[];
    return row;
  }

  async findPaymentByKey(tx: EntityManager, tenantId: string, key: string): Promise<PaymentRow | undefined> {
    const [row] = (await tx.query(`SELECT * FROM payment WHERE tenant_id = $1 AND idempotency_key = $2`, [
      tenantId,
      key,
    ])) as PaymentRow[];
    return row;
  }

  async insertPayment(
    tx: EntityManager,
    tenantId: string,
    p: {
      accountId: string;
      amount: Money;
      idempotencyKey: string;
      reference: string;
      balanceAfter: Money;
      postedAt: Date;
    },
  ): Promise<PaymentRow> {
    const [row] = (await tx.query(
      `INSERT INTO payment (tenant_id, account_id, amount_minor, currency, idempotency_key, reference, balance_after_minor, posted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        tenantId,
        p.accountId,
        p.amount.amountMinor,
        p.amount.currency,
        p.idempotencyKey,
        p.reference,
        p.balanceAfter.amountMinor,
        p.postedAt,
      ],
    )) as PaymentRow[];
    await tx.query(`UPDATE account SET balance_minor = $3 WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      p.accountId,
      p.balanceAfter.amountMinor,
    ]);
    return row;
  }
}
