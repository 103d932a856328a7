import { EntityManager } from 'typeorm';
import { ChannelPii, channelPii } from '../channels/channel-pii';
import { addressHash, ownedChannels } from './addresses';

/** What runs a query: the data source, or a transaction's manager. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Keeps that `address` (sent to on `channel`) is the debtor's, on each channel it is kept under
 * (`ownedChannels`), in `contact_address_owner`: found by the address's key under the current
 * key (`ChannelPii.addressKeyOfHash` of its `addressHash`, as the channels' records key it), with
 * its `addressHash` encrypted beside it (`hash_enc`) for the key rotation to compute the next key
 * from. Neither the address nor its plain hash is stored: no one without ORCHESTRATOR_PII_KEY can
 * test a guessed phone number against the table.
 */
export async function recordAddressOwner(
  db: Queryable,
  tenantId: string,
  channel: string,
  address: string,
  debtorId: string,
): Promise<void> {
  const pii = channelPii();
  for (const owned of ownedChannels(channel)) {
    const hash = addressHash(tenantId, owned, address);
    await db.query(
      `INSERT INTO contact_address_owner (tenant_id, channel, address_hash, hash_enc, debtor_id) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING`,
      [tenantId, owned, pii.addressKeyOfHash(hash), pii.encrypt(hash), debtorId],
    );
  }
}

/**
 * The debtors of the tenant the address whose `addressHash` this is was sent to on `channel`: its
 * rows under each configured key (a row the key rotation has not rewritten yet keeps the old key's).
 */
export async function addressOwners(
  tx: EntityManager,
  tenantId: string,
  channel: string,
  hash: string,
  pii: ChannelPii = channelPii(),
): Promise<string[]> {
  const rows = (await tx.query(
    `SELECT DISTINCT debtor_id FROM contact_address_owner WHERE tenant_id = $1 AND channel = $2 AND address_hash = ANY($3::text[])
      ORDER BY debtor_id`,
    [tenantId, channel, pii.addressKeysOfHash(hash)],
  )) as { debtor_id: string }[];
  return rows.map((r) => r.debtor_id);
}
