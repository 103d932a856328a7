import { EntityManager } from 'typeorm';
import { DeadLetterAdmin } from '@collections/messaging';

/** What an erased free text reads as: the ledger's own word for its pseudonymised data. */
export const ERASED = 'erased';

/**
 * Which debtors each account belongs to, from AccountOpened (joint accounts: each of them). Only
 * accounts opened after migration 1763900014800 are linked: AccountOpened events from before are
 * not replayed, and nothing else the service holds names a debtor.
 */
export class AccountDebtorsRepository {
  async link(tx: EntityManager, tenantId: string, accountId: string, debtorIds: string[]): Promise<void> {
    const ids = [...new Set(debtorIds.filter((id) => id))];
    if (!ids.length) return;
    await tx.query(
      `INSERT INTO promise_account_debtor (tenant_id, debtor_id, account_id)
       SELECT $1, d, $2 FROM unnest($3::text[]) d ON CONFLICT DO NOTHING`,
      [tenantId, accountId, ids],
    );
  }
}

/**
 * Erases the free texts people typed about a debtor the ledger erased, on every account linked to
 * them (joint accounts included, as the ledger does), in the event's transaction (with its inbox
 * record, so a redelivery finds it done): each of `FREE_TEXTS` becomes 'erased'. What stays is the
 * audit of who approved or cancelled what: the offer as proposed (amounts, dates), its state, the
 * agent and the supervisor (user ids), when, and the held offer's `reason`, which the service
 * writes itself from the tenant's limits (numbers, a currency, a date, a segment: never typed,
 * never a name). The dead letters of the debtor's and those accounts' records are erased too
 * (eraseDeadLetters). Returns how many notes and reasons were erased.
 */
export async function eraseDebtorFreeTexts(
  tx: EntityManager,
  tenantId: string,
  debtorId: string,
  deadLetters: Pick<DeadLetterAdmin, 'erase'>,
): Promise<number> {
  const accounts = (await tx.query(
    `SELECT account_id FROM promise_account_debtor WHERE tenant_id = $1 AND debtor_id = $2`,
    [tenantId, debtorId],
  )) as { account_id: string }[];
  await deadLetters.erase(tx, tenantId, [debtorId, ...accounts.map((a) => a.account_id)]);
  let erased = 0;
  for (const [table, column] of FREE_TEXTS) {
    const [, n] = (await tx.query(
      `UPDATE ${table} t SET ${column} = $3
         FROM promise_account_debtor ad
        WHERE ad.tenant_id = $1 AND ad.debtor_id = $2 AND t.tenant_id = ad.tenant_id AND t.account_id = ad.account_id
          AND t.${column} NOT IN ('', $3)`,
      [tenantId, debtorId, ERASED],
    )) as [unknown, number];
    erased += n;
  }
  return erased;
}

/**
 * The free texts people typed on an account's rows: a supervisor's note on a decided offer, and why
 * a person cancelled a plan or a single promise or withdrew a settlement (any may name the debtor).
 */
const FREE_TEXTS: readonly (readonly [table: string, column: string])[] = [
  ['offer_approval', 'decision_note'],
  ['payment_plan', 'cancel_reason'],
  ['promise', 'cancel_reason'],
  ['settlement', 'withdraw_reason'],
];
