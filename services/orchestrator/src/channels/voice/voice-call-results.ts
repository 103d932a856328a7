import { EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { localDate } from '@collections/platform';
import { recordCallOutcome } from '../../agents/record-call-outcome';
import { AgentTaskContactLaw } from '../../agents/usecases/agent-task-contact-law';
import { WebhookEvent, voiceCallOutcome } from '../domain';

type CallResult = Extract<WebhookEvent, { kind: 'call-result' }>;

/**
 * Records a voice-bot call's outcome (once per call: the first result that decides one wins, so
 * the bot's reading of the conversation is not overwritten by the "completed" that follows it) and
 * publishes CallOutcomeRecorded. Calls we did not place for an account are ignored.
 */
export async function recordVoiceCallResult(
  tx: EntityManager,
  outbox: Outbox,
  tenantId: string,
  event: CallResult,
  at: Date,
  law: AgentTaskContactLaw,
): Promise<void> {
  const [call] = (await tx.query(
    `SELECT d.account_id, p.time_zone, a.currency
       FROM channel_delivery d
       LEFT JOIN account_party a ON a.tenant_id = d.tenant_id AND a.account_id = d.account_id
       LEFT JOIN debtor_profile p ON p.tenant_id = a.tenant_id AND p.debtor_id = a.debtor_id
      WHERE d.tenant_id = $1 AND d.channel = 'call' AND d.provider_message_id = $2 AND d.account_id IS NOT NULL
      ORDER BY a.role NULLS LAST LIMIT 1`,
    [tenantId, event.providerMessageId],
  )) as { account_id: string; time_zone: string | null; currency: string | null }[];
  if (!call) return;
  let today: string;
  try {
    today = localDate(at, call.time_zone ?? 'UTC');
  } catch {
    today = localDate(at, 'UTC');
  }
  const currency = call.currency?.trim() || 'USD';
  const result = voiceCallOutcome(event, { today, currency });
  if (!result) return;
  const amount = result.intent?.amount;
  // A promise in another currency than the account's is not one we can hold the debtor to.
  const outcome =
    result.outcome === 'promise' && amount && amount.currency !== currency ? 'right_party_contact' : result.outcome;
  await recordCallOutcome(
    tx,
    outbox,
    {
      tenantId,
      accountId: call.account_id,
      source: 'voice_bot',
      outcome,
      promisedAmount: outcome === 'promise' ? amount : undefined,
      promisedDate: outcome === 'promise' ? result.intent?.date : undefined,
      causedBy: `call:${event.providerMessageId}`,
      now: at,
    },
    law,
  );
}
