import { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '@collections/platform';
import { PiiCipher, piiKeyConfig } from '../ledger/pii';

/** Rows read, encrypted (or decrypted) and written back per statement. */
const BATCH_ROWS = 1_000;

interface FreeTextColumn {
  table: 'journal_entry' | 'debtor_hold' | 'debtor';
  /** The primary key's columns and their types: batches walk the table in this order. */
  key: [string, 'text' | 'uuid'][];
  plain: string;
  encrypted: string;
  /** The clear column's definition, as `down` adds it back. */
  plainType: string;
  /** The check that stands for NOT NULL while the encrypted column is being validated (a text every row has). */
  check?: string;
  /** A flag that stands for the placeholder 'erased' (no ciphertext kept): the journal memo's. */
  erasedFlag?: string;
}

const COLUMNS: readonly FreeTextColumn[] = [
  {
    table: 'journal_entry',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    plain: 'memo',
    encrypted: 'memo_enc',
    plainType: `text NOT NULL DEFAULT ''`,
    erasedFlag: 'memo_erased',
  },
  {
    table: 'debtor_hold',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    plain: 'source',
    encrypted: 'source_enc',
    plainType: 'text',
    check: 'debtor_hold_source_enc_set',
  },
  {
    table: 'debtor_hold',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    plain: 'lift_reason',
    encrypted: 'lift_reason_enc',
    plainType: 'text',
  },
  {
    table: 'debtor',
    key: [
      ['tenant_id', 'text'],
      ['id', 'text'],
    ],
    plain: 'erasure_reason',
    encrypted: 'erasure_reason_enc',
    plainType: 'text',
  },
];

const TABLES = [...new Set(COLUMNS.map((c) => c.table))];

const NAME = 'LedgerFreeTextsEncrypted1763900016700';

/**
 * The callers' free texts stored encrypted, as the debtor's name and contact points are
 * (1763900015700): a journal entry's memo (`memo_enc`; a charge's memo, an adjustment's or
 * charge-off's reason: collectors write there what the debtor told them, health and work
 * included), a hold's source and lift reason (`source_enc`, `lift_reason_enc`) and an erasure's
 * reason (`debtor.erasure_reason_enc`), AES-256-GCM with the ledger's key (LEDGER_PII_KEY,
 * PiiCipher). Nothing in the ledger compares, orders or looks up these texts in SQL. An empty memo
 * stores nothing (NULL); an erased one is `memo_erased` without a ciphertext, so the journal's
 * immutability can still be checked by the database: after this migration the one change an entry
 * takes is its memo being erased (`memo_enc` to NULL, `memo_erased` to true) or re-encrypted under
 * another key (the key rotation job: the key id the value begins with changes), nothing else in
 * the same UPDATE. The database cannot read a memo, so it can no longer tell that a re-encrypted
 * memo says the same thing.
 *
 * The existing rows need the key: the one the service runs with (LEDGER_PII_KEY, else the
 * development key); the migration refuses to run, changing nothing, when it does not decrypt the
 * debtors' names already stored (it is not the key the ledger ran with).
 *
 * Locks as in 1763900015700: the columns are added in a transaction of their own (ACCESS EXCLUSIVE
 * for a moment, no rewrite); rows are converted in batches of 1,000, each a transaction of its own
 * (row locks: the ledger keeps serving); a ledger of the previous version still writing clear texts
 * meanwhile is caught by a temporary trigger and its rows converted again; then, with writes held
 * off (SHARE ROW EXCLUSIVE: reads go on) while those few rows are converted, the clear columns are
 * dropped. Run again after a failure, it goes on where it stopped; after a complete run, it changes
 * nothing.
 *
 * `down` decrypts them back into the clear columns (an erased memo as 'erased') in the same batches,
 * and puts back the journal's check of 1763900014700.
 */
export class LedgerFreeTextsEncrypted1763900016700 implements MigrationInterface {
  name = NAME;
  /** Batches commit one by one (above): no transaction around the whole migration. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    if (await hasColumn(q, 'journal_entry', 'memo')) {
      const cipher = await cipherOf(q, 'encrypt');
      await inTransaction(q, async () => {
        for (const c of COLUMNS) await q.query(`ALTER TABLE ${c.table} ADD COLUMN IF NOT EXISTS ${c.encrypted} bytea`);
        await q.query(`ALTER TABLE journal_entry ADD COLUMN IF NOT EXISTS memo_erased boolean NOT NULL DEFAULT false`);
        // While both forms exist: the previous version's erasure (memo to 'erased'), and this conversion.
        await q.query(`CREATE OR REPLACE FUNCTION ledger_journal_entry_memo_converting() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'UPDATE'
               AND to_jsonb(NEW) - 'memo' - 'memo_enc' - 'memo_erased' = to_jsonb(OLD) - 'memo' - 'memo_enc' - 'memo_erased'
               AND ((NEW.memo = 'erased' AND NEW.memo_enc IS NOT DISTINCT FROM OLD.memo_enc AND NEW.memo_erased = OLD.memo_erased)
                 OR (NEW.memo = OLD.memo AND OLD.memo_enc IS NULL AND NOT OLD.memo_erased)) THEN
              RETURN NEW;
            END IF;
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
          END $$`);
        await q.query(`DROP TRIGGER journal_entry_immutable ON journal_entry`);
        await q.query(`CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry FOR EACH ROW
          EXECUTE FUNCTION ledger_journal_entry_memo_converting('the journal is immutable: a correction is a new entry (only a memo can be erased)')`);
        // A clear text written meanwhile by a ledger of the previous version: converted again below.
        await q.query(`CREATE OR REPLACE FUNCTION ledger_free_text_written_in_clear() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'INSERT' OR to_jsonb(NEW) -> TG_ARGV[0] IS DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN
              NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[1], NULL));
            END IF;
            RETURN NEW;
          END $$`);
        for (const c of COLUMNS) {
          await q.query(`DROP TRIGGER IF EXISTS ${c.table}_${c.plain}_written_in_clear ON ${c.table}`);
          await q.query(`CREATE TRIGGER ${c.table}_${c.plain}_written_in_clear BEFORE INSERT OR UPDATE OF ${c.plain} ON ${c.table}
            FOR EACH ROW EXECUTE FUNCTION ledger_free_text_written_in_clear('${c.plain}', '${c.encrypted}')`);
        }
      });
      for (const c of COLUMNS) await everyBatch((after) => encryptBatch(q, c, cipher, after));
      await inTransaction(q, async () => {
        await q.query(`LOCK TABLE ${TABLES.join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
        for (const c of COLUMNS) {
          await everyBatch((after) => encryptBatch(q, c, cipher, after));
          await q.query(`DROP TRIGGER ${c.table}_${c.plain}_written_in_clear ON ${c.table}`);
        }
        await q.query(`DROP TRIGGER journal_entry_immutable ON journal_entry`);
        for (const c of COLUMNS) {
          await q.query(`ALTER TABLE ${c.table} DROP COLUMN ${c.plain}`);
          if (c.check)
            await q.query(
              `ALTER TABLE ${c.table} ADD CONSTRAINT ${c.check} CHECK (${c.encrypted} IS NOT NULL) NOT VALID`,
            );
        }
        await q.query(`CREATE FUNCTION ledger_pii_key_of(v bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
          SELECT CASE WHEN length(v) > 5 AND substring(v FROM 1 FOR 4) = '\\x00706b01'::bytea
                      THEN substring(v FROM 1 FOR 5 + get_byte(v, 4)) ELSE '\\x'::bytea END $$`);
        await q.query(`CREATE FUNCTION ledger_journal_entry_only_memo_erased_or_rekeyed() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'UPDATE'
               AND to_jsonb(NEW) - 'memo_enc' - 'memo_erased' = to_jsonb(OLD) - 'memo_enc' - 'memo_erased'
               AND ((NOT OLD.memo_erased AND NEW.memo_erased AND NEW.memo_enc IS NULL)
                 OR (NEW.memo_erased = OLD.memo_erased AND NEW.memo_enc IS NOT NULL AND OLD.memo_enc IS NOT NULL
                     AND ledger_pii_key_of(NEW.memo_enc) <> ledger_pii_key_of(OLD.memo_enc))) THEN
              RETURN NEW;
            END IF;
            RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
          END $$`);
        await q.query(`CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry FOR EACH ROW
          EXECUTE FUNCTION ledger_journal_entry_only_memo_erased_or_rekeyed('the journal is immutable: a correction is a new entry (only a memo can be erased)')`);
        await q.query(`DROP FUNCTION ledger_journal_entry_memo_converting()`);
        await q.query(`DROP FUNCTION ledger_journal_entry_only_memo_erased()`);
        await q.query(`DROP FUNCTION ledger_free_text_written_in_clear()`);
      });
    }
    for (const c of COLUMNS) {
      if (!c.check || !(await hasConstraint(q, c.check))) continue;
      await q.query(`ALTER TABLE ${c.table} VALIDATE CONSTRAINT ${c.check}`);
      await inTransaction(q, async () => {
        await q.query(`ALTER TABLE ${c.table} ALTER COLUMN ${c.encrypted} SET NOT NULL`);
        await q.query(`ALTER TABLE ${c.table} DROP CONSTRAINT ${c.check}`);
      });
    }
    for (const c of COLUMNS)
      await q.query(`COMMENT ON COLUMN ${c.table}.${c.encrypted} IS 'PII (free text), AES-256-GCM'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const cipher = await cipherOf(q, 'decrypt');
    await q.query(`DROP TRIGGER journal_entry_immutable ON journal_entry`);
    for (const c of COLUMNS) {
      await q.query(`ALTER TABLE ${c.table} ADD COLUMN ${c.plain} ${c.plainType}`);
      await everyBatch((after) => decryptBatch(q, c, cipher, after));
      if (c.check) await q.query(`ALTER TABLE ${c.table} ALTER COLUMN ${c.plain} SET NOT NULL`);
      await q.query(`ALTER TABLE ${c.table} DROP COLUMN ${c.encrypted}`);
    }
    await q.query(`ALTER TABLE journal_entry DROP COLUMN memo_erased`);
    await q.query(`DROP FUNCTION ledger_journal_entry_only_memo_erased_or_rekeyed()`);
    await q.query(`DROP FUNCTION ledger_pii_key_of(bytea)`);
    // 1763900014700's check, as it was.
    await q.query(`CREATE FUNCTION ledger_journal_entry_only_memo_erased() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        memo text;
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.memo = 'erased' THEN
          memo := NEW.memo;
          NEW.memo := OLD.memo;
          IF row_to_json(NEW)::text = row_to_json(OLD)::text THEN
            NEW.memo := memo;
            RETURN NEW;
          END IF;
        END IF;
        RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
      END $$`);
    await q.query(`CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry FOR EACH ROW
      EXECUTE FUNCTION ledger_journal_entry_only_memo_erased('the journal is immutable: a correction is a new entry (only a memo can be erased)')`);
  }
}

/** The ledger's cipher, checked against the debtors' names already stored (1763900015700). */
async function cipherOf(q: QueryRunner, what: 'encrypt' | 'decrypt'): Promise<PiiCipher> {
  // The key the service runs with: LEDGER_PII_KEY, else the development key (the service warns at boot).
  const { piiKey } = loadConfig({ piiKey: piiKeyConfig() });
  const cipher = new PiiCipher(piiKey);
  const [sample] = (await q.query(`SELECT display_name_enc FROM debtor LIMIT 1`)) as { display_name_enc: Buffer }[];
  if (sample) {
    try {
      cipher.decrypt(sample.display_name_enc);
    } catch {
      throw new Error(
        `migration ${NAME} refuses to ${what} the callers' free texts (memos, holds' sources and lift reasons, erasure reasons): LEDGER_PII_KEY does not decrypt the debtors' names already stored, it is not the key the ledger ran with.`,
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

/** What the rows still to convert are: a clear text, not yet encrypted (nor erased); `t`: the table's alias. */
const pending = (c: FreeTextColumn, t = '') =>
  `${t}${c.plain} <> '' AND ${t}${c.encrypted} IS NULL${c.erasedFlag ? ` AND NOT ${t}${c.erasedFlag}` : ''}`;

/**
 * Encrypts the next batch of clear texts after `after` (a primary key) and answers the last key
 * seen, or undefined when there are none left. A text changed since it was read is left for later.
 * A memo 'erased' (erased by the previous version) becomes the flag, without a ciphertext.
 */
async function encryptBatch(
  q: QueryRunner,
  c: FreeTextColumn,
  cipher: PiiCipher,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  const rows = await nextBatch(q, c, c.plain, pending(c), after);
  if (rows.length === 0) return undefined;
  const n = c.key.length;
  const erased = (r: Record<string, unknown>) => c.erasedFlag !== undefined && r.v === 'erased';
  await q.query(
    `UPDATE ${c.table} t SET ${c.encrypted} = u.encrypted${c.erasedFlag ? `, ${c.erasedFlag} = u.encrypted IS NULL` : ''}
       FROM unnest(${c.key.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${n + 1}::text[], $${n + 2}::bytea[])
         AS u (${c.key.map(([name]) => name).join(', ')}, plain, encrypted)
      WHERE ${c.key.map(([name]) => `t.${name} = u.${name}`).join(' AND ')} AND t.${c.plain} = u.plain AND ${pending(c, 't.')}`,
    [
      ...c.key.map(([name]) => rows.map((r) => r[name])),
      rows.map((r) => r.v),
      rows.map((r) => (erased(r) ? null : cipher.encrypt(r.v as string))),
    ],
  );
  return c.key.map(([name]) => rows[rows.length - 1][name]);
}

/** Decrypts the next batch of texts into the clear column (`down`, inside one transaction). */
async function decryptBatch(
  q: QueryRunner,
  c: FreeTextColumn,
  cipher: PiiCipher,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  // An erased memo has no ciphertext: it goes back as 'erased'.
  const rows = await nextBatch(
    q,
    c,
    c.erasedFlag ? `${c.erasedFlag} AS erased, ${c.encrypted}` : c.encrypted,
    c.erasedFlag
      ? `(${c.encrypted} IS NOT NULL OR ${c.erasedFlag}) AND ${c.plain} = ''`
      : `${c.encrypted} IS NOT NULL AND ${c.plain} IS NULL`,
    after,
  );
  if (rows.length === 0) return undefined;
  const n = c.key.length;
  await q.query(
    `UPDATE ${c.table} t SET ${c.plain} = u.plain
       FROM unnest(${c.key.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${n + 1}::text[])
         AS u (${c.key.map(([name]) => name).join(', ')}, plain)
      WHERE ${c.key.map(([name]) => `t.${name} = u.${name}`).join(' AND ')}`,
    [
      ...c.key.map(([name]) => rows.map((r) => r[name])),
      rows.map((r) => (r.erased ? 'erased' : cipher.decrypt(r.v as Buffer))),
    ],
  );
  return c.key.map(([name]) => rows[rows.length - 1][name]);
}

/** Up to BATCH_ROWS rows matching `where` after the key `after`, in key order, with `column` as `v`. */
async function nextBatch(
  q: QueryRunner,
  c: FreeTextColumn,
  column: string,
  where: string,
  after: KeyValues | undefined,
): Promise<Record<string, unknown>[]> {
  const key = c.key.map(([name]) => name).join(', ');
  const from = after ? ` AND (${key}) > (${c.key.map(([, type], i) => `$${i + 1}::${type}`).join(', ')})` : '';
  return (await q.query(
    `SELECT ${key}, ${column} AS v FROM ${c.table} WHERE ${where}${from} ORDER BY ${key} LIMIT ${BATCH_ROWS}`,
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
