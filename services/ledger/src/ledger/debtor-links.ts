import { EntityManager } from 'typeorm';

/**
 * The debtors of `ids` on record in the tenant, each with whether it is erased, share-locked for
 * the transaction in id order: an erasure (or an upsert) of one waits for the account being linked
 * to it, or the link for it, so no account is linked to a debtor erased in between. OpenAccount's
 * and the generic import's account lines' one check.
 */
export async function lockDebtorsToLink(
  tx: EntityManager,
  tenantId: string,
  ids: readonly string[],
): Promise<{ id: string; erased: boolean }[]> {
  return (await tx.query(
    `SELECT id, erased_at IS NOT NULL AS erased FROM debtor WHERE tenant_id = $1 AND id = ANY($2) ORDER BY id FOR SHARE`,
    [tenantId, ids],
  )) as { id: string; erased: boolean }[];
}
