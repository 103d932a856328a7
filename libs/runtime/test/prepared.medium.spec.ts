import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { openServiceDatabase, preparedQuery, preparedStatementName } from '../src';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SQL = `SELECT $1::int + 1 AS n, current_schema() AS schema`;

/** The named statements prepared on the connection the manager's transaction holds. */
async function preparedNames(ds: DataSource, run: (tx: DataSource['manager']) => Promise<unknown>): Promise<string[]> {
  return ds.transaction(async (tx) => {
    await run(tx);
    const rows = (await tx.query(`SELECT name FROM pg_prepared_statements WHERE name <> ''`)) as { name: string }[];
    return rows.map((r) => r.name);
  });
}

describe('preparedQuery', () => {
  const schema = `prep_${randomBytes(4).toString('hex')}`;
  // One connection each, so what the pool path prepares is visible from the next transaction.
  let named: DataSource;
  let unnamed: DataSource;

  beforeAll(async () => {
    named = await openServiceDatabase({ url: SERVER, schema, poolSize: 1, migrations: [] });
    unnamed = await openServiceDatabase({ url: SERVER, schema, poolSize: 1, migrations: [], namedStatements: false });
  });

  afterAll(async () => {
    await named?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await named?.destroy();
    await unnamed?.destroy();
  });

  it('runs as a named statement on the transaction connection, once prepared then reused', async () => {
    const names = await preparedNames(named, async (tx) => {
      expect(await preparedQuery(tx, SQL, [1])).toEqual([{ n: 2, schema }]);
      expect(await preparedQuery(tx, SQL, [41])).toEqual([{ n: 42, schema }]);
    });
    expect(names).toEqual([preparedStatementName(SQL)]);
  });

  it('runs straight on the pool outside a transaction, as a named statement', async () => {
    const other = `${SQL} -- pool`;
    expect(await preparedQuery(named.manager, other, [2])).toEqual([{ n: 3, schema }]);
    const names = await preparedNames(named, () => Promise.resolve());
    expect(names).toContain(preparedStatementName(other));
  });

  it('falls back to an unnamed statement where the database does not allow named ones', async () => {
    const names = await preparedNames(unnamed, async (tx) => {
      expect(await preparedQuery(tx, SQL, [1])).toEqual([{ n: 2, schema }]);
    });
    expect(names).toEqual([]);
    expect(await preparedQuery(unnamed.manager, SQL, [5])).toEqual([{ n: 6, schema }]);
    expect(await preparedNames(unnamed, () => Promise.resolve())).toEqual([]);
  });
});
