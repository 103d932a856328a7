import { DataSource, EntityManager } from 'typeorm';
import { Outbox } from '@collections/messaging';
import { ERASED } from '../decisions/erased';
import { AgentTaskContactLaw } from '../agents/usecases/agent-task-contact-law';
import { handleReply } from '../replies/handle-reply';
import { channelPii } from './channel-pii';
import { recordVoiceCallResult } from './voice/voice-call-results';
import {
  ChannelName,
  DeliveryOutcome,
  OutboundMessage,
  OutcomeStore,
  WebhookEvent,
  isOptOut,
  nextStatus,
  outcomeStatus,
  receiptMarksInvalid,
} from './domain';

/**
 * Keeps each send's outcome per idempotency key in channel_delivery (the sender's store in
 * production). The recipient is stored encrypted and under its address key (`channel-pii.ts`).
 */
export class PgOutcomeStore implements OutcomeStore {
  constructor(
    private readonly db: DataSource | EntityManager,
    private readonly channel: ChannelName,
    /** `accountId`, when known, lets a reply from this address find its account. */
    private readonly message: Pick<OutboundMessage, 'tenantId' | 'to'> & { accountId?: string },
    private readonly now: () => Date,
  ) {}

  async get(key: string): Promise<DeliveryOutcome | undefined> {
    const [row] = (await this.db.query(
      `SELECT status, provider_message_id, error_code, attempts, segments FROM channel_delivery
        WHERE tenant_id = $1 AND channel = $2 AND idempotency_key = $3`,
      [this.message.tenantId, this.channel, key],
    )) as {
      status: string;
      provider_message_id: string | null;
      error_code: string | null;
      attempts: number;
      segments: number | null;
    }[];
    if (!row) return undefined;
    if (row.provider_message_id)
      return {
        status: 'sent',
        providerMessageId: row.provider_message_id,
        attempts: row.attempts,
        ...(row.segments !== null ? { segments: row.segments } : {}),
      };
    const failure = { kind: 'rejected' as const, code: row.error_code ?? '', detail: 'recorded' };
    if (row.status === 'invalid-recipient' || row.status === 'rejected')
      return {
        status: row.status,
        failure: { ...failure, kind: row.status },
        attempts: row.attempts,
      } as DeliveryOutcome;
    return { status: 'gave-up', failure: { ...failure, kind: 'transient' }, attempts: row.attempts };
  }

  async put(key: string, outcome: DeliveryOutcome): Promise<void> {
    const tenant = this.message.tenantId;
    const errorCode = outcome.status === 'sent' ? null : outcome.failure.code;
    const pii = channelPii();
    const recipient = { key: pii.addressKey(tenant, this.channel, this.message.to), enc: pii.encrypt(this.message.to) };
    await this.db.query(
      `INSERT INTO channel_delivery (tenant_id, channel, idempotency_key, recipient_hash, recipient_enc, provider_message_id, status, error_code, attempts, updated_at, account_id, segments)
       VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10, $12) ON CONFLICT (tenant_id, channel, idempotency_key) DO NOTHING`,
      [
        tenant,
        this.channel,
        key,
        recipient.key,
        outcome.status === 'sent' ? outcome.providerMessageId : null,
        outcomeStatus(outcome),
        errorCode,
        outcome.attempts,
        this.now(),
        this.message.accountId ?? null,
        recipient.enc,
        outcome.status === 'sent' ? (outcome.segments ?? null) : null,
      ],
    );
    if (outcome.status === 'invalid-recipient')
      await markInvalid(
        this.db,
        tenant,
        this.channel,
        await storedAddress(this.db, 'channel_address', tenant, this.channel, this.message.to),
        outcome.failure.code,
        this.now(),
      );
  }
}

/**
 * Whether a send under `key` is on record: an outcome, or (e-mail) a submission begun, which the
 * provider answers as sent. Without either, the provider may still have it (SMS, WhatsApp and
 * calls, when the process died after its answer), under the same key.
 */
