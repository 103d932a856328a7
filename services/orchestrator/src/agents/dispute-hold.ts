import { EntityManager } from 'typeorm';
import { ledger } from '@collections/contracts';
import { AgentTaskContactLaw } from './usecases/agent-task-contact-law';

/** Prefix of the holds the orchestrator opens itself when a debtor disputes on a call. */
export const CALL_DISPUTE_HOLD = 'call-dispute:';
/** Prefix of the holds the orchestrator opens itself when a debtor disputes in an SMS, WhatsApp or e-mail reply. */
export const REPLY_DISPUTE_HOLD = 'reply-dispute:';
/** Every prefix of the orchestrator's own dispute holds: the ledger lifting the debtor's dispute ends them all. */
export const OWN_DISPUTE_HOLDS = [CALL_DISPUTE_HOLD, REPLY_DISPUTE_HOLD] as const;

export interface DisputeOnAccount {
  tenantId: string;
  accountId: string;
  /** The hold id before the debtor's id: `call-dispute:<outcome>:`, `reply-dispute:<replyId>:`. */
  holdIdPrefix: string;
  /** What the debtor disputed in (the call outcome, the reply): `causedBy` of AgentTaskCancelled. */
  causedBy: string;
  now: Date;
}

/**
 * A debtor disputed the debt on an account: contact stops at once. A dispute hold on each of the
 * account's debtors in the orchestrator's own `debtor_hold_state` (hold id `<prefix><debtor>`),
 * which the contact-policy check reads, until the ledger lifts a dispute hold for that debtor
 * (`debtor-facts.consumer.ts`); and their calls and visits not yet worked are put to the law now,
 * as when the ledger sets a hold (`sweepDebtor`, cause `hold`): open ones are cancelled
 * (AgentTaskCancelled), held ones carry the refusal. In the caller's transaction; a dispute told
 * again opens no second hold and cancels nothing twice. Answers the debtors held. `law`: the
 * service's one contact law on agents' tasks (its tenant-rules cache, its refusal counter).
 */
export async function openDisputeHold(
  tx: EntityManager,
  law: AgentTaskContactLaw,
  d: DisputeOnAccount,
): Promise<string[]> {
  const held = (await tx.query(
    `INSERT INTO debtor_hold_state (tenant_id, hold_id, debtor_id, kind, active)
     SELECT tenant_id, $3 || debtor_id, debtor_id, $4, true FROM account_party WHERE tenant_id = $1 AND account_id = $2
     ON CONFLICT (tenant_id, hold_id) DO UPDATE SET active = true
     RETURNING debtor_id`,
    [d.tenantId, d.accountId, d.holdIdPrefix, ledger.HoldKind.HOLD_KIND_DISPUTE],
  )) as { debtor_id: string }[];
  const debtors = [...new Set(held.map((h) => h.debtor_id))].sort();
  for (const debtorId of debtors)
    await law.sweepDebtor(tx, d.tenantId, debtorId, d.now, { cause: 'hold', causedBy: d.causedBy });
  return debtors;
}
