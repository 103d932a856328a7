import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { EntityManager } from 'typeorm';
import { EventType } from '@collections/contracts';
import { NewEvent, Outbox } from '@collections/messaging';

/**
 * Bulk writes inside a TypeORM transaction: COPY FROM STDIN (text format) on PostgreSQL, the same
 * rows as multi-row INSERTs on PGlite (the embedded platform), whose socket server does not speak
 * COPY. Shared by the ledger's importer and the orchestrator's daily planning run.
 */

export type CopyValue = string | number | boolean | null | Date | readonly string[] | Buffer;

const SPECIAL = /[\\\t\n\r]/;

/** A text value in COPY text format: backslash, tab, newline and carriage return escaped. */
export const copyEscape = (v: string): string =>
  SPECIAL.test(v) ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : v;

/** One value in COPY text format (`\N` for null). */
export function copyValue(v: CopyValue): string {
  if (v === null) return '\\N';
  if (v instanceof Date) return v.toISOString();
  if (Buffer.isBuffer(v)) return `\\\\x${v.toString('hex')}`;
  if (Array.isArray(v)) return copyEscape(`{${v.map((s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
  if (typeof v === 'string') return copyEscape(v);
  return String(v);
}

/** The transaction's own pg connection (PGlite: another connection would wait for it forever). */
export function connectionOf(tx: EntityManager): PoolClient | undefined {
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

/** Writes rows into a table: COPY FROM STDIN (text format) on PostgreSQL, multi-row INSERTs on PGlite. */
export async function copyRows(
  tx: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly CopyValue[])[],
): Promise<void> {
  if (rows.length === 0) return;
  if (!(await supportsCopy(tx))) return insertRows(tx, table, columns, rows);
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

/**
 * Streams lines already in COPY text format (pieces of any size, each ending with a whole line)
 * into a table on the transaction's connection. Without COPY (PGlite) the lines are decoded and
 * bound as text parameters of multi-row INSERTs: each value goes through its column type's input
 * function as COPY's would.
 */
export async function copyText(
  tx: EntityManager,
  table: string,
  columns: readonly string[],
  pieces: Iterable<string> | AsyncIterable<string>,
): Promise<void> {
  const connection = connectionOf(tx);
  if (!connection || !(await supportsCopy(tx))) {
    const rows: (string | null)[][] = [];
    for await (const piece of pieces) {
      for (const line of piece.split('\n')) if (line) rows.push(line.split('\t').map(decodeField));
    }
    return insertRows(tx, table, columns, rows);
  }
  const sink = connection.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN`));
  await pipeline(Readable.from(pieces), sink);
}

/**
 * Events into the service's outbox in the caller's transaction, in order: the outbox's own COPY
 * lines (`Outbox.copyText`) on PostgreSQL, its multi-row INSERT on PGlite. The relay is woken
 * after the transaction commits. For bulk writers (the ledger's importer, the daily planning run).
 */
export async function copyEvents(
  tx: EntityManager,
  outbox: Outbox,
  events: readonly NewEvent<EventType>[],
): Promise<void> {
  if (events.length === 0) return;
  if (!(await supportsCopy(tx))) {
    const { sql, params } = outbox.statement(tx, [...events], 1);
    await tx.query(sql, params);
    return;
  }
  const { table, columns } = outbox.copyTarget;
  await copyText(tx, table, columns, outbox.copyText(tx, events));
}

const ESCAPED: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v' };

/** One field of a COPY text line back to its text (null for `\N`). */
function decodeField(field: string): string | null {
  if (field === '\\N') return null;
  return field.includes('\\') ? field.replace(/\\(.)/g, (_, c: string) => ESCAPED[c] ?? c) : field;
}

async function insertRows(
  tx: EntityManager,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly (CopyValue | string | null)[])[],
): Promise<void> {
  const perStatement = Math.floor(60_000 / columns.length);
  for (let from = 0; from < rows.length; from += perStatement) {
    const slice = rows.slice(from, from + perStatement);
    const values: unknown[] = [];
    const tuples = slice.map((row) => `(${row.map((v) => (values.push(v), `$${values.length}`)).join(',')})`);
    await tx.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(',')}`, values);
  }
}
