import { EntityManager } from 'typeorm';
import { channelPii } from '../channels/channel-pii';
import { addressHash, ownedChannels } from '../dispatch/addresses';
import { ERASED } from './erased';

/**
 * Erases what the orchestrator holds of a debtor the ledger erased (same transaction as the
 * event's inbox record, so a redelivery finds it done). What goes is what identifies the person:
 * the addresses our messages went to (`channel_delivery.recipient` of the debtor's sends), each
 * address's status (`channel_address`), the debtor's replies and STOP messages in their own words and the
 * addresses they came from (`channel_inbound`, `channel_opt_out`), and the keys that tie an
 * address to the debtor (`contact_address_owner`). What stays is the record the contact law and
 * the books ask for, under the debtor's pseudonymous id: each contact planned, sent, delivered or
 * failed and when (`contact_schedule`, `contact_decision`, `channel_delivery` without its
 * recipient), each reply's time, account and intent, and the debtor's opt-outs and holds, which
 * keep applying should the ledger know the debtor again. An address another debtor of the tenant
 * was also contacted at (a shared phone) is theirs too: its status and the messages from it stay.
 * The records hold addresses under their address keys (`channel-pii.ts`) and the values encrypted:
 * an erased row's key is `erased` (`erased:<provider id>` for an opt-out) and its values are gone (null).
 */
export async function eraseDebtorContactData(tx: EntityManager, tenantId: string, debtorId: string): Promise<void> {
  // The recipients of the debtor's own sends (the schedule row id is the send's idempotency key).
  const pii = channelPii();
  const sent = (await tx.query(
    `SELECT DISTINCT ON (d.channel, d.recipient_hash) d.channel, d.recipient_enc FROM contact_schedule s
       JOIN channel_delivery d ON d.tenant_id = s.tenant_id AND d.channel = s.channel AND d.idempotency_key = s.id::text
      WHERE s.tenant_id = $1 AND s.debtor_id = $2 AND d.recipient_hash <> $3 AND d.recipient_enc IS NOT NULL`,
    [tenantId, debtorId, ERASED],
  )) as { channel: string; recipient_enc: Buffer }[];
  // A phone is the debtor's on every phone channel: its hash on each is needed, so its value is read.
  const recipients = sent.map((d) => ({ channel: d.channel, recipient: pii.decrypt(d.recipient_enc) }));
  // The addresses the debtor was sent to, by their hashes (`contact_address_owner` keeps each one's,
  // encrypted, beside its key), as `channel:hash`.
  const owned = (await tx.query(
    `SELECT channel, hash_enc FROM contact_address_owner WHERE tenant_id = $1 AND debtor_id = $2`,
    [tenantId, debtorId],
  )) as { channel: string; hash_enc: Buffer }[];
  const hashes = new Set(owned.map((o) => `${o.channel}:${pii.decrypt(o.hash_enc)}`));
  for (const r of recipients)
    for (const channel of ownedChannels(r.channel))
      hashes.add(`${channel}:${addressHash(tenantId, channel, r.recipient)}`);
  // Each address's keys, as `channel:key`: under each configured key (a row the key rotation has
  // not rewritten yet keeps the old key's).
  const keysOf = (k: string) => {
    const [channel, hash] = k.split(':');
    return pii.addressKeysOfHash(hash).map((key) => `${channel}:${key}`);
  };
  const shared = (await tx.query(
    `SELECT DISTINCT o.channel || ':' || o.address_hash AS key
       FROM unnest($3::text[]) k
       JOIN contact_address_owner o ON o.tenant_id = $1 AND o.channel = split_part(k, ':', 1)
        AND o.address_hash = split_part(k, ':', 2) AND o.debtor_id <> $2`,
    [tenantId, debtorId, [...hashes].flatMap(keysOf)],
  )) as { key: string }[];
  const sharedKeys = new Set(shared.map((s) => s.key));
  // The records' keys of the addresses to erase: those no other debtor of the tenant was sent to.
  const erasable = [...hashes]
    .map(keysOf)
    .filter((keys) => !keys.some((k) => sharedKeys.has(k)))
    .flat();

  // Every send of the debtor's is a schedule row of theirs (its id the idempotency key): found by
  // index, where matching the addresses would read every send the tenant ever made.
  await tx.query(
    `UPDATE channel_delivery d SET recipient_hash = $3, recipient_enc = NULL FROM contact_schedule s
      WHERE s.tenant_id = $1 AND s.debtor_id = $2 AND d.tenant_id = s.tenant_id AND d.channel = s.channel
        AND d.idempotency_key = s.id::text AND d.recipient_hash <> $3`,
    [tenantId, debtorId, ERASED],
  );
  if (erasable.length) {
    // Per address (a table of addresses, and the replies and STOPs received), by its key.
    const match = (key: string) =>
      `(channel, ${key}) IN (SELECT split_part(k, ':', 1), split_part(k, ':', 2) FROM unnest($2::text[]) k)`;
    await tx.query(`DELETE FROM channel_address WHERE tenant_id = $1 AND ${match('address_hash')}`, [
      tenantId,
      erasable,
    ]);
    await tx.query(
      `UPDATE channel_inbound SET sender_hash = $3, sender_enc = NULL, text_enc = NULL
        WHERE tenant_id = $1 AND ${match('sender_hash')}`,
      [tenantId, erasable, ERASED],
    );
    // The opt-out stays on record (it was honoured, and when), under a key that no longer names the address.
    await tx.query(
      `UPDATE channel_opt_out SET address_hash = $3 || ':' || provider_message_id, address_enc = NULL, message_enc = NULL
        WHERE tenant_id = $1 AND ${match('address_hash')}`,
      [tenantId, erasable, ERASED],
    );
  }
  await tx.query(`DELETE FROM contact_address_owner WHERE tenant_id = $1 AND debtor_id = $2`, [tenantId, debtorId]);
}
