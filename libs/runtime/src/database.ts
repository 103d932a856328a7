import { Client } from 'pg';
import { DataSource, MigrationInterface } from 'typeorm';
import { messagingMigrations } from '@collections/messaging';

export interface ServiceDatabaseOptions {
  url: string;
  schema: string;
  poolSize?: number;
  migrations: (new () => MigrationInterface)[];
  /**
   * Whether hot paths may use named prepared statements (default true). Off for the embedded
   * PGlite server: every connection shares its one session, so statement names would collide.
   */
  namedStatements?: boolean;
  /**
   * The planner's price of a random page read, for this service's sessions (default 1.1, the usual
   * setting for SSDs and for data that lives in shared buffers). PostgreSQL's own default (4.0)
   * prices every index probe as a disk seek: a batch of 2,000 payments joined to a tenant's
   * 98,880 plan instalments by their primary key then hashes the whole table instead of probing it
   * (24.7 ms against 5.2 ms for 500 payments at 26,880 instalments, EXPLAIN ANALYZE). A server tuned
   * otherwise can say so with DB_RANDOM_PAGE_COST.
   */
  randomPageCost?: number;
}

/** `randomPageCost` when none is given (and DB_RANDOM_PAGE_COST's default). */
export const DEFAULT_RANDOM_PAGE_COST = 1.1;

const withoutNamedStatements = new WeakSet<DataSource>();

/** False when the database was opened with `namedStatements: false`. */
export function allowsNamedStatements(dataSource: DataSource): boolean {
  return !withoutNamedStatements.has(dataSource);
}

/**
 * A connection of its own for holding an advisory lock (migrations, ReplicaLock), outside the
 * pool. Its session may sit idle a long while: keep-alives on both ends, so that a dropped
 * connection fails instead of hanging, and PostgreSQL ends the session (and its locks) of a host
 * that vanished within about 2 minutes (a peer silent for 60 s probed every 10 s, 6 times), not
 * the system's hours.
 */
export function lockConnection(url: string, applicationName?: string): Client {
  return new Client({
    connectionString: url,
    application_name: applicationName?.slice(0, 63),
    keepAlive: true,
    options: '-c tcp_keepalives_idle=60 -c tcp_keepalives_interval=10 -c tcp_keepalives_count=6',
  });
}

/** First key of the advisory lock that lets one process at a time migrate a schema (the second is the schema's hash). */
const MIGRATION_LOCK = 7340002;

/**
 * The service's own schema with its own migrations (never `synchronize`): the messaging tables
 * first, then the service's. Concurrent first starts are safe: of several services (the schema is
 * created under an advisory lock), and of several replicas of one service (its migrations run
 * under a lock of their own, so the first to take it applies them and the others find them done).
 */
export async function openServiceDatabase(options: ServiceDatabaseOptions): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    poolSize: options.poolSize ?? 10,
    migrations: [...messagingMigrations(options.schema), ...options.migrations],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    // Unqualified names (the service's own tables and queries) resolve in its schema only.
    // The planner's price of an index probe: see `randomPageCost`.
    extra: {
      options: `-c search_path=${options.schema} -c random_page_cost=${options.randomPageCost ?? DEFAULT_RANDOM_PAGE_COST}`,
    },
  });
  if (options.namedStatements === false) withoutNamedStatements.add(ds);
  await ds.initialize();
  try {
    await ds.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(7340001)');
      await tx.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
    });
    // The embedded platform is one process, its PGlite one session for every connection: no lock.
    if (options.namedStatements === false) await ds.runMigrations();
    else await migrateAlone(ds, options);
  } catch (err) {
    await ds.destroy(); // the caller gets no pool to close
    throw err;
  }
  return ds;
}

/**
 * Runs the pending migrations holding a session lock on the schema, taken on a connection of its
 * own (the pool may have a single one, which the migrations need). Without it, replicas started
 * together each applied the same migration and all but one failed to start (a duplicate type or
 * table). Ending that connection releases the lock, whatever happened.
 */
async function migrateAlone(ds: DataSource, options: ServiceDatabaseOptions): Promise<void> {
  const lock = lockConnection(options.url, `migrations: ${options.schema}`);
  // A connection lost while waiting or migrating rejects the start (below), not the process.
  let lost: Error | undefined;
  lock.on('error', (err) => (lost = err));
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK, options.schema]);
    await ds.runMigrations();
    if (lost) throw lost; // the lock went with its connection: another replica may have migrated meanwhile
  } finally {
    await lock.end();
  }
}