export async function sendOnRecord(
  db: DataSource | EntityManager,
  tenantId: string,
  channel: string,
  key: string,
): Promise<boolean> {
  const [{ known }] = (await db.query(
    `SELECT EXISTS (SELECT 1 FROM channel_delivery WHERE tenant_id = $1 AND channel = $2 AND idempotency_key = $3)
         OR ($2 = 'email' AND EXISTS (SELECT 1 FROM email_submission WHERE tenant_id = $1 AND idempotency_key = $3)) AS known`,
    [tenantId, channel, key],
  )) as { known: boolean }[];
  return known;
}

/** An address as the channels' records keep it: its address key and its value encrypted. */
interface StoredAddress {
  key: string;
  enc: Buffer;
}

/**
 * `address` as `table` (`channel_address` or `channel_opt_out`, whose rows are one per address key)
 * stores it: the key of its row when it has one under any configured key (during a key rotation,
 * a row the rotation job has not rewritten yet keeps the old key's; the row is locked until the
 * transaction ends, so the job cannot move it meanwhile), else the current key's; and the value
 * encrypted under the current key (written only with a new row, whose key is the current key's).
 */
async function storedAddress(
  db: DataSource | EntityManager,
  table: 'channel_address' | 'channel_opt_out',
  tenant: string,
  channel: string,
  address: string,
): Promise<StoredAddress> {
  const pii = channelPii();
  const keys = pii.addressKeys(tenant, channel, address);
  const enc = pii.encrypt(address);
  if (keys.length === 1) return { key: keys[0], enc };
  const [row] = (await db.query(
    `SELECT address_hash FROM ${table} WHERE tenant_id = $1 AND channel = $2 AND address_hash = ANY($3::text[])
      ORDER BY address_hash = $4 DESC LIMIT 1 FOR UPDATE`,
    [tenant, channel, keys, keys[0]],
  )) as { address_hash: string }[];
  return { key: row?.address_hash ?? keys[0], enc };
}

