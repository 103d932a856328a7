import { EntityManager } from 'typeorm';
import { orchestrator, orchestratorAgents } from '@collections/contracts';
import { Outbox } from '@collections/messaging';
import { localDate } from '@collections/platform';
import { createAgentTask } from '../agents';
import { REPLY_DISPUTE_HOLD, openDisputeHold } from '../agents/dispute-hold';
import { AgentTaskContactLaw } from '../agents/usecases/agent-task-contact-law';
import { channelPii } from '../channels/channel-pii';
import { ChannelName } from '../channels/domain';
import { ReplyDecision, decideReply } from './domain';

/** The queue reply reviews go to. */
export const REPLY_REVIEW_QUEUE = 'replies';

export interface InboundReply {
  tenantId: string;
  channel: ChannelName;
  providerMessageId: string;
  from: string;
  text: string;
  optOut: boolean;
  at: Date;
}

const CHANNEL: Record<ChannelName, orchestrator.Channel> = {
  sms: orchestrator.Channel.CHANNEL_SMS,
  whatsapp: orchestrator.Channel.CHANNEL_WHATSAPP,
  email: orchestrator.Channel.CHANNEL_EMAIL,
  call: orchestrator.Channel.CHANNEL_CALL,
};

const INTENT: Record<ReplyDecision['kind'], orchestratorAgents.ReplyIntent> = {
  'opt-out': orchestratorAgents.ReplyIntent.REPLY_INTENT_OPT_OUT,
  dispute: orchestratorAgents.ReplyIntent.REPLY_INTENT_DISPUTE,
  'payment-intent': orchestratorAgents.ReplyIntent.REPLY_INTENT_PAYMENT_INTENT,
  review: orchestratorAgents.ReplyIntent.REPLY_INTENT_OTHER,
};

/** The account we last sent to at that address (found by its address keys: each configured key's), with its debtor's time zone and its currency. */
async function accountOfSender(tx: EntityManager, r: InboundReply) {
  const [row] = (await tx.query(
    `SELECT d.account_id, p.time_zone, a.currency
       FROM (SELECT account_id FROM channel_delivery
              WHERE tenant_id = $1 AND channel = $2 AND recipient_hash = ANY($3::text[]) AND account_id IS NOT NULL
              ORDER BY updated_at DESC LIMIT 1) d
       LEFT JOIN account_party a ON a.tenant_id = $1 AND a.account_id = d.account_id
       LEFT JOIN debtor_profile p ON p.tenant_id = a.tenant_id AND p.debtor_id = a.debtor_id
      ORDER BY a.role NULLS LAST LIMIT 1`,
    [r.tenantId, r.channel, channelPii().addressKeys(r.tenantId, r.channel, r.from)],
  )) as { account_id: string; time_zone: string | null; currency: string | null }[];
  if (!row) return undefined;
  let today: string;
  try {
    today = localDate(r.at, row.time_zone ?? 'UTC');
  } catch {
    today = localDate(r.at, 'UTC');
  }
  return { accountId: row.account_id, today, currency: row.currency?.trim() || 'USD' };
}

/**
 * A debtor's reply (recorded once in channel_inbound by the caller): publishes DebtorReplied, and
 * PaymentIntentExpressed for the promises service, or queues a reply review for an agent. A
 * dispute of the debt stops contact at once — a dispute hold on each of the account's debtors
 * (`reply-dispute:<replyId>:<debtor>`) and their open calls and visits cancelled, as for a dispute
 * on a call — and queues a review to verify the debt. Same transaction as the webhook's records.
 * The text itself never leaves this service.
 */
export async function handleReply(
  tx: EntityManager,
  outbox: Outbox,
  r: InboundReply,
  /** The service's contact law on agents' tasks: a dispute puts the debtor's tasks to it. */
  law: AgentTaskContactLaw,
): Promise<ReplyDecision> {
  const replyId = `${r.channel}:${r.providerMessageId}`;
  const account = await accountOfSender(tx, r);
  const decision = decideReply(r.text, r.optOut, account);
  const accountId = account?.accountId ?? '';
  const key = accountId || replyId;
  await tx.query(
    `UPDATE channel_inbound SET account_id = $4, intent = $5 WHERE tenant_id = $1 AND channel = $2 AND provider_message_id = $3`,
    [r.tenantId, r.channel, r.providerMessageId, accountId || null, decision.kind],
  );
  await outbox.add(tx, {
    type: 'collections.orchestrator.v1.DebtorReplied',
    key,
    tenantId: r.tenantId,
    time: r.at,
    payload: { replyId, accountId, channel: CHANNEL[r.channel], intent: INTENT[decision.kind], receivedAt: r.at },
  });
  if (decision.kind === 'dispute' && accountId) {
    await openDisputeHold(tx, law, {
      tenantId: r.tenantId,
      accountId,
      holdIdPrefix: `${REPLY_DISPUTE_HOLD}${replyId}:`,
      causedBy: `reply:${replyId}`,
      now: r.at,
    });
  }
  if (decision.kind === 'payment-intent') {
    await outbox.add(tx, {
      type: 'collections.orchestrator.v1.PaymentIntentExpressed',
      key,
      tenantId: r.tenantId,
      time: r.at,
      payload: {
        intentId: replyId,
        accountId,
        amount: decision.intent.amount,
        promisedDate: decision.intent.date ?? '',
        channel: CHANNEL[r.channel],
        replyId,
        expressedAt: r.at,
      },
    });
  } else if (decision.kind === 'review' || decision.kind === 'dispute') {
    await createAgentTask(tx, outbox, {
      tenantId: r.tenantId,
      accountId,
      kind: 'review_reply',
      queue: REPLY_REVIEW_QUEUE,
      language: decision.language,
      reason: decision.reason,
      causedByEventId: `reply:${replyId}`,
      now: r.at,
    });
  }
  return decision;
}
