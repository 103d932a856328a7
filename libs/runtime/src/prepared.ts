import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { allowsNamedStatements } from './database';

/** What a pg Client or Pool offers for one named statement. */
interface NamedQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const names = new Map<string, string>();

/** One name per statement text (a name is per connection, so the same text on any connection is the same statement). */
export function preparedStatementName(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `q_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}

/**
 * The pg Pool under a TypeORM Postgres DataSource (its driver keeps it as `master`), or
 * undefined when the driver is not the pg one.
 */
function poolOf(dataSource: DataSource): NamedQueryable | undefined {
  const master = (dataSource.driver as unknown as { master?: unknown }).master;
  return master && typeof (master as NamedQueryable).query === 'function' ? (master as NamedQueryable) : undefined;
}

/**
 * Runs a hot-path statement as a named prepared statement, so PostgreSQL parses and plans it
 * once per connection instead of on every call. Inside a transaction (`manager` has a query
 * runner) it runs on the transaction's connection; otherwise straight on the pool (one
 * checkout, no TypeORM query runner). Where the database does not allow named statements
 * (the embedded PGlite server: every connection shares its one session, so names would
 * collide) it is a plain query through `manager`.
 */
export async function preparedQuery<T>(manager: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  if (!allowsNamedStatements(manager.connection)) return (await manager.query(sql, params)) as T[];
  const config = { name: preparedStatementName(sql), text: sql, values: params };
  if (manager.queryRunner) {
    const client = (await manager.queryRunner.connect()) as NamedQueryable;
    return (await client.query(config)).rows as T[];
  }
  const pool = poolOf(manager.connection);
  if (pool) return (await pool.query(config)).rows as T[];
  return (await manager.query(sql, params)) as T[];
}
