import { DataSource, EntityManager } from 'typeorm';
import { PiiRotationProgress, PiiRotationTable, RotatedRow, rotatePiiKey } from '@collections/runtime';
import { ChannelPii } from './channel-pii';

/**
 * A row whose address is stored encrypted (`enc`) and keyed (`hash`), with its other encrypted
 * words (`texts`): all under the current key, the address key recomputed from the address.
 */
function rewriteAddress(pii: ChannelPii, hash: string, enc: string, texts: readonly string[]) {
  return (row: Record<string, unknown>): Record<string, unknown> => {
    const again = (c: string) => {
      const stored = row[c] as Buffer | null;
      return stored ? pii.encrypt(pii.decrypt(stored)) : null;
    };
    const stored = row[enc] as Buffer | null;
    const address = stored ? pii.decrypt(stored) : undefined;
    return {
      // An erased row keeps its marker (`erased`, `erased:<provider id>`) and no value.
      [hash]:
        address === undefined ? row[hash] : pii.addressKey(row.tenant_id as string, row.channel as string, address),
      [enc]: address === undefined ? null : pii.encrypt(address),
      ...Object.fromEntries(texts.map((c) => [c, again(c)])),
    };
  };
}

/**
 * Moves each row of a table whose rows are one per address key to its new key. A row already under
 * the new key (the same address written meanwhile under the current key) takes what the old one
 * said: `merge` (SQL over `n`, the row kept, and `o`, the old one; `$5` on is the old row's
 * `texts` under the current key); the old row goes.
 */
