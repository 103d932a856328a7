import { createHash } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { allowsNamedStatements } from '@collections/runtime';

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const names = new Map<string, string>();

function nameOf(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `ledger_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * Runs a hot-path statement as a named prepared statement, so PostgreSQL plans it once per
 * connection instead of on every call (the posting and balance statements take longer to plan
 * than to run). Inside a transaction it uses the transaction's connection; otherwise it
 * borrows one from the pool for the call. Without named statements (embedded PGlite) it is a
 * plain query.
 */
export async function preparedQuery<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  if (!allowsNamedStatements(manager.connection)) return (await manager.query(sql, params)) as T[];
  const runner = manager.queryRunner ?? manager.connection.createQueryRunner();
  const own = !manager.queryRunner;
  try {
    const client = (await runner.connect()) as PgClient;
    const result = await client.query({ name: nameOf(sql), text: sql, values: params });
    return result.rows as T[];
  } finally {
    if (own) await runner.release();
  }
}
