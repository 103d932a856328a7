import { MigrationInterface, QueryRunner } from 'typeorm';
import { loadConfig } from '@collections/platform';
import { PiiCipher, decryptFreeText, encryptFreeText, piiKeyConfig } from '../ledger/pii';

/** Rows read and written back per statement. */
const BATCH_ROWS = 1_000;

const NAME = 'LedgerRejectionValuesEncrypted1763900017800';

/** Where the value goes in a reason's words (imports/domain/row-error.ts, as of this migration). */
const SLOT = '{value}';

/**
 * The reasons the importers wrote before this migration that quote one of the file's values: the
 * value is the one capture group. Anchored, so that a value holding quotes is taken whole.
 */
const QUOTING_REASONS: readonly RegExp[] = [
  /^unknown field "(.*)"$/ds,
  /^\w+ is not a calendar date YYYY-MM-DD: "(.*)"$/ds,
  /^unknown currency "(.*)"$/ds,
  /^\w+: (?:not a decimal amount: |amount out of range: |[A-Z]{3} allows at most \d+ decimal places, got )"(.*)"$/ds,
  /^\w+ must be (?:zero or positive|positive), got (.*)$/ds,
  /^\w+ must be an integer from -?\d+ to -?\d+: "(.*)"$/ds,
  /^debtor_time_zone "(.*)" is not an IANA time zone$/ds,
  /^debtor_time_zone "(.*)" is not a time zone the ledger's database knows$/ds,
  /^unknown product "(.*)" \(one of [^()]*\)$/ds,
  /^unknown record type "(.*)" \(account, statement, payment or charge\)$/ds,
  /^charge kind must be charge, interest or fee: "(.*)"$/ds,
  /^column \w+ is not an integer: "(.*)"$/ds,
  /^unknown account: external_ref (.*) is opened later, on line \d+$/ds,
  /^unknown account: no account has external_ref (.*)$/ds,
  /^duplicate statement: account (.*) already has cycle \d+$/ds,
  /^duplicate (?:payment|charge) reference (.*) \(already posted\)$/ds,
  /^duplicate external_ref (.*) \((?:first on line \d+|on an earlier line of this file)\)$/ds,
  /^duplicate external_ref (.*?): it belongs to account .* of another debtor, product or currency$/ds,
  /^account id (.*) is taken by another account$/ds,
  /^duplicate ID (.*) \((?:first on line \d+|on an earlier line of this file)\)$/ds,
];

/** The reason's words with the slot for its value, and the value; undefined when it quotes none. */
export function splitReason(reason: string): { words: string; value: string } | undefined {
  if (reason.includes(SLOT)) return undefined;
  for (const pattern of QUOTING_REASONS) {
    const m = pattern.exec(reason);
    const span = m?.indices?.[1];
    if (!m || !span) continue;
    return { words: `${reason.slice(0, span[0])}${SLOT}${reason.slice(span[1])}`, value: m[1] };
  }
  return undefined;
}

/**
 * A rejected import line's reason quoted the file's bad value in clear (`unknown currency "…"`,
 * `… is not a calendar date: "…"`, `unknown field "…"`, UCI `column X is not an integer: "…"`, the
 * external references and payment references it names): in a shifted CSV, a name, a national id,
 * an e-mail or a phone. The value now goes to `import_rejection.value_enc`, encrypted with the
 * ledger's key (LEDGER_PII_KEY) as the line's raw text is (1763900017710), and the reason keeps its
 * words with `{value}` in its place; the import report puts them back together.
 *
 * The rows already stored are split in batches of 1,000, each a transaction of its own, then once
 * more with writes held off (SHARE ROW EXCLUSIVE) for what a ledger of the previous version wrote
 * meanwhile. A reason in none of the known forms stays as it is. The key is checked against the
 * debtors' names already stored, as in 1763900017710. `down` puts the values back into the reasons.
 */
export class LedgerRejectionValuesEncrypted1763900017800 implements MigrationInterface {
  name = NAME;
  transaction = false;