function moveAddressRows(table: 'channel_address' | 'channel_opt_out', merge: string, texts: readonly string[]) {
  return async (tx: EntityManager, rows: readonly RotatedRow[]): Promise<void> => {
    for (const { before, after } of rows) {
      const old = [before.tenant_id, before.channel, before.address_hash];
      const [taken] = (await tx.query(
        `SELECT 1 FROM ${table} WHERE tenant_id = $1 AND channel = $2 AND address_hash = $3 FOR UPDATE`,
        [before.tenant_id, before.channel, after.address_hash],
      )) as unknown[];
      if (taken && after.address_hash !== before.address_hash) {
        await tx.query(
          `UPDATE ${table} n SET ${merge} FROM ${table} o
            WHERE n.tenant_id = $1 AND n.channel = $2 AND n.address_hash = $4
              AND o.tenant_id = $1 AND o.channel = $2 AND o.address_hash = $3`,
          [...old, after.address_hash, ...texts.map((c) => after[c])],
        );
        await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND channel = $2 AND address_hash = $3`, old);
        continue;
      }
      await tx.query(
        `UPDATE ${table} SET address_hash = $4, address_enc = $5${texts.map((c, i) => `, ${c} = $${6 + i}`).join('')}
          WHERE tenant_id = $1 AND channel = $2 AND address_hash = $3`,
        [...old, after.address_hash, after.address_enc, ...texts.map((c) => after[c])],
      );
    }
  };
}

/**
 * Moves each `contact_address_owner` row to its address's key under the current key (computed from
 * its `addressHash`, kept encrypted in `hash_enc`): one row per debtor and address, where the
 * dispatcher already wrote the debtor's row under the current key meanwhile.
 */
async function moveOwnerRows(tx: EntityManager, rows: readonly RotatedRow[]): Promise<void> {
  const moved = new Map<string, RotatedRow>();
  for (const r of rows)
    moved.set([r.before.tenant_id, r.before.channel, r.after.address_hash, r.before.debtor_id].join('\u0000'), r);
  const batch = [...moved.values()];
  await tx.query(
    `INSERT INTO contact_address_owner (tenant_id, channel, address_hash, hash_enc, debtor_id)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[])
     ON CONFLICT (tenant_id, channel, address_hash, debtor_id) DO UPDATE SET hash_enc = EXCLUDED.hash_enc`,
    [
      batch.map((r) => r.before.tenant_id),
      batch.map((r) => r.before.channel),
      batch.map((r) => r.after.address_hash),
      batch.map((r) => r.after.hash_enc),
      batch.map((r) => r.before.debtor_id),
    ],
  );
  const gone = rows.filter((r) => r.after.address_hash !== r.before.address_hash);
  await tx.query(
    `DELETE FROM contact_address_owner o USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS u (tenant_id, channel, address_hash, debtor_id)
      WHERE o.tenant_id = u.tenant_id AND o.channel = u.channel AND o.address_hash = u.address_hash AND o.debtor_id = u.debtor_id`,
    ['tenant_id', 'channel', 'address_hash', 'debtor_id'].map((c) => gone.map((r) => r.before[c])),
  );
}

/** The channels' tables and columns under ORCHESTRATOR_PII_KEY (`channel-pii.ts`), as the key rotation walks them. */
function channelPiiTables(pii: ChannelPii): readonly PiiRotationTable[] {
  return [
    {
      table: 'channel_delivery',
      key: [
        ['tenant_id', 'text'],
        ['channel', 'text'],
        ['idempotency_key', 'text'],
      ],
      encrypted: ['recipient_enc'],
      derived: [['recipient_hash', 'text']],
      rewrite: rewriteAddress(pii, 'recipient_hash', 'recipient_enc', []),
    },
    {
      table: 'channel_inbound',
      key: [
        ['tenant_id', 'text'],
        ['channel', 'text'],
        ['provider_message_id', 'text'],
      ],
      encrypted: ['sender_enc', 'text_enc'],
      derived: [['sender_hash', 'text']],
      rewrite: rewriteAddress(pii, 'sender_hash', 'sender_enc', ['text_enc']),
    },
    {
      table: 'channel_address',
      key: [
        ['tenant_id', 'text'],
        ['channel', 'text'],
        ['address_hash', 'text'],
      ],
      encrypted: ['address_enc'],
      rewrite: rewriteAddress(pii, 'address_hash', 'address_enc', []),
      // What both rows said, as the migration 1763900016000 merged addresses that differed in form.
      write: moveAddressRows(
        'channel_address',
        `invalid = n.invalid OR o.invalid,
         invalid_reason = CASE WHEN n.invalid THEN n.invalid_reason ELSE o.invalid_reason END,
         last_status = CASE WHEN o.last_status_at > n.last_status_at OR n.last_status_at IS NULL THEN o.last_status ELSE n.last_status END,
         last_status_at = GREATEST(n.last_status_at, o.last_status_at),
         opted_out_at = LEAST(n.opted_out_at, o.opted_out_at)`,
        [],
      ),
    },
    {
      table: 'channel_opt_out',
      key: [
        ['tenant_id', 'text'],
        ['channel', 'text'],
        ['address_hash', 'text'],
      ],
      encrypted: ['address_enc', 'message_enc'],
      rewrite: rewriteAddress(pii, 'address_hash', 'address_enc', ['message_enc']),
      // The first request stays on record.
      write: moveAddressRows(
        'channel_opt_out',
        `message_enc = CASE WHEN o.received_at < n.received_at THEN $5 ELSE n.message_enc END,
         provider_message_id = CASE WHEN o.received_at < n.received_at THEN o.provider_message_id ELSE n.provider_message_id END,
         received_at = LEAST(n.received_at, o.received_at)`,
        ['message_enc'],
      ),
    },
    {
      table: 'contact_address_owner',
      key: [
        ['tenant_id', 'text'],
        ['channel', 'text'],
        ['address_hash', 'text'],
        ['debtor_id', 'text'],
      ],
      encrypted: ['hash_enc'],
      rewrite: (row) => {
        const hash = pii.decrypt(row.hash_enc as Buffer);
        return { address_hash: pii.addressKeyOfHash(hash), hash_enc: pii.encrypt(hash) };
      },
      write: moveOwnerRows,
    },
  ];
}

/**
 * The orchestrator's key rotation job (`cli/rotate-pii-key.ts`): rewrites under the current key (the
 * first of ORCHESTRATOR_PII_KEY) every address and word of the channels' records still under an
 * older key, the address keys (`ChannelPii.addressKey`) recomputed with them, and the dispatcher's
 * owners of each address (`contact_address_owner`, keyed the same way), in batches of
 * `batchRows`; run it again after a stop, it goes on where it stopped, and once done it changes
 * nothing. Meanwhile the service finds an address under each configured key (`addressKeys`).
 * Answers each table's rows rewritten.
 */
export function rotateChannelPiiKey(
  ds: DataSource,
  pii: ChannelPii,
  opts: { batchRows?: number; onProgress?: (p: PiiRotationProgress) => void } = {},
): Promise<PiiRotationProgress[]> {
  return rotatePiiKey(ds, pii.cipher, channelPiiTables(pii), opts);
}