async function markInvalid(
  db: DataSource | EntityManager,
  tenant: string,
  channel: ChannelName,
  address: StoredAddress,
  reason: string,
  at: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO channel_address (tenant_id, channel, address_hash, address_enc, invalid, invalid_reason, last_status, last_status_at)
     VALUES ($1, $2, $3, $6, true, $4, 'failed', $5)
     ON CONFLICT (tenant_id, channel, address_hash) DO UPDATE SET invalid = true, invalid_reason = EXCLUDED.invalid_reason`,
    [tenant, channel, address.key, reason, at, address.enc],
  );
}

/**
 * Applies verified webhook events: receipts update delivery and contact records; each reply is
 * recorded once, STOP words opt out, and handleReply() tells the promises service or an agent.
 */
export async function applyWebhookEvents(
  tx: EntityManager,
  outbox: Outbox,
  tenant: string,
  channel: ChannelName,
  events: WebhookEvent[],
  at: Date,
  /** The service's contact law on agents' tasks: a dispute on a call or in a reply puts the debtor's tasks to it. */
  law: AgentTaskContactLaw,
): Promise<void> {
  const pii = channelPii();
  for (const event of events) {
    if (event.kind === 'status') {
      const [row] = (await tx.query(
        `SELECT recipient_hash, recipient_enc, status FROM channel_delivery
          WHERE tenant_id = $1 AND channel = $2 AND provider_message_id = $3 FOR UPDATE`,
        [tenant, channel, event.providerMessageId],
      )) as { recipient_hash: string; recipient_enc: Buffer | null; status: string }[];
      // The delivery's recipient, else the receipt's.
      const recipient = row
        ? row.recipient_enc && row.recipient_hash !== ERASED
          ? pii.decrypt(row.recipient_enc)
          : undefined
        : event.recipient;
      const status = row ? nextStatus(row.status, event.status) : event.status;
      if (row && status === row.status) continue; // stale or repeated receipt
      if (row) {
        await tx.query(
          `UPDATE channel_delivery SET status = $4, error_code = COALESCE($5, error_code), updated_at = $6
            WHERE tenant_id = $1 AND channel = $2 AND provider_message_id = $3`,
          [tenant, channel, event.providerMessageId, status, event.errorCode ?? null, at],
        );
      }
      // A receipt for a send whose recipient was erased with its debtor keeps no address (debtor-erasure.ts).
      if (recipient === undefined) continue;
      const address = await storedAddress(tx, 'channel_address', tenant, channel, recipient);
      await tx.query(
        `INSERT INTO channel_address (tenant_id, channel, address_hash, address_enc, last_status, last_status_at)
         VALUES ($1, $2, $3, $6, $4, $5)
         ON CONFLICT (tenant_id, channel, address_hash) DO UPDATE SET last_status = EXCLUDED.last_status, last_status_at = EXCLUDED.last_status_at`,
        [tenant, channel, address.key, status, at, address.enc],
      );
      if (event.status === 'failed' && receiptMarksInvalid(channel, event.errorCode))
        await markInvalid(tx, tenant, channel, address, event.errorCode!, at);
    } else if (event.kind === 'call-result') {
      await recordVoiceCallResult(tx, outbox, tenant, event, at, law);
    } else {
      const optOut = isOptOut(event.text);
      const inserted = (await tx.query(
        `INSERT INTO channel_inbound (tenant_id, channel, provider_message_id, sender_hash, sender_enc, text_enc, opt_out, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING provider_message_id`,
        [
          tenant,
          channel,
          event.providerMessageId,
          pii.addressKey(tenant, channel, event.from),
          pii.encrypt(event.from),
          pii.encrypt(event.text),
          optOut,
          at,
        ],
      )) as unknown[];
      if (inserted.length === 0) continue; // a repeated webhook
      await handleReply(
        tx,
        outbox,
        {
          tenantId: tenant,
          channel,
          providerMessageId: event.providerMessageId,
          from: event.from,
          text: event.text,
          optOut,
          at,
        },
        law,
      );
      if (!optOut) continue;
      await recordAddressOptOut(tx, tenant, channel, event.from, event.text, event.providerMessageId, at);
    }
  }
}

/**
 * The address opted out of the channel (`channel_opt_out`, once: the first request stays on
 * record; `channel_address.opted_out_at`): a STOP reply, or an e-mail's opt-out link, where
 * `message` and `providerMessageId` say which. Its debtors' opt-out is `recordAddressOwnersOptOut`.
 * The address and the message are stored encrypted, the address found by its key (`channel-pii.ts`).
 */
export async function recordAddressOptOut(
  tx: EntityManager,
  tenant: string,
  channel: ChannelName,
  address: string,
  message: string,
  providerMessageId: string,
  at: Date,
): Promise<void> {
  const optOut = await storedAddress(tx, 'channel_opt_out', tenant, channel, address);
  await tx.query(
    `INSERT INTO channel_opt_out (tenant_id, channel, address_hash, address_enc, message_enc, provider_message_id, received_at)
     VALUES ($1, $2, $3, $7, $4, $5, $6) ON CONFLICT (tenant_id, channel, address_hash) DO NOTHING`,
    [tenant, channel, optOut.key, channelPii().encrypt(message), providerMessageId, at, optOut.enc],
  );
  const stored = await storedAddress(tx, 'channel_address', tenant, channel, address);
  await tx.query(
    `INSERT INTO channel_address (tenant_id, channel, address_hash, address_enc, opted_out_at) VALUES ($1, $2, $3, $5, $4)
     ON CONFLICT (tenant_id, channel, address_hash) DO UPDATE SET opted_out_at = COALESCE(channel_address.opted_out_at, EXCLUDED.opted_out_at)`,
    [tenant, channel, stored.key, at, stored.enc],
  );
}
