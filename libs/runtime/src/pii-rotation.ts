import { DataSource, EntityManager } from 'typeorm';
import { PiiCipher } from '@collections/platform';

type ColumnType = 'text' | 'int' | 'uuid' | 'bytea';

/** A table whose encrypted columns a key rotation rewrites. */
export interface PiiRotationTable {
  table: string;
  /** The primary key's columns and their types: batches walk the table in this order. */
  key: readonly (readonly [string, 'text' | 'int' | 'uuid'])[];
  /** The columns encrypted with the cipher (bytea; null where erased): a row is rewritten when one is not under the current key. */
  encrypted: readonly string[];
  /** Other columns the rewrite sets (keyed hashes), with their types; they are read too. */
  derived?: readonly (readonly [string, ColumnType])[];
  /**
   * The row's new values: its encrypted columns under the current key, and the derived ones
   * (`derived`) recomputed. Default: the encrypted columns decrypted and encrypted again.
   */
  rewrite?: (row: Record<string, unknown>, cipher: PiiCipher) => Record<string, unknown>;
  /**
   * Writes a batch of rewritten rows, locked (default: one UPDATE by primary key). A table whose
   * derived column is in a unique key merges the rows that now share it here.
   */
  write?: (tx: EntityManager, rows: readonly RotatedRow[]) => Promise<void>;
}

/** A row as read and as rewritten (`PiiRotationTable.rewrite`). */
export interface RotatedRow {
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export interface PiiRotationProgress {
  table: string;
  /** Rows not under the current key when the table's turn began. */
  pending: number;
  /** Rows rewritten so far. */
  rewritten: number;
}

/**
 * Rewrites every row of the tables whose encrypted values are not all under the cipher's current
 * key (`PiiCipher.currentKeyPrefix`), in batches of `batchRows` rows, each a transaction of its own
 * that locks its rows (the service keeps reading and writing the others; a row it changes meanwhile
 * is read again). Resumable and idempotent: a run finds only the rows not done yet, so one stopped
 * half-way is run again, and a run after a complete one changes nothing. Reports each batch.
 */
export async function rotatePiiKey(
  ds: DataSource,
  cipher: PiiCipher,
  tables: readonly PiiRotationTable[],
  opts: { batchRows?: number; onProgress?: (p: PiiRotationProgress) => void } = {},
): Promise<PiiRotationProgress[]> {
  const batchRows = opts.batchRows ?? 1_000;
  const prefix = cipher.currentKeyPrefix;
  const done: PiiRotationProgress[] = [];
  for (const t of tables) {
    // $1 is the current key's prefix in every statement.
    const stale = t.encrypted
      .map((c) => `(${c} IS NOT NULL AND substring(${c} FROM 1 FOR ${prefix.length}) <> $1::bytea)`)
      .join(' OR ');
    const [{ n }] = (await ds.query(`SELECT count(*)::int AS n FROM ${t.table} WHERE ${stale}`, [prefix])) as {
      n: number;
    }[];
    const progress = { table: t.table, pending: n, rewritten: 0 };
    opts.onProgress?.({ ...progress });
    const keys = t.key.map(([c]) => c);
    const columns = [...keys, ...t.encrypted, ...(t.derived ?? []).map(([c]) => c)];
    let after: unknown[] | undefined;
    for (;;) {
      const batch = await ds.transaction(async (tx) => {
        const from = after ? ` AND (${keys.join(', ')}) > (${keys.map((_, i) => `$${i + 2}`).join(', ')})` : '';
        const rows = (await tx.query(
          `SELECT ${columns.join(', ')} FROM ${t.table} WHERE (${stale})${from}
            ORDER BY ${keys.join(', ')} LIMIT ${batchRows} FOR UPDATE`,
          [prefix, ...(after ?? [])],
        )) as Record<string, unknown>[];
        if (rows.length === 0) return undefined;
        const rotated = rows.map((before) => ({ before, after: (t.rewrite ?? reEncrypt(t))(before, cipher) }));
        await (t.write ?? updateByKey(t))(tx, rotated);
        return rows;
      });
      if (!batch) break;
      after = keys.map((c) => batch[batch.length - 1][c]);
      progress.rewritten += batch.length;
      opts.onProgress?.({ ...progress });
    }
    done.push(progress);
  }
  return done;
}

/** The default rewrite: each encrypted column decrypted and encrypted under the current key. */
const reEncrypt =
  (t: PiiRotationTable) =>
  (row: Record<string, unknown>, cipher: PiiCipher): Record<string, unknown> =>
    Object.fromEntries(
      t.encrypted.map((c) => {
        const stored = row[c] as Buffer | null;
        return [c, stored ? cipher.encrypt(cipher.decrypt(stored)) : null];
      }),
    );

/** The default write: the rewritten columns of each row, by primary key, in one statement. */
const updateByKey =
  (t: PiiRotationTable) =>
  async (tx: EntityManager, rows: readonly RotatedRow[]): Promise<void> => {
    const set: [string, ColumnType][] = [
      ...t.encrypted.map((c) => [c, 'bytea'] as [string, ColumnType]),
      ...(t.derived ?? []).map(([c, type]) => [c, type] as [string, ColumnType]),
    ].filter(([c]) => c in rows[0].after);
    const columns: [string, ColumnType][] = [...t.key.map(([c, type]) => [c, type] as [string, ColumnType]), ...set];
    await tx.query(
      `UPDATE ${t.table} t SET ${set.map(([c]) => `${c} = u.${c}`).join(', ')}
         FROM unnest(${columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS u (${columns.map(([c]) => c).join(', ')})
        WHERE ${t.key.map(([c]) => `t.${c} = u.${c}`).join(' AND ')}`,
      columns.map(([c], i) => rows.map((r) => (i < t.key.length ? r.before[c] : r.after[c]))),
    );
  };
