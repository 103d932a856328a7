import { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '@collections/platform';
import { ChannelPii, orchestratorPiiKeyConfig } from '../channels/channel-pii';

/** Rows converted per statement (each batch a transaction of its own in `up`). */
const BATCH_ROWS = 1_000;
const NAME = 'OrchestratorAddressOwnerKeys1763900016800';
const KEY = ['tenant_id', 'channel', 'address_hash', 'debtor_id'] as const;

interface OwnerRow {
  tenant_id: string;
  channel: string;
  address_hash: string;
  debtor_id: string;
  hash_enc: Buffer | null;
}

/**
 * `contact_address_owner` (which debtors an address was sent to: a STOP reply or an opt-out link
 * reaches each) keeps each address under its key (`ChannelPii.addressKeyOfHash`, HMAC-SHA256
 * under ORCHESTRATOR_PII_KEY), as the channels' records do, instead of its plain SHA-256
 * (`addressHash`), which anyone holding a copy of the database could test every phone number of a
 * country against. Beside it, `hash_enc` keeps that SHA-256 encrypted (AES-256-GCM): what the key
 * rotation computes the next key from (`channels/pii-rotation.ts`), and what `down` goes back to.
 *
 * A row holds only the hash, never the address: its key is computed from the stored hash. The rows
 * are converted in batches of 1,000, each a transaction of its own (row locks: sends and STOPs go
 * on); a row an orchestrator of the previous version writes meanwhile (a plain hash, no `hash_enc`)
 * is converted by a last pass with writes held off (SHARE ROW EXCLUSIVE), after which `hash_enc`
 * is required: the previous version's sends fail from then on, so it is replaced at once (as for
 * 1763900016000). Run again, after a stop or a complete run, it converts only what is left: nothing.
 *
 * The rows need the key the service runs with (ORCHESTRATOR_PII_KEY, else the development key):
 * the migration refuses to run when it does not decrypt a `hash_enc` already written.
 *
 * `down` decrypts each row's hash back into `address_hash` (one row per debtor and address: two
 * under two keys of a rotation become one) and drops `hash_enc`, in the same batches. Opt-out
 * links sent meanwhile name their delivery alone: the previous version refuses them (it reads
 * `v: 1` links only), so going back costs the e-mails sent since their one-click opt-out.
 */
export class OrchestratorAddressOwnerKeys1763900016800 implements MigrationInterface {
  name = NAME;
  /** Batches commit one by one (above): no transaction around the whole migration. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE contact_address_owner ADD COLUMN IF NOT EXISTS hash_enc bytea`);
    const pii = await piiOf(q, 'convert');
    while (await keyBatch(q, pii));
    await inTransaction(q, async () => {
      await q.query(`LOCK TABLE contact_address_owner IN SHARE ROW EXCLUSIVE MODE`);
      while (await keyBatch(q, pii));
      await q.query(`ALTER TABLE contact_address_owner ALTER COLUMN hash_enc SET NOT NULL`);
    });
    await q.query(
      `COMMENT ON COLUMN contact_address_owner.address_hash IS 'address key, HMAC-SHA256 (ORCHESTRATOR_PII_KEY)'`,
    );
    await q.query(`COMMENT ON COLUMN contact_address_owner.hash_enc IS 'the address''s SHA-256, AES-256-GCM'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const pii = await piiOf(q, 'restore');
    await q.query(`ALTER TABLE contact_address_owner ALTER COLUMN hash_enc DROP NOT NULL`);
    while (await hashBatch(q, pii));
    await q.query(`COMMENT ON COLUMN contact_address_owner.address_hash IS NULL`);
    await q.query(`ALTER TABLE contact_address_owner DROP COLUMN hash_enc`);
  }
}

/** Converts the next batch of rows holding a plain hash (no `hash_enc`); answers whether there was one. */
async function keyBatch(q: QueryRunner, pii: ChannelPii): Promise<boolean> {
  const step = async () => {
    const rows = (await q.query(
      `SELECT ${KEY.join(', ')} FROM contact_address_owner WHERE hash_enc IS NULL
        ORDER BY ${KEY.join(', ')} LIMIT ${BATCH_ROWS} FOR UPDATE`,
    )) as OwnerRow[];
    await moveRows(
      q,
      rows.map((r) => ({ row: r, to: pii.addressKeyOfHash(r.address_hash), enc: pii.encrypt(r.address_hash) })),
    );
    return rows.length > 0;
  };
  return q.isTransactionActive ? step() : inTransaction(q, step);
}

/** Puts the next batch of keyed rows back to their plain hash (`down`); answers whether there was one. */
async function hashBatch(q: QueryRunner, pii: ChannelPii): Promise<boolean> {
  const rows = (await q.query(
    `SELECT ${KEY.join(', ')}, hash_enc FROM contact_address_owner WHERE hash_enc IS NOT NULL
      ORDER BY ${KEY.join(', ')} LIMIT ${BATCH_ROWS} FOR UPDATE`,
  )) as OwnerRow[];
  await moveRows(
    q,
    rows.map((r) => ({ row: r, to: pii.decrypt(r.hash_enc!), enc: null })),
  );
  return rows.length > 0;
}

/**
 * Moves each row to its new `address_hash` (`to`) with `enc` as its `hash_enc`. Where the debtor
 * already has a row at `to` (written meanwhile, or two rows of one address under two keys), the
 * moved row goes instead.
 */
async function moveRows(
  q: QueryRunner,
  moves: readonly { row: OwnerRow; to: string; enc: Buffer | null }[],
): Promise<void> {
  if (moves.length === 0) return;
  const seen = new Set<string>();
  const targets = moves.map((m) => [m.row.tenant_id, m.row.channel, m.to, m.row.debtor_id].join('\u0000'));
  const [kept, dropped] = [[], []] as [(typeof moves)[number][], (typeof moves)[number][]];
  moves.forEach((m, i) => {
    (seen.has(targets[i]) ? dropped : kept).push(m);
    seen.add(targets[i]);
  });
  const params = (ms: readonly (typeof moves)[number][]) => [
    ms.map((m) => m.row.tenant_id),
    ms.map((m) => m.row.channel),
    ms.map((m) => m.row.address_hash),
    ms.map((m) => m.row.debtor_id),
    ms.map((m) => m.to),
    ms.map((m) => m.enc),
  ];
  const moving = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
    AS u (tenant_id, channel, address_hash, debtor_id, target, enc)`;
  const isRow = (alias: string, hash: string) =>
    `${alias}.tenant_id = u.tenant_id AND ${alias}.channel = u.channel AND ${alias}.address_hash = ${hash} AND ${alias}.debtor_id = u.debtor_id`;
  if (dropped.length)
    await q.query(
      `DELETE FROM contact_address_owner o USING ${moving} WHERE ${isRow('o', 'u.address_hash')}`,
      params(dropped),
    );
  await q.query(
    `DELETE FROM contact_address_owner o USING ${moving}
      WHERE ${isRow('o', 'u.address_hash')} AND u.target <> u.address_hash
        AND EXISTS (SELECT 1 FROM contact_address_owner x WHERE ${isRow('x', 'u.target')})`,
    params(kept),
  );
  await q.query(
    `UPDATE contact_address_owner o SET address_hash = u.target, hash_enc = u.enc FROM ${moving}
      WHERE ${isRow('o', 'u.address_hash')}`,
    params(kept),
  );
}

/** The service's ChannelPii, checked against a `hash_enc` already written (a run that stopped half-way). */
async function piiOf(q: QueryRunner, what: 'convert' | 'restore'): Promise<ChannelPii> {
  const { piiKey } = loadConfig({ piiKey: orchestratorPiiKeyConfig() });
  const pii = new ChannelPii(piiKey);
  const [sample] = (await q.query(`SELECT hash_enc FROM contact_address_owner WHERE hash_enc IS NOT NULL LIMIT 1`)) as {
    hash_enc: Buffer;
  }[];
  if (sample)
    try {
      pii.decrypt(sample.hash_enc);
    } catch {
      throw new Error(
        `migration ${NAME} refuses to ${what} the address owners: ORCHESTRATOR_PII_KEY does not decrypt the hashes already encrypted, it is not the key they were encrypted with.`,
      );
    }
  return pii;
}

/** `work` in a transaction of its own (the migration runs outside TypeORM's). */
async function inTransaction<T>(q: QueryRunner, work: () => Promise<T>): Promise<T> {
  await q.startTransaction();
  try {
    const done = await work();
    await q.commitTransaction();
    return done;
  } catch (err) {
    await q.rollbackTransaction();
    throw err;
  }
}
