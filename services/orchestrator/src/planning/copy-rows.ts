import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EntityManager } from 'typeorm';

export type CopyValue = string | number | boolean | null | Date | readonly string[] | Buffer;

const SPECIAL = /[\\\t\n\r]/;
const escapeText = (v: string) =>
  SPECIAL.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;

/** One value in COPY text format (`\\N` for null). */
export function copyValue(v: CopyValue): string {
  if (v === null) return '\\N';
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return escapeText(`{${v.map((s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  if (typeof v === 'string') return escapeText(v);
  return String(v);
}

/** The transaction's own pg connection. */
function connectionOf(tx: EntityManager): PoolClient | undefined {
  return (tx.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)?.databaseConnection;
}

const copySupport = new WeakMap<PoolClient, Promise<boolean>>();

/** PGlite (embedded mode) speaks the wire protocol but not COPY FROM STDIN through pglite-socket. */
export function supportsCopy(tx: EntityManager): Promise<boolean> {
  const connection = connectionOf(tx);
  if (!connection) return Promise.resolve(false);
  let known = copySupport.get(connection);
  if (!known) {
    known = tx.query('SELECT version() AS v').then((r: { v: string }[]) => !r[0].v.includes('PGlite'));
    copySupport.set(connection, known);
  }
  return known;
}

/** Streams rows into a table with COPY FROM STDIN (text format) on the transaction's connection. */
export async function copyRows(
  tx: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly CopyValue[])[],
): Promise<void> {
  if (rows.length === 0) return;
  function* pieces() {
    let buffer = '';
    for (const row of rows) {
      buffer += `${row.map(copyValue).join('\t')}\n`;
      if (buffer.length > 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  await copyText(tx, table, columns, pieces());
}

/** Streams lines already in COPY text format (pieces of any size) into a table, on the transaction's connection. */
export async function copyText(
  tx: EntityManager,
  table: string,
  columns: readonly string[],
  pieces: Iterable<string>,
): Promise<void> {
  const sink = connectionOf(tx)!.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(pieces), sink);
}

const QUOTE_OR_BACKSLASH = /["\\]/;

/**
 * One column of many rows as a PostgreSQL array literal, bound as a single text parameter and cast
 * in SQL (`$1::text[]`, `$2::timestamptz[]`): what pg would send for a JS array, without its two
 * regular expressions per element and its local-time formatting of dates. Every string is quoted
 * (empty strings, commas, braces and the word NULL stay text); null is NULL.
 */
export function arrayOf<R>(rows: readonly R[], value: (row: R) => string | number | boolean | Date | null): string {
  let out = '{';
  for (let i = 0; i < rows.length; i++) {
    const v = value(rows[i]);
    if (i > 0) out += ',';
    if (v === null || v === undefined) out += 'NULL';
    else if (typeof v === 'string') out += QUOTE_OR_BACKSLASH.test(v) ? `"${v.replace(/["\\]/g, '\\$&')}"` : `"${v}"`;
    else if (v instanceof Date) out += `"${v.toISOString()}"`;
    else out += String(v);
  }
  return `${out}}`;
}
