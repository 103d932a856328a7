import { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '@collections/platform';
import { PiiCipher, piiKeyConfig } from '../ledger/pii';

/** Rows read, encrypted (or decrypted) and written back per statement. */
const BATCH_ROWS = 1_000;

interface ClearTextColumn {
  table: 'recon_item' | 'import_rejection';
  /** The primary key's columns and their types: batches walk the table in this order. */
  key: [string, 'text' | 'uuid' | 'int'][];
  plain: string;
  encrypted: string;
}

const COLUMNS: readonly ClearTextColumn[] = [
  {
    table: 'recon_item',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    plain: 'reference',
    encrypted: 'reference_enc',
  },
  {
    table: 'recon_item',
    key: [
      ['tenant_id', 'text'],
      ['id', 'uuid'],
    ],
    plain: 'counterparty_account',
    encrypted: 'counterparty_account_enc',
  },
  {
    table: 'import_rejection',
    key: [
      ['tenant_id', 'text'],
      ['job_id', 'uuid'],
      ['line_no', 'int'],
    ],
    plain: 'raw',
    encrypted: 'raw_enc',
  },
];

const TABLES = [...new Set(COLUMNS.map((c) => c.table))];

const NAME = 'LedgerBankTextsEncrypted1763900017710';

/**
 * The texts the ledger keeps as its sources wrote them, stored encrypted like the callers' free
 * texts (1763900016700): a bank statement line's remittance information, the payment reference as
 * the payer wrote it (`recon_item.reference_enc`: often the payer's name, their national id, a
 * phone), the payer's bank account (`recon_item.counterparty_account_enc`) and the raw text of a
 * rejected import line (`import_rejection.raw_enc`: a whole CSV/NDJSON line, names and contact
 * points included), AES-256-GCM with the ledger's key (LEDGER_PII_KEY, PiiCipher). An empty text
 * stores nothing (NULL). Nothing queries them in SQL any more: matching reads a line's reference
 * while the file is imported, before it is stored; the duplicate check uses the bank's own
 * transaction id (`bank_reference`, not personal, kept in clear); an erasure decrypts the
 * tenant's texts to look for the debtor in them (DataSubjectUseCase.erase).
 *
 * As 1763900016700: the key is the one the service runs with (LEDGER_PII_KEY, else the development
 * key), refused (nothing changed) when it does not decrypt the debtors' names already stored; the
 * columns are added in a transaction of their own; rows are converted in batches of 1,000, each a
 * transaction of its own (row locks: the ledger keeps serving); a ledger of the previous version
 * still writing clear texts meanwhile is caught by a temporary trigger and its rows converted again;
 * then, with writes held off (SHARE ROW EXCLUSIVE: reads go on) while those few rows are converted,
 * the clear columns are dropped. Run again after a failure, it goes on where it stopped; after a
 * complete run, it changes nothing. `down` decrypts them back into the clear columns.
 */
export class LedgerBankTextsEncrypted1763900017710 implements MigrationInterface {
  name = NAME;
  /** Batches commit one by one (above): no transaction around the whole migration. */
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    if (await hasColumn(q, 'import_rejection', 'raw')) {
      const cipher = await cipherOf(q, 'encrypt');
      await inTransaction(q, async () => {
        for (const c of COLUMNS) await q.query(`ALTER TABLE ${c.table} ADD COLUMN IF NOT EXISTS ${c.encrypted} bytea`);
        // A clear text written meanwhile by a ledger of the previous version: converted again below.
        await q.query(`CREATE OR REPLACE FUNCTION ledger_bank_text_written_in_clear() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF TG_OP = 'INSERT' OR to_jsonb(NEW) -> TG_ARGV[0] IS DISTINCT FROM to_jsonb(OLD) -> TG_ARGV[0] THEN
              NEW := jsonb_populate_record(NEW, jsonb_build_object(TG_ARGV[1], NULL));
            END IF;
            RETURN NEW;
          END $$`);
        for (const c of COLUMNS) {
          await q.query(`DROP TRIGGER IF EXISTS ${c.table}_${c.plain}_written_in_clear ON ${c.table}`);
          await q.query(`CREATE TRIGGER ${c.table}_${c.plain}_written_in_clear BEFORE INSERT OR UPDATE OF ${c.plain} ON ${c.table}
            FOR EACH ROW EXECUTE FUNCTION ledger_bank_text_written_in_clear('${c.plain}', '${c.encrypted}')`);
        }
      });
      for (const c of COLUMNS) await everyBatch((after) => encryptBatch(q, c, cipher, after));
      await inTransaction(q, async () => {
        await q.query(`LOCK TABLE ${TABLES.join(', ')} IN SHARE ROW EXCLUSIVE MODE`);
        for (const c of COLUMNS) {
          await everyBatch((after) => encryptBatch(q, c, cipher, after));
          await q.query(`DROP TRIGGER ${c.table}_${c.plain}_written_in_clear ON ${c.table}`);
        }
        for (const c of COLUMNS) await q.query(`ALTER TABLE ${c.table} DROP COLUMN ${c.plain}`);
        await q.query(`DROP FUNCTION ledger_bank_text_written_in_clear()`);
      });
    }
    for (const c of COLUMNS)
      await q.query(`COMMENT ON COLUMN ${c.table}.${c.encrypted} IS 'PII (source text), AES-256-GCM'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const cipher = await cipherOf(q, 'decrypt');
    for (const c of COLUMNS) {
      await q.query(`ALTER TABLE ${c.table} ADD COLUMN ${c.plain} text NOT NULL DEFAULT ''`);
      await everyBatch((after) => decryptBatch(q, c, cipher, after));
      await q.query(`ALTER TABLE ${c.table} ALTER COLUMN ${c.plain} DROP DEFAULT`);
      await q.query(`ALTER TABLE ${c.table} DROP COLUMN ${c.encrypted}`);
    }
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
        `migration ${NAME} refuses to ${what} the bank statements' references and payers' accounts and the rejected import lines: LEDGER_PII_KEY does not decrypt the debtors' names already stored, it is not the key the ledger ran with.`,
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

/** What the rows still to convert are: a clear text, not yet encrypted; `t`: the table's alias. */
const pending = (c: ClearTextColumn, t = '') => `${t}${c.plain} <> '' AND ${t}${c.encrypted} IS NULL`;

/**
 * Encrypts the next batch of clear texts after `after` (a primary key) and answers the last key
 * seen, or undefined when there are none left. A text changed since it was read is left for later.
 */
async function encryptBatch(
  q: QueryRunner,
  c: ClearTextColumn,
  cipher: PiiCipher,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  const rows = await nextBatch(q, c, c.plain, pending(c), after);
  if (rows.length === 0) return undefined;
  const n = c.key.length;
  await q.query(
    `UPDATE ${c.table} t SET ${c.encrypted} = u.encrypted
       FROM unnest(${c.key.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${n + 1}::text[], $${n + 2}::bytea[])
         AS u (${c.key.map(([name]) => name).join(', ')}, plain, encrypted)
      WHERE ${c.key.map(([name]) => `t.${name} = u.${name}`).join(' AND ')} AND t.${c.plain} = u.plain AND ${pending(c, 't.')}`,
    [
      ...c.key.map(([name]) => rows.map((r) => r[name])),
      rows.map((r) => r.v),
      rows.map((r) => cipher.encrypt(r.v as string)),
    ],
  );
  return c.key.map(([name]) => rows[rows.length - 1][name]);
}

/** Decrypts the next batch of texts into the clear column (`down`). */
async function decryptBatch(
  q: QueryRunner,
  c: ClearTextColumn,
  cipher: PiiCipher,
  after?: KeyValues,
): Promise<KeyValues | undefined> {
  const rows = await nextBatch(q, c, c.encrypted, `${c.encrypted} IS NOT NULL AND ${c.plain} = ''`, after);
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

/** Up to BATCH_ROWS rows matching `where` after the key `after`, in key order, with `column` as `v`. */
async function nextBatch(
  q: QueryRunner,
  c: ClearTextColumn,
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