  async up(q: QueryRunner): Promise<void> {
    const cipher = await cipherOf(q);
    await q.query(`ALTER TABLE import_rejection ADD COLUMN IF NOT EXISTS value_enc bytea`);
    await q.query(
      `COMMENT ON COLUMN import_rejection.value_enc IS 'PII (the file''s value the reason quotes at {value}), AES-256-GCM'`,
    );
    await everyBatch((after) => splitBatch(q, cipher, after));
    await q.startTransaction();
    try {
      await q.query(`LOCK TABLE import_rejection IN SHARE ROW EXCLUSIVE MODE`);
      await everyBatch((after) => splitBatch(q, cipher, after));
      await q.commitTransaction();
    } catch (err) {
      await q.rollbackTransaction();
      throw err;
    }
  }

  async down(q: QueryRunner): Promise<void> {
    const cipher = await cipherOf(q);
    await everyBatch(async (after) => {
      const rows = await nextBatch(q, `reason LIKE '%{value}%'`, after);
      if (rows.length === 0) return undefined;
      await update(
        q,
        rows.map((r) => {
          const value = decryptFreeText(cipher, r.value_enc);
          const at = r.reason.indexOf(SLOT);
          return {
            ...r,
            reason: `${r.reason.slice(0, at)}${value}${r.reason.slice(at + SLOT.length)}`,
            value_enc: null,
          };
        }),
      );
      return keyOf(rows[rows.length - 1]);
    });
    await q.query(`ALTER TABLE import_rejection DROP COLUMN value_enc`);
  }
}

interface Row {
  tenant_id: string;
  job_id: string;
  line_no: number;
  reason: string;
  value_enc: Buffer | null;
}
type Key = [string, string, number];
const keyOf = (r: Row): Key => [r.tenant_id, r.job_id, r.line_no];

/** Splits the next batch's quoting reasons after `after`; answers the last key read, or undefined at the end. */
async function splitBatch(q: QueryRunner, cipher: PiiCipher, after?: Key): Promise<Key | undefined> {
  const rows = await nextBatch(q, `value_enc IS NULL AND reason NOT LIKE '%{value}%'`, after);
  if (rows.length === 0) return undefined;
  const split: Row[] = [];
  for (const r of rows) {
    const parts = splitReason(r.reason);
    if (parts) split.push({ ...r, reason: parts.words, value_enc: encryptFreeText(cipher, parts.value) });
  }
  await update(q, split);
  return keyOf(rows[rows.length - 1]);
}

async function nextBatch(q: QueryRunner, where: string, after?: Key): Promise<Row[]> {
  return (await q.query(
    `SELECT tenant_id, job_id, line_no, reason, value_enc FROM import_rejection
      WHERE ${where}${after ? ' AND (tenant_id, job_id, line_no) > ($1::text, $2::uuid, $3::int)' : ''}
      ORDER BY tenant_id, job_id, line_no LIMIT ${BATCH_ROWS}`,
    after ?? [],
  )) as Row[];
}

async function update(q: QueryRunner, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  await q.query(
    `UPDATE import_rejection t SET reason = u.reason, value_enc = u.value_enc
       FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::bytea[]) AS u (tenant_id, job_id, line_no, reason, value_enc)
      WHERE t.tenant_id = u.tenant_id AND t.job_id = u.job_id AND t.line_no = u.line_no`,
    [
      rows.map((r) => r.tenant_id),
      rows.map((r) => r.job_id),
      rows.map((r) => r.line_no),
      rows.map((r) => r.reason),
      rows.map((r) => r.value_enc),
    ],
  );
}

async function everyBatch(step: (after?: Key) => Promise<Key | undefined>): Promise<void> {
  let after = await step();
  while (after) after = await step(after);
}

/** The ledger's cipher, checked against the debtors' names already stored (as 1763900017710). */
async function cipherOf(q: QueryRunner): Promise<PiiCipher> {
  const { piiKey } = loadConfig({ piiKey: piiKeyConfig() });
  const cipher = new PiiCipher(piiKey);
  const [sample] = (await q.query(`SELECT display_name_enc FROM debtor LIMIT 1`)) as { display_name_enc: Buffer }[];
  if (sample) {
    try {
      cipher.decrypt(sample.display_name_enc);
    } catch {
      throw new Error(
        `migration ${NAME} refuses to move the values out of the rejected import lines' reasons: LEDGER_PII_KEY does not decrypt the debtors' names already stored, it is not the key the ledger ran with.`,
      );
    }
  }
  return cipher;
}
