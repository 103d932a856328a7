import { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '@collections/platform';
import { PiiCipher, piiKeyConfig } from '../ledger/pii';

/** Rows read, encrypted (or decrypted) and written back per statement. */
const BATCH_ROWS = 1_000;

interface PiiColumn {
  table: 'debtor' | 'contact_point';
  /** The primary key's columns and their types: batches walk the table in this order. */
  key: [string, 'text' | 'int'][];
  plain: string;
  encrypted: string;
  /** The check that stands for NOT NULL while the column is being validated. */
  check: string;
}

const COLUMNS: readonly PiiColumn[] = [
  {
    table: 'debtor',
    key: [
      ['tenant_id', 'text'],
      ['id', 'text'],
    ],
    plain: 'display_name',
    encrypted: 'display_name_enc',
    check: 'debtor_display_name_enc_set',
  },
  {
    table: 'contact_point',
    key: [
      ['tenant_id', 'text'],
      ['debtor_id', 'text'],
      ['seq', 'int'],
    ],
    plain: 'value',
    encrypted: 'value_enc',
    check: 'contact_point_value_enc_set',
  },
];

const NAME = 'LedgerDebtorPiiEncrypted1763900015700';

/**
 * A debtor's name (`debtor.display_name`) and the values of their contact points
 * (`contact_point.value`: phone, e-mail, postal address) stored encrypted, as the national id
 * already was: `display_name_enc` and `value_enc`, AES-256-GCM with the ledger's key
 * (LEDGER_PII_KEY, PiiCipher). Nothing in the ledger compares, orders, joins or looks up these
 * values in SQL, so no keyed hash of them is stored either. The placeholders of an erasure
 * (`erased`, `erased:<n>`) are encrypted as any value and read back the same; `erased_at` is what
 * tells an erased debtor apart in SQL.
 *
 * The existing rows need the key: it is the one the service runs with (LEDGER_PII_KEY, else the
 * development key), and the migration refuses to run, changing nothing, when it does not decrypt
 * the national ids already stored (it is not the key the ledger ran with).
 *
 * Locks (`up`, which runs outside TypeORM's one transaction): the new columns are added in a
 * transaction of their own (ACCESS EXCLUSIVE for a moment, no rewrite); the rows are converted in
 * batches of 1,000, each a transaction of its own (row locks: the ledger keeps reading and writing);
 * a ledger of the previous version still running meanwhile writes names and values in clear, which a
 * trigger marks for conversion again; then, with writes held off (SHARE ROW EXCLUSIVE: reads go on)
 * only while those few rows are converted, the clear columns are dropped (ACCESS EXCLUSIVE for a
 * moment); the new columns' NOT NULL is proven by a check validated without blocking anyone (SHARE
 * UPDATE EXCLUSIVE), so setting it does not scan the table under an exclusive lock. Run again after
 * a failure, it goes on where it stopped.
 *
 * `down` decrypts them back into the clear columns, in the same batches but in the one transaction
 * TypeORM opens for a revert: the tables are locked (ACCESS EXCLUSIVE) until it ends.
 */
export class LedgerDebtorPiiEncrypted1763900015700 implements MigrationInterface {
  name = NAME;
  /** Batches commit one by one (above): no transaction around the whole migration. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    if (await hasColumn(q, 'debtor', 'display_name')) {
      const cipher = await cipherOf(q, 'encrypt');
      await inTransaction(q, async () => {
        for (const c of COLUMNS) await q.query(`ALTER TABLE ${c.table} ADD COLUMN IF NOT EXISTS ${c.encrypted} bytea`);
        // A clear value written meanwhile by a ledger of the previous version: converted again below.
        await q.query(`CREATE OR REPLACE FUNCTION ledger_pii_written_in_clear() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_TABLE_NAME = 'debtor' THEN
              IF TG_OP = 'INSERT' OR NEW.display_name IS DISTINCT FROM OLD.display_name THEN NEW.display_name_enc := NULL; END IF;
            ELSIF TG_OP = 'INSERT' OR NEW.value IS DISTINCT FROM OLD.value THEN
              NEW.value_enc := NULL;
            END IF;
            RETURN NEW;
          END $$`);
        for (const c of COLUMNS) {
          await q.query(`DROP TRIGGER IF EXISTS ${c.table}_pii_written_in_clear ON ${c.table}`);
          await q.query(`CREATE TRIGGER ${c.table}_pii_written_in_clear BEFORE INSERT OR UPDATE OF ${c.plain} ON ${c.table}
            FOR EACH ROW EXECUTE FUNCTION ledger_pii_written_in_clear()`);
        }
      });
      for (const c of COLUMNS) await everyBatch((after) => encryptBatch(q, c, cipher, after));
      await inTransaction(q, async () => {
        await q.query(`LOCK TABLE debtor, contact_point IN SHARE ROW EXCLUSIVE MODE`);
        for (const c of COLUMNS) {
          await everyBatch((after) => encryptBatch(q, c, cipher, after));
          await q.query(`DROP TRIGGER ${c.table}_pii_written_in_clear ON ${c.table}`);
          await q.query(`ALTER TABLE ${c.table} DROP COLUMN ${c.plain},
            ADD CONSTRAINT ${c.check} CHECK (${c.encrypted} IS NOT NULL) NOT VALID`);
        }
        await q.query(`DROP FUNCTION ledger_pii_written_in_clear()`);
      });
    }
    for (const c of COLUMNS) {
      if (!(await hasConstraint(q, c.check))) continue;
      await q.query(`ALTER TABLE ${c.table} VALIDATE CONSTRAINT ${c.check}`);
      await inTransaction(q, async () => {
        await q.query(`ALTER TABLE ${c.table} ALTER COLUMN ${c.encrypted} SET NOT NULL`);
        await q.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.check}`);
      });
    }
    for (const c of COLUMNS) await q.query(`COMMENT ON COLUMN ${c.table}.${c.encrypted} IS 'PII, AES-256-GCM'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const cipher = await cipherOf(q, 'decrypt');
    for (const c of COLUMNS) {
      await q.query(`ALTER TABLE ${c.table} ADD COLUMN ${c.plain} text`);
      await everyBatch((after) => decryptBatch(q, c, cipher, after));
      await q.query(`ALTER TABLE ${c.table} ALTER COLUMN ${c.plain} SET NOT NULL, DROP COLUMN ${c.encrypted}`);
    }
  }
}

/** The ledger's cipher, checked against the national ids already stored. */
async function cipherOf(q: QueryRunner, what: 'encrypt' | 'decrypt'): Promise<PiiCipher> {
  // The key the service runs with: LEDGER_PII_KEY, else the development key (the service warns at boot).
  const { piiKey } = loadConfig({ piiKey: piiKeyConfig() });
  const cipher = new PiiCipher(piiKey);
  const [sample] = (await q.query(`SELECT national_id_enc FROM debtor WHERE national_id_enc IS NOT NULL LIMIT 1`)) as {
    national_id_enc: Buffer;
  }[];
  if (sample) {
    try {
      cipher.decrypt(sample.national_id_enc);
    } catch {
      throw new Error(
        `migration ${NAME} refuses to ${what} the debtors' names and contact points: LEDGER_PII_KEY does not decrypt the national ids already stored, it is not the key the ledger ran with.`,
      );
    }
  }
  return cipher;
}

type KeyValues = unknown[];

/** Runs `step` from the start of the table, then after the key it answers, until it answers none. */
async function everyBatch(step: (after?: KeyValues) => Promise<KeyValues | undefined>): Promise<void> {
  let after = await step();
  while (after) after = await step(after);
}

/**
 * Encrypts the next batch of clear values after `after` (a primary key) and answers the last key
 * seen, or undefined when there are none left. A value changed since it was read is left for later.
 */
async function encryptBatch(
  q: QueryRunner,
  c: PiiColumn,
  cipher: PiiCipher,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  const rows = await nextBatch(q, c, c.plain, `${c.encrypted} IS NULL`, after);
  if (rows.length === 0) return undefined;
  const n = c.key.length;
  await q.query(
    `UPDATE ${c.table} t SET ${c.encrypted} = u.encrypted
       FROM unnest(${c.key.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${n + 1}::text[], $${n + 2}::bytea[])
         AS u (${c.key.map(([name]) => name).join(', ')}, plain, encrypted)
      WHERE ${c.key.map(([name]) => `t.${name} = u.${name}`).join(' AND ')} AND t.${c.plain} = u.plain AND t.${c.encrypted} IS NULL`,
    [
      ...c.key.map(([name]) => rows.map((r) => r[name])),
      rows.map((r) => r.v),
      rows.map((r) => cipher.encrypt(r.v as string)),
    ],
  );
  return c.key.map(([name]) => rows[rows.length - 1][name]);
}

/** Decrypts the next batch of values into the clear column (`down`, inside one transaction). */
async function decryptBatch(
  q: QueryRunner,
  c: PiiColumn,
  cipher: PiiCipher,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  const rows = await nextBatch(q, c, c.encrypted, `${c.plain} IS NULL`, after);
  if (rows.length === 0) return undefined;
  const n = c.key.length;
  await q.query(
    `UPDATE ${c.table} t SET ${c.plain} = u.plain
       FROM unnest(${c.key.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${n + 1}::text[])
         AS u (${c.key.map(([name]) => name).join(', ')}, plain)
      WHERE ${c.key.map(([name]) => `t.${name} = u.${name}`).join(' AND ')}`,
    [...c.key.map(([name]) => rows.map((r) => r[name])), rows.map((r) => cipher.decrypt(r.v as Buffer))],
  );
  return c.key.map(([name]) => rows[rows.length - 1][name]);
}

/** Up to BATCH_ROWS rows matching `pending` after the key `after`, in key order, with `column` as `v`. */
async function nextBatch(
  q: QueryRunner,
  c: PiiColumn,
  column: string,
  pending: string,
  after: KeyValues | undefined,
): Promise<Record<string, unknown>[]> {
  const key = c.key.map(([name]) => name).join(', ');
  const from = after ? ` AND (${key}) > (${c.key.map(([, type], i) => `$${i + 1}::${type}`).join(', ')})` : '';
  return (await q.query(
    `SELECT ${key}, ${column} AS v FROM ${c.table} WHERE ${pending}${from} ORDER BY ${key} LIMIT ${BATCH_ROWS}`,
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
