import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EntityManager } from 'typeorm';

export type CopyValue = string | number | boolean | null | Date | string[];

function escapeText(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function encode(v: CopyValue): string {
  if (v === null) return '\\N';
  if (v instanceof Date) return v.toISOString();
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

/** Streams rows into a table with COPY FROM STDIN (text format) on the transaction's connection. */
export async function copyRows(
  tx: EntityManager,
  table: string,
  columns: string[],
  rows: CopyValue[][],
): Promise<void> {
  if (rows.length === 0) return;
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
