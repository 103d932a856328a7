import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, MigrationInterface } from 'typeorm';
import { openServiceDatabase } from '@collections/runtime';

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

/** One session on a test database whose statements' plans, nested ones included, can be read back. */
export interface PlanSession {
  client: Client;
  /** Runs `work` and returns the plan of every statement it ran, those inside triggers and functions too. */
  plans(work: () => Promise<unknown>): Promise<string[]>;
  end(): Promise<void>;
}

/**
 * A session in `schema` for reading the plans PostgreSQL chose: auto_explain, loaded into this
 * session only when asked, sends each plan back as a notice. A function's statements keep their
 * plan for the session, so what a test sees is what a service's pooled connection would run.
 */
export async function openPlanSession(url: string, schema: string): Promise<PlanSession> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const notices: string[] = [];
  client.on('notice', (n) => notices.push(n.message ?? ''));
  await client.query(`SET search_path TO ${schema}`);
  let loaded = false;
  return {
    client,
    async plans(work) {
      if (!loaded) {
        await client.query(`LOAD 'auto_explain'`);
        loaded = true;
      }
      await client.query(
        `SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice`,
      );
      notices.length = 0;
      try {
        await work();
      } finally {
        await client.query(`SET auto_explain.log_min_duration = -1`);
      }
      return notices.filter((n) => n.includes('plan:'));
    },
    end: () => client.end(),
  };
}

/** The source of the functions whose names match a LIKE pattern, concatenated. */
export async function functionSource(ds: DataSource, namePattern: string): Promise<string> {
  const [{ src }] = (await ds.query(
    `SELECT coalesce(string_agg(prosrc, ' '), '') AS src FROM pg_proc WHERE proname LIKE $1`,
    [namePattern],
  )) as { src: string }[];
  return src;
}

/**
 * For the enclosing describe block: a fresh database with a service's migrations run into its
 * schema, and a plan session there (openPlanSession), opened before the block's tests and dropped
 * after them.
 */
export function planProbeDatabase(
  schema: string,
  migrations: (new () => MigrationInterface)[],
): { readonly ds: DataSource; readonly session: PlanSession } {
  let db: TestDatabase;
  let ds: DataSource;
  let session: PlanSession;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openServiceDatabase({ url: db.url, schema, migrations });
    session = await openPlanSession(db.url, schema);
  });
  afterAll(async () => {
    await session?.end();
    await ds?.destroy();
    await db?.drop();
  });
  return {
    get ds() {
      return ds;
    },
    get session() {
      return session;
    },
  };
}

/**
 * Whether the functions named like `namePattern` run a statement through EXECUTE (planned each
 * time): now, after `migration` is undone, and after it runs again. Migrations dated after it
 * (the messaging tables' own, which every service's schema carries) are undone first and run again.
 */
export async function executeAcrossMigration(
  ds: DataSource,
  namePattern: string,
  migration: new () => MigrationInterface,
): Promise<boolean[]> {
  const executes = async () => (await functionSource(ds, namePattern)).includes('EXECUTE');
  const name = new migration().name ?? migration.name;
  const applied = async () =>
    ((await ds.query(`SELECT count(*)::int AS n FROM migrations WHERE name = $1`, [name])) as { n: number }[])[0].n > 0;
  const now = await executes();
  while (await applied()) await ds.undoLastMigration();
  const undone = await executes();
  await ds.runMigrations();
  return [now, undone, await executes()];
}

/**
 * Every column of every table of a database (every schema but the catalogs: a service's own, its
 * outbox, the in-process event log and dead letters) that holds `needle` in any letter case, as
 * `schema.table.column`: where an erasure test looks for what should be gone. A bytea column is
 * searched for the needle's UTF-8 bytes as they are.
 */
export async function columnsHolding(
  db: { query(sql: string, params?: unknown[]): Promise<unknown> },
  needle: string,
): Promise<string[]> {
  const columns = (await db.query(
    `SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND c.data_type IN ('text', 'character varying', 'character', 'ARRAY', 'jsonb', 'json', 'bytea')`,
  )) as { table_schema: string; table_name: string; column_name: string; data_type: string }[];
  const found: string[] = [];
  for (const c of columns) {
    const test =
      c.data_type === 'bytea'
        ? `position(convert_to($1, 'UTF8') in "${c.column_name}") > 0`
        : `strpos(lower("${c.column_name}"::text), lower($1)) > 0`;
    const [{ n }] = (await db.query(
      `SELECT count(*)::int AS n FROM "${c.table_schema}"."${c.table_name}" WHERE ${test}`,
      [needle],
    )) as { n: number }[];
    if (n > 0) found.push(`${c.table_schema}.${c.table_name}.${c.column_name}`);
  }
  return found.sort();
}

/** Whether `schema.table` has `column`: a migration test's check that a column came or went. */
export async function hasColumn(
  db: { query(sql: string, params?: unknown[]): Promise<unknown> },
  schema: string,
  table: string,
  column: string,
): Promise<boolean> {
  const rows = (await db.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3`,
    [schema, table, column],
  )) as unknown[];
  return rows.length === 1;
}

/**
 * For the enclosing describe block of a migration test: a fresh database (dropped after the block)
 * that `open` migrates into `schema` with a service's migrations up to some point, closing the data
 * source it opened before (one open at a time; the last one closed after the block).
 */
export function migrationTestDatabase(schema: string): {
  open(migrations: (new () => MigrationInterface)[]): Promise<DataSource>;
} {
  let db: TestDatabase;
  let ds: DataSource | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });
  return {
    open: async (migrations) => {
      await ds?.destroy();
      ds = undefined;
      ds = await openServiceDatabase({ url: db.url, schema, migrations });
      return ds;
    },
  };
}
