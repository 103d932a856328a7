import { EntityManager } from 'typeorm';

/** A payment that counted towards nothing, as `unallocated_payment` keeps it. */
export interface UnallocatedPayment {
  paymentId: string;
  accountId: string;
  amountMinor: number;
  currency: string;
  /** The payment's day on the account's calendar. */
  paidOn: string;
}

/**
 * Whether a ledger payment was already counted by a settlement, a plan or single promises, or came
 * when the account had nothing to count it towards (even if reversed since): a payment replayed under
 * a new event id (the inbox only knows event ids) must not count a second time, there or elsewhere,
 * nor for the first time towards a promise made after it was paid.
 */
export class AppliedPaymentsRepository {
  async alreadyApplied(tx: EntityManager, tenantId: string, paymentId: string): Promise<boolean> {
    const [row] = (await tx.query(
      `SELECT EXISTS (SELECT 1 FROM settlement_payment WHERE tenant_id = $1 AND payment_id = $2)
           OR EXISTS (SELECT 1 FROM plan_payment WHERE tenant_id = $1 AND payment_id = $2)
           OR EXISTS (SELECT 1 FROM promise_payment WHERE tenant_id = $1 AND payment_id = $2)
           OR EXISTS (SELECT 1 FROM unallocated_payment WHERE tenant_id = $1 AND payment_id = $2) AS applied`,
      [tenantId, paymentId],
    )) as { applied: boolean }[];
    return row.applied;
  }

  /** Records a payment that counted towards nothing (one taken one by one; a batch's go with its plans'). */
  async recordUnallocated(tx: EntityManager, tenantId: string, p: UnallocatedPayment): Promise<void> {
    await tx.query(
      `INSERT INTO unallocated_payment (tenant_id, payment_id, account_id, amount_minor, currency, paid_on)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [tenantId, p.paymentId, p.accountId, p.amountMinor, p.currency, p.paidOn],
    );
  }

  /** Flags a payment that counted towards nothing reversed; false when it was not one, or was flagged before. */
  async reverseUnallocated(tx: EntityManager, tenantId: string, paymentId: string): Promise<boolean> {
    const [rows] = (await tx.query(
      `UPDATE unallocated_payment SET reversed = true WHERE tenant_id = $1 AND payment_id = $2 AND NOT reversed
       RETURNING payment_id`,
      [tenantId, paymentId],
    )) as [unknown[], number];
    return rows.length > 0;
  }
}
