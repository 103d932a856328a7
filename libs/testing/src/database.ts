import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/** A database of its own for one test file, dropped afterwards. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(
  serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  prefix = 'test',
): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** What PostgreSQL raised for a refused statement: its SQLSTATE and message. */
export interface SqlFailure {
  code: string;
  message: string;
}

/**
 * Runs SQL in a transaction of its own and resolves to the error PostgreSQL raised for it, or
 * undefined when it succeeded (and committed): for tests of what the database itself refuses.
 */
export async function sqlFailure(
  dataSource: DataSource,
  sql: string,
  params: unknown[] = [],
): Promise<SqlFailure | undefined> {
  try {
    await dataSource.transaction((tx) => tx.query(sql, params));
    return undefined;
  } catch (err) {
    const e = err as { code?: string; driverError?: { code?: string }; message: string };
    return { code: e.code ?? e.driverError?.code ?? '', message: e.message };
  }
}
