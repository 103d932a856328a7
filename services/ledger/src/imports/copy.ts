import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EntityManager } from 'typeorm';

export type CopyValue = string | number | boolean | null | Date | string[] | Buffer;

function escapeText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function encode(v: CopyValue): string {
  if (v === null) return '\\N';
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return escapeText(`{${v.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  if (typeof v === 'string') return escapeText(v);
  return String(v);
}

/** The transaction's own pg connection (PGlite: another connection would wait for it forever). */
export function connectionOf(tx: EntityManager): PoolClient {
  const connection = (tx.queryRunner as unknown as { databaseConnection?: PoolClient } | undefined)?.databaseConnection;
  if (!connection) throw new Error('COPY needs to run inside a transaction');
  return connection;
}

const copySupport = new WeakMap<PoolClient, Promise<boolean>>();

/** PGlite (embedded mode) speaks the wire protocol but not COPY FROM STDIN through pglite-socket. */
function supportsCopy(tx: EntityManager): Promise<boolean> {
  const connection = connectionOf(tx);
  let known = copySupport.get(connection);
  if (!known) {
    known = tx.query('SELECT version() AS v').then((r: { v: string }[]) => !r[0].v.includes('PGlite'));
    copySupport.set(connection, known);
  }
  return known;
}

/**
 * Streams rows into a table with COPY FROM STDIN (text format) on the transaction's connection;
 * on PGlite, multi-row INSERTs of the same rows instead.
 */
export async function copyRows(
  tx: EntityManager,
  table: string,
  columns: string[],
  rows: CopyValue[][],
): Promise<void> {
  if (rows.length === 0) return;
  if (!(await supportsCopy(tx))) return insertRows(tx, table, columns, rows);
  const sink = connectionOf(tx).query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  async function* lines() {
    let buffer = '';
    for (const row of rows) {
      buffer += `${row.map(encode).join('\t')}\n`;
      if (buffer.length > 1 << 16) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer) yield buffer;
  }
  await pipeline(Readable.from(lines()), sink);
}

async function insertRows(tx: EntityManager, table: string, columns: string[], rows: CopyValue[][]): Promise<void> {
  const perStatement = Math.floor(60_000 / columns.length);
  for (let from = 0; from < rows.length; from += perStatement) {
    const slice = rows.slice(from, from + perStatement);
    const values: CopyValue[] = [];
    const tuples = slice.map((row) => `(${row.map((v) => (values.push(v), `$${values.length}`)).join(',')})`);
    await tx.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(',')}`, values);
  }
}
