import { EntityManager } from 'typeorm';
import { orchestratorAgents } from '@collections/contracts';
import { Outbox } from '@collections/messaging';
import { CALL_DISPUTE_HOLD, openDisputeHold } from './dispute-hold';
import { AgentTaskContactLaw } from './usecases/agent-task-contact-law';
import { CallOutcomeName, callOutcomeToProto } from './domain';

export interface NewCallOutcome {
  tenantId: string;
  accountId: string;
  taskId?: string;
  agentId?: string;
  source: 'agent' | 'voice_bot';
  /** What the contact was: a call (default), or a field visit (the outcome of a `field_visit` task). */
  channel?: 'call' | 'visit';
  outcome: CallOutcomeName;
  promisedAmount?: { amountMinor: number; currency: string };
  promisedDate?: string;
  /** What recorded it (an agent task, a provider call id): one outcome per tenant and cause. */
  causedBy: string;
  now: Date;
}

/**
 * Records a call's outcome and publishes CallOutcomeRecorded in the caller's transaction; once per
 * cause. A dispute stops contact at once (`openDisputeHold`): a dispute hold on the account's
 * debtors in the orchestrator's own hold table (which the contact-policy check reads), until the
 * ledger's own dispute hold for the debtor is lifted (see debtorFactHandlers), and their open calls
 * and visits cancelled.
 */
export async function recordCallOutcome(
  tx: EntityManager,
  outbox: Outbox,
  o: NewCallOutcome,
  /** The service's contact law on agents' tasks: a dispute puts the debtor's tasks to it. */
  law: AgentTaskContactLaw,
): Promise<{ outcomeId: string; recorded: boolean }> {
  const [row] = (await tx.query(
    // The debtor called is the account's primary debtor (the one its contacts are addressed to):
    // the contact history counts the call for them.
    `INSERT INTO agent_call_outcome (tenant_id, account_id, task_id, agent_id, source, outcome, promised_amount_minor,
       promised_currency, promised_date, recorded_at, caused_by, channel, debtor_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
             (SELECT a.debtor_id FROM account_party a WHERE a.tenant_id = $1 AND a.account_id = $2 ORDER BY a.role LIMIT 1))
     ON CONFLICT (tenant_id, caused_by) DO NOTHING RETURNING id`,
    [
      o.tenantId,
      o.accountId,
      o.taskId ?? null,
      o.agentId ?? null,
      o.source,
      o.outcome,
      o.promisedAmount?.amountMinor ?? null,
      o.promisedAmount?.currency ?? null,
      o.promisedDate ?? null,
      o.now,
      o.causedBy,
      o.channel ?? 'call',
    ],
  )) as { id: string }[];
  if (!row) {
    const [existing] = (await tx.query(`SELECT id FROM agent_call_outcome WHERE tenant_id = $1 AND caused_by = $2`, [
      o.tenantId,
      o.causedBy,
    ])) as { id: string }[];
    return { outcomeId: existing.id, recorded: false };
  }
  if (o.outcome === 'dispute') {
    await openDisputeHold(tx, law, {
      tenantId: o.tenantId,
      accountId: o.accountId,
      holdIdPrefix: `${CALL_DISPUTE_HOLD}${row.id}:`,
      causedBy: o.causedBy,
      now: o.now,
    });
  }
  await outbox.add(tx, {
    type: 'collections.orchestrator.v1.CallOutcomeRecorded',
    key: o.accountId,
    tenantId: o.tenantId,
    time: o.now,
    payload: {
      outcomeId: row.id,
      accountId: o.accountId,
      taskId: o.taskId ?? '',
      agentId: o.agentId ?? '',
      source:
        o.source === 'agent'
          ? orchestratorAgents.CallOutcomeSource.CALL_OUTCOME_SOURCE_AGENT
          : orchestratorAgents.CallOutcomeSource.CALL_OUTCOME_SOURCE_VOICE_BOT,
      outcome: callOutcomeToProto(o.outcome),
      promisedAmount: o.promisedAmount ?? undefined,
      promisedDate: o.promisedDate ?? '',
      recordedAt: o.now,
    },
  });
  return { outcomeId: row.id, recorded: true };
}
