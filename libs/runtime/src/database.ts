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
 * The service's own schema with its own migrations (never `synchronize`): the messaging tables
 * first, then the service's. Concurrent first starts of several services are safe: the schema
 * is created under an advisory lock.
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
  await ds.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7340001)');
    await tx.query(`CREATE SCHEMA IF NOT EXISTS "${options.schema}"`);
  });
  await ds.runMigrations();
  return ds;
}
