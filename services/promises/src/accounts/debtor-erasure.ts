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
 * record, so a redelivery finds it done). Such texts are a supervisor's note on a decided offer
 * (`offer_approval.decision_note`), why a plan or a single promise was cancelled
 * (`payment_plan.cancel_reason`, `promise.cancel_reason`) and why a settlement was withdrawn
 * (`settlement.withdraw_reason`): each becomes 'erased'. What stays is the audit of who approved or cancelled what: the offer as proposed
 * (amounts, dates), its state, the agent and the supervisor (user ids), when, and the held offer's `reason`, which the service writes itself from the
 * tenant's limits (numbers, a currency, a date, a segment: never typed, never a name). The dead
 * letters of the debtor's and those accounts' records are erased too (eraseDeadLetters). Returns
 * how many notes and reasons were erased.
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
  const [, erased] = (await tx.query(
    `UPDATE offer_approval o SET decision_note = $3
       FROM promise_account_debtor ad
      WHERE ad.tenant_id = $1 AND ad.debtor_id = $2 AND o.tenant_id = ad.tenant_id AND o.account_id = ad.account_id
        AND o.decision_note NOT IN ('', $3)`,
    [tenantId, debtorId, ERASED],
  )) as [unknown, number];
  // Why a plan was cancelled is typed by whoever cancelled it: it may name the debtor too.
  const [, reasons] = (await tx.query(
    `UPDATE payment_plan p SET cancel_reason = $3
       FROM promise_account_debtor ad
      WHERE ad.tenant_id = $1 AND ad.debtor_id = $2 AND p.tenant_id = ad.tenant_id AND p.account_id = ad.account_id
        AND p.cancel_reason NOT IN ('', $3)`,
    [tenantId, debtorId, ERASED],
  )) as [unknown, number];
  // So is why a person cancelled a single promise or withdrew a settlement.
  const [, promiseReasons] = (await tx.query(
    `UPDATE promise p SET cancel_reason = $3
       FROM promise_account_debtor ad
      WHERE ad.tenant_id = $1 AND ad.debtor_id = $2 AND p.tenant_id = ad.tenant_id AND p.account_id = ad.account_id
        AND p.cancel_reason NOT IN ('', $3)`,
    [tenantId, debtorId, ERASED],
  )) as [unknown, number];
  const [, settlementReasons] = (await tx.query(
    `UPDATE settlement s SET withdraw_reason = $3
       FROM promise_account_debtor ad
      WHERE ad.tenant_id = $1 AND ad.debtor_id = $2 AND s.tenant_id = ad.tenant_id AND s.account_id = ad.account_id
        AND s.withdraw_reason NOT IN ('', $3)`,
    [tenantId, debtorId, ERASED],
  )) as [unknown, number];
  return erased + reasons + promiseReasons + settlementReasons;
}
