import { EntityManager } from 'typeorm';

/**
 * Whether a ledger payment was already counted by a settlement, a plan or single promises (even
 * if reversed since): a payment replayed under a new event id (the inbox only knows event ids)
 * must not count a second time, there or elsewhere.
 */
export class AppliedPaymentsRepository {
  async alreadyApplied(tx: EntityManager, tenantId: string, paymentId: string): Promise<boolean> {
    const [row] = (await tx.query(
      `SELECT EXISTS (SELECT 1 FROM settlement_payment WHERE tenant_id = $1 AND payment_id = $2)
           OR EXISTS (SELECT 1 FROM plan_payment WHERE tenant_id = $1 AND payment_id = $2)
           OR EXISTS (SELECT 1 FROM promise_payment WHERE tenant_id = $1 AND payment_id = $2) AS applied`,
      [tenantId, paymentId],
    )) as { applied: boolean }[];
    return row.applied;
  }
}
