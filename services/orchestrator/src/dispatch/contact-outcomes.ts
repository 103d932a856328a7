import { EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { agentContactChannel } from '../agents/domain';
import { AgentTaskContactLaw } from '../agents/usecases/agent-task-contact-law';
import { ChannelName, WebhookEvent, isOptOut } from '../channels/domain';
import { channelCode } from '../planning/usecases/plan-account.usecase';
import { addressOwners } from './address-owners';
import { addressHash } from './addresses';

/**
 * What verified webhooks mean for scheduled contacts: a receipt marks the contact delivered
 * (ContactDelivered, once), and a STOP word opts the address's debtor out of the channel,
 * cancelling every pending contact on it (OptOutRecorded). Same transaction as the receipt.
 * `law`: the service's contact law on agents' tasks (its planner repository and refusal counter).
 */
export async function recordContactOutcomes(
  tx: EntityManager,
  outbox: Outbox,
  tenantId: string,
  channel: ChannelName,
  events: WebhookEvent[],
  at: Date,
  law: AgentTaskContactLaw,
): Promise<void> {
  for (const event of events) {
    if (event.kind === 'status') {
      if (event.status !== 'delivered' && event.status !== 'read') continue;
      const rows = (await tx.query(
        // A CTE: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
        `WITH delivered AS (
           UPDATE contact_schedule SET delivered_at = $4
            WHERE tenant_id = $1 AND channel = $2 AND provider_message_id = $3 AND delivered_at IS NULL
            RETURNING id, account_id)
         SELECT id, account_id FROM delivered`,
        [tenantId, channel, event.providerMessageId, at],
      )) as { id: string; account_id: string }[];
      for (const row of rows)
        await outbox.add(tx, {
          type: 'collections.orchestrator.v1.ContactDelivered',
          key: row.account_id,
          tenantId,
          time: at,
          payload: {
            scheduleId: row.id,
            accountId: row.account_id,
            channel: channelCode(channel),
            providerMessageId: event.providerMessageId,
            read: event.status === 'read',
            deliveredAt: at,
          },
        });
      continue;
    }
    if (event.kind !== 'inbound' || !isOptOut(event.text)) continue;
    await recordAddressOwnersOptOut(
      tx,
      outbox,
      tenantId,
      channel,
      addressHash(tenantId, channel, event.from),
      at,
      event.providerMessageId,
      law,
    );
  }
}

/**
 * Each debtor the address (`hash`: its `addressHash`; `contact_address_owner` keeps it under its
 * address keys, `address-owners.ts`) was sent to opts out of the
 * channel: `debtor_channel_opt_out` (the planner's and the send-time check's), every pending
 * contact on it cancelled (`opt-out`), their agents' tasks on it that the contact law now refuses
 * for good cancelled (AgentTaskCancelled; a call opt-out stops calls, not visits), and
 * OptOutRecorded; once per debtor and channel. A STOP reply and an e-mail's opt-out link both come
 * here (`causedBy`: the reply's provider message id, or `link:<delivery>`). `law`: the service's
 * (`AgentTaskContactLaw` with the planner's repository and the refusal counter), so the refusals
 * recorded here read the tenant's rules as every other decision does and are counted in
 * `collections_contact_refusals_total`. Answers how many debtors the address has.
 */
export async function recordAddressOwnersOptOut(
  tx: EntityManager,
  outbox: Outbox,
  tenantId: string,
  channel: ChannelName,
  hash: string,
  at: Date,
  causedBy: string,
  law: AgentTaskContactLaw,
): Promise<number> {
  const owners = await addressOwners(tx, tenantId, channel, hash);
  for (const debtorId of owners) {
    const inserted = (await tx.query(
      `INSERT INTO debtor_channel_opt_out (tenant_id, debtor_id, channel, recorded_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING debtor_id`,
      [tenantId, debtorId, channel, at],
    )) as unknown[];
    if (inserted.length === 0) continue;
    const cancelled = (await tx.query(
      `WITH cancelled AS (
           UPDATE contact_schedule SET status = 'cancelled', cancel_reason = 'opt-out', updated_at = $4
            WHERE tenant_id = $1 AND debtor_id = $2 AND channel = $3 AND status = 'pending' RETURNING account_id)
         SELECT account_id FROM cancelled`,
      [tenantId, debtorId, channel, at],
    )) as { account_id: string }[];
    const agentChannel = agentContactChannel(channel);
    if (agentChannel) await law.sweepDebtor(tx, tenantId, debtorId, at, { cause: 'opt-out', causedBy }, agentChannel);
    await outbox.add(tx, {
      type: 'collections.orchestrator.v1.OptOutRecorded',
      key: debtorId,
      tenantId,
      time: at,
      payload: {
        debtorId,
        channel: channelCode(channel),
        accountIds: [...new Set(cancelled.map((c) => c.account_id))],
        recordedAt: at,
      },
    });
  }
  return owners.length;
}
