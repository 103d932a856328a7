import { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '@collections/platform';
import { ChannelPii, orchestratorPiiKeyConfig } from '../channels/channel-pii';
import { ERASED } from '../decisions/erased';

/** Rows read, encrypted (or decrypted) and written back per statement. */
const BATCH_ROWS = 1_000;

interface PiiTable {
  table: 'channel_delivery' | 'channel_address' | 'channel_opt_out' | 'channel_inbound';
  /** The primary key before (`up` walks it) and after (`down` walks it): batches go in this order. */
  keyBefore: string[];
  keyAfter: string[];
  /** The address column, now its key (`ChannelPii.addressKey`) and its value encrypted. */
  address: { plain: string; hash: string; enc: string };
  /** Free text of the debtor's (or ours about them), now encrypted. */
  texts: { plain: string; enc: string }[];
  /** Whether the address is part of the primary key (moved to the hash). */
  inPrimaryKey: boolean;
  /** Whether the encrypted address is never null (no erased rows: erasure deletes them). */
  encNotNull: boolean;
}

const TABLES: readonly PiiTable[] = [
  {
    table: 'channel_delivery',
    keyBefore: ['tenant_id', 'channel', 'idempotency_key'],
    keyAfter: ['tenant_id', 'channel', 'idempotency_key'],
    address: { plain: 'recipient', hash: 'recipient_hash', enc: 'recipient_enc' },
    texts: [],
    inPrimaryKey: false,
    encNotNull: false,
  },
  {
    table: 'channel_address',
    keyBefore: ['tenant_id', 'channel', 'address'],
    keyAfter: ['tenant_id', 'channel', 'address_hash'],
    address: { plain: 'address', hash: 'address_hash', enc: 'address_enc' },
    texts: [],
    inPrimaryKey: true,
    encNotNull: true,
  },
  {
    table: 'channel_opt_out',
    keyBefore: ['tenant_id', 'channel', 'address'],
    keyAfter: ['tenant_id', 'channel', 'address_hash'],
    address: { plain: 'address', hash: 'address_hash', enc: 'address_enc' },
    texts: [{ plain: 'message', enc: 'message_enc' }],
    inPrimaryKey: true,
    encNotNull: false,
  },
  {
    table: 'channel_inbound',
    keyBefore: ['tenant_id', 'channel', 'provider_message_id'],
    keyAfter: ['tenant_id', 'channel', 'provider_message_id'],
    address: { plain: 'sender', hash: 'sender_hash', enc: 'sender_enc' },
    texts: [{ plain: 'text', enc: 'text_enc' }],
    inPrimaryKey: false,
    encNotNull: false,
  },
];

const NAME = 'OrchestratorChannelPiiEncrypted1763900016000';
const TRIGGER_FUNCTION = 'orchestrator_channel_pii_written_in_clear';
/** The reply-to-account lookup's index (handle-reply.ts), on the recipient's key from now on. */
const RECIPIENT_INDEX = `(tenant_id, channel, recipient_hash, updated_at DESC) WHERE account_id IS NOT NULL`;

const encColumns = (t: PiiTable) => [t.address.enc, ...t.texts.map((x) => x.enc)];
const plainColumns = (t: PiiTable) => [t.address.plain, ...t.texts.map((x) => x.plain)];
const notNullCheck = (t: PiiTable) => `${t.table}_pii_set`;

/** An erased row's address as the erasure left it (`erased`, an opt-out's `erased:<provider id>`). */
const isErased = (address: string) => address === ERASED || address.startsWith(`${ERASED}:`);

/**
 * What the channels keep of a debtor's addresses and words stored without the clear values
 * (`../channels/channel-pii.ts`, ORCHESTRATOR_PII_KEY):
 *
 * - `channel_delivery.recipient` → `recipient_hash` (found by it: a reply's account) + `recipient_enc`;
 * - `channel_address.address` → `address_hash` (the primary key's) + `address_enc`;
 * - `channel_opt_out.address` → `address_hash` (the primary key's) + `address_enc`, `.message` → `message_enc`;
 * - `channel_inbound.sender` → `sender_hash` + `sender_enc`, `.text` → `text_enc`.
 *
 * A `*_hash` is the address's key, an HMAC under the key (`ChannelPii.addressKey`) of its normal
 * form; a `*_enc` is AES-256-GCM (`PiiCipher`). A row its debtor's erasure already reached keeps
 * its marker as the key (`erased`, `erased:<provider id>`) and null values. Two rows of one table
 * whose addresses differ only in form (`+34 600…` and `+34600…`) share a key from now on: for
 * `channel_address` one row stays with what both said (invalid if either was, the latest status,
 * the first opt-out), for `channel_opt_out` the first request; `down` cannot bring the other back.
 *
 * The rows need the key: the one the service runs with (ORCHESTRATOR_PII_KEY, else the
 * development key); the migration refuses to run, changing nothing, when it does not decrypt a
 * value already encrypted (a run that stopped half-way, under another key).
 *
 * Locks (`up`, outside TypeORM's one transaction), as the ledger's 1763900015700: the new columns
 * are added in a transaction of their own (ACCESS EXCLUSIVE for a moment, no rewrite); the rows are
 * converted in batches of 1,000, each a transaction of its own (row locks: webhooks keep being
 * recorded); an orchestrator of the previous version still running meanwhile writes in clear, which
 * a trigger marks for conversion again; the reply lookup's index is built concurrently; then, with
 * writes held off (SHARE ROW EXCLUSIVE: reads go on) while those few rows are converted, the clear
 * columns are dropped and the two address tables' primary keys rebuilt on the keys (ACCESS
 * EXCLUSIVE for as long as that takes: one row per address); the other keys' NOT NULL is proven by
 * a check validated without blocking anyone. Run again after a failure, it goes on where it stopped.
 *
 * `down` decrypts them back into the clear columns, in the same batches but in the one transaction
 * TypeORM opens for a revert: the tables are locked until it ends.
 */
export class OrchestratorChannelPiiEncrypted1763900016000 implements MigrationInterface {
  name = NAME;
  /** Batches commit one by one (above): no transaction around the whole migration. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    if (await hasColumn(q, 'channel_inbound', 'text')) {
      const pii = await piiOf(q, 'encrypt');
      await inTransaction(q, async () => {
        for (const t of TABLES) {
          await q.query(
            `ALTER TABLE ${t.table} ${[`ADD COLUMN IF NOT EXISTS ${t.address.hash} text`, ...encColumns(t).map((c) => `ADD COLUMN IF NOT EXISTS ${c} bytea`)].join(', ')}`,
          );
          // A clear value written meanwhile by an orchestrator of the previous version: converted again below.
          const changed = plainColumns(t)
            .map((c) => `NEW.${c} IS DISTINCT FROM OLD.${c}`)
            .join(' OR ');
          await q.query(`CREATE OR REPLACE FUNCTION ${TRIGGER_FUNCTION}_${t.table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              IF TG_OP = 'INSERT' OR ${changed} THEN NEW.${t.address.hash} := NULL; END IF;
              RETURN NEW;
            END $$`);
          await q.query(`DROP TRIGGER IF EXISTS ${t.table}_pii_written_in_clear ON ${t.table}`);
          await q.query(`CREATE TRIGGER ${t.table}_pii_written_in_clear BEFORE INSERT OR UPDATE OF ${plainColumns(t).join(', ')}
            ON ${t.table} FOR EACH ROW EXECUTE FUNCTION ${TRIGGER_FUNCTION}_${t.table}()`);
        }
      });
      for (const t of TABLES) await everyBatch((after) => encryptBatch(q, t, pii, after));
      await q.query(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS channel_delivery_recipient_hash ON channel_delivery ${RECIPIENT_INDEX}`,
      );
      await inTransaction(q, async () => {
        await q.query(`LOCK TABLE ${TABLES.map((t) => t.table).join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
        for (const t of TABLES) {
          await everyBatch((after) => encryptBatch(q, t, pii, after));
          await q.query(`DROP TRIGGER ${t.table}_pii_written_in_clear ON ${t.table}`);
          await q.query(`DROP FUNCTION ${TRIGGER_FUNCTION}_${t.table}()`);
        }
        await mergeSameAddress(q);
        for (const t of TABLES) {
          const drops = plainColumns(t).map((c) => `DROP COLUMN ${c}`);
          if (t.inPrimaryKey)
            await q.query(
              `ALTER TABLE ${t.table} DROP CONSTRAINT ${t.table}_pkey, ${drops.join(', ')},
                 ADD PRIMARY KEY (${t.keyAfter.join(', ')})`,
            );
          else
            await q.query(
              `ALTER TABLE ${t.table} ${drops.join(', ')}, ADD CONSTRAINT ${notNullCheck(t)} CHECK (${t.address.hash} IS NOT NULL) NOT VALID`,
            );
        }
        await q.query(`ALTER INDEX IF EXISTS channel_delivery_recipient_hash RENAME TO channel_delivery_recipient`);
      });
    }
    for (const t of TABLES) {
      if (!(await hasConstraint(q, notNullCheck(t)))) continue;
      await q.query(`ALTER TABLE ${t.table} VALIDATE CONSTRAINT ${notNullCheck(t)}`);
      await inTransaction(q, async () => {
        await q.query(`ALTER TABLE ${t.table} ALTER COLUMN ${t.address.hash} SET NOT NULL`);
        await q.query(`ALTER TABLE ${t.table} DROP CONSTRAINT ${notNullCheck(t)}`);
      });
    }
    // No erased rows in channel_address (erasure deletes them): every row has its address.
    if (await hasColumn(q, 'channel_address', 'address_enc'))
      await q.query(`ALTER TABLE channel_address ALTER COLUMN address_enc SET NOT NULL`);
    for (const t of TABLES) {
      await q.query(
        `COMMENT ON COLUMN ${t.table}.${t.address.hash} IS 'address key, HMAC-SHA256 (ORCHESTRATOR_PII_KEY)'`,
      );
      for (const c of encColumns(t)) await q.query(`COMMENT ON COLUMN ${t.table}.${c} IS 'PII, AES-256-GCM'`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const pii = await piiOf(q, 'decrypt');
    for (const t of TABLES) {
      await q.query(
        `ALTER TABLE ${t.table} ${plainColumns(t)
          .map((c) => `ADD COLUMN ${c} text`)
          .join(', ')}`,
      );
      await everyBatch((after) => decryptBatch(q, t, pii, after));
      const restore = [
        ...plainColumns(t).map((c) => `ALTER COLUMN ${c} SET NOT NULL`),
        ...[t.address.hash, ...encColumns(t)].map((c) => `DROP COLUMN ${c}`),
      ];
      if (t.inPrimaryKey) restore.push(`ADD PRIMARY KEY (${t.keyBefore.join(', ')})`);
      await q.query(`ALTER TABLE ${t.table} ${restore.join(', ')}`);
    }
    await q.query(`CREATE INDEX channel_delivery_recipient ON channel_delivery (tenant_id, channel, recipient, updated_at DESC)
      WHERE account_id IS NOT NULL`);
  }
}

/** The service's ChannelPii, checked against every value already encrypted (a sample of each column). */
async function piiOf(q: QueryRunner, what: 'encrypt' | 'decrypt'): Promise<ChannelPii> {
  // The key the service runs with: ORCHESTRATOR_PII_KEY, else the development key (the service warns at boot).
  const { piiKey } = loadConfig({ piiKey: orchestratorPiiKeyConfig() });
  const pii = new ChannelPii(piiKey);
  for (const t of TABLES)
    for (const c of encColumns(t)) {
      if (!(await hasColumn(q, t.table, c))) continue;
      const [sample] = (await q.query(`SELECT ${c} AS v FROM ${t.table} WHERE ${c} IS NOT NULL LIMIT 1`)) as {
        v: Buffer;
      }[];
      if (!sample) continue;
      try {
        pii.decrypt(sample.v);
      } catch {
        throw new Error(
          `migration ${NAME} refuses to ${what} the channels' addresses and messages: ORCHESTRATOR_PII_KEY does not decrypt the values already encrypted, it is not the key they were encrypted with.`,
        );
      }
    }
  return pii;
}

/**
 * Rows of an address table whose addresses now share a key (they differed only in form): one row
 * each, as the class comment says. Under the migration's lock, before the primary keys move.
 */
async function mergeSameAddress(q: QueryRunner): Promise<void> {
  // Every row of the address gets what they said together (an update moves a row: which one stays is not known yet).
  await q.query(`UPDATE channel_address k SET invalid = g.invalid, invalid_reason = g.invalid_reason,
      last_status = g.last_status, last_status_at = g.last_status_at, opted_out_at = g.opted_out_at
    FROM (SELECT tenant_id, channel, address_hash, bool_or(invalid) AS invalid,
                 (array_agg(invalid_reason ORDER BY invalid DESC, last_status_at DESC NULLS LAST))[1] AS invalid_reason,
                 (array_agg(last_status ORDER BY last_status_at DESC NULLS LAST))[1] AS last_status,
                 max(last_status_at) AS last_status_at, min(opted_out_at) AS opted_out_at
            FROM channel_address GROUP BY tenant_id, channel, address_hash HAVING count(*) > 1) g
   WHERE k.tenant_id = g.tenant_id AND k.channel = g.channel AND k.address_hash = g.address_hash`);
  await q.query(`DELETE FROM channel_address a USING channel_address b
    WHERE a.tenant_id = b.tenant_id AND a.channel = b.channel AND a.address_hash = b.address_hash AND a.ctid > b.ctid`);
  await q.query(`DELETE FROM channel_opt_out a USING channel_opt_out b
    WHERE a.tenant_id = b.tenant_id AND a.channel = b.channel AND a.address_hash = b.address_hash
      AND (a.received_at, a.ctid) > (b.received_at, b.ctid)`);
}

type KeyValues = unknown[];

/** Runs `step` from the start of the table, then after the key it answers, until it answers none. */
async function everyBatch(step: (after?: KeyValues) => Promise<KeyValues | undefined>): Promise<void> {
  let after = await step();
  while (after) after = await step(after);
}

/**
 * Converts the next batch of rows in clear after `after` (a primary key) and answers the last key
 * seen, or undefined when there are none left. A row changed since it was read is left for later.
 */
async function encryptBatch(
  q: QueryRunner,
  t: PiiTable,
  pii: ChannelPii,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  const plain = plainColumns(t);
  const rows = await nextBatch(q, t, t.keyBefore, plain, `${t.address.hash} IS NULL`, after);
  if (rows.length === 0) return undefined;
  const converted = rows.map((r) => {
    const address = r[t.address.plain] as string;
    if (isErased(address)) return { hash: address, enc: plain.map(() => null) };
    return {
      hash: pii.addressKey(r.tenant_id as string, r.channel as string, address),
      enc: plain.map((c) => pii.encrypt(r[c] as string)),
    };
  });
  const key = t.keyBefore;
  const n = key.length + plain.length;
  const enc = encColumns(t);
  await q.query(
    `UPDATE ${t.table} t SET ${t.address.hash} = u.hash, ${enc.map((c) => `${c} = u.${c}`).join(', ')}
       FROM unnest(${[...key, ...plain].map((_, i) => `$${i + 1}::text[]`).join(', ')}, $${n + 1}::text[],
                   ${enc.map((_, i) => `$${n + 2 + i}::bytea[]`).join(', ')})
         AS u (${[...key, ...plain.map((c) => `p_${c}`)].join(', ')}, hash, ${enc.join(', ')})
      WHERE ${key.map((c) => `t.${c} = u.${c}`).join(' AND ')} AND ${plain.map((c) => `t.${c} = u.p_${c}`).join(' AND ')}
        AND t.${t.address.hash} IS NULL`,
    [
      ...key.map((c) => rows.map((r) => r[c])),
      ...plain.map((c) => rows.map((r) => r[c])),
      converted.map((c) => c.hash),
      ...enc.map((_, i) => converted.map((c) => c.enc[i])),
    ],
  );
  return key.map((c) => rows[rows.length - 1][c]);
}

/** Decrypts the next batch of rows into the clear columns (`down`, inside one transaction). */
async function decryptBatch(
  q: QueryRunner,
  t: PiiTable,
  pii: ChannelPii,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  const enc = encColumns(t);
  const plain = plainColumns(t);
  const rows = await nextBatch(q, t, t.keyAfter, [t.address.hash, ...enc], `${t.address.plain} IS NULL`, after);
  if (rows.length === 0) return undefined;
  // An erased row had its marker as the address and `erased` as its words.
  const values = rows.map((r) =>
    enc.map((c, i) => {
      const stored = r[c] as Buffer | null;
      if (stored) return pii.decrypt(stored);
      return i === 0 ? (r[t.address.hash] as string) : ERASED;
    }),
  );
  const key = t.keyAfter;
  await q.query(
    `UPDATE ${t.table} t SET ${plain.map((c) => `${c} = u.${c}`).join(', ')}
       FROM unnest(${[...key, ...plain].map((_, i) => `$${i + 1}::text[]`).join(', ')})
         AS u (${[...key, ...plain].join(', ')})
      WHERE ${key.map((c) => `t.${c} = u.${c}`).join(' AND ')}`,
    [...key.map((c) => rows.map((r) => r[c])), ...plain.map((_, i) => values.map((v) => v[i]))],
  );
  return key.map((c) => rows[rows.length - 1][c]);
}

/** Up to BATCH_ROWS rows matching `pending` after the key `after`, in key order, with `columns`. */
async function nextBatch(
  q: QueryRunner,
  t: PiiTable,
  key: string[],
  columns: string[],
  pending: string,
  after: KeyValues | undefined,
): Promise<Record<string, unknown>[]> {
  const keyList = key.join(', ');
  const from = after ? ` AND (${keyList}) > (${key.map((_, i) => `$${i + 1}::text`).join(', ')})` : '';
  return (await q.query(
    `SELECT ${keyList}, ${columns.join(', ')} FROM ${t.table} WHERE ${pending}${from} ORDER BY ${keyList} LIMIT ${BATCH_ROWS}`,
    after ?? [],
  )) as Record<string, unknown>[];
}

async function hasColumn(q: QueryRunner, table: string, column: string): Promise<boolean> {
  const rows = (await q.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`,
    [table, column],
  )) as unknown[];
  return rows.length > 0;
}

async function hasConstraint(q: QueryRunner, name: string): Promise<boolean> {
  const rows = (await q.query(
    `SELECT 1 FROM pg_constraint WHERE conname = $1 AND connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
    [name],
  )) as unknown[];
  return rows.length > 0;
}

/** `work` in a transaction of its own (the migration runs outside TypeORM's). */
async function inTransaction(q: QueryRunner, work: () => Promise<void>): Promise<void> {
  await q.startTransaction();
  try {
    await work();
    await q.commitTransaction();
  } catch (err) {
    await q.rollbackTransaction();
    throw err;
  }
}
