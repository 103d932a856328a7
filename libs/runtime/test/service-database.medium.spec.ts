import { randomBytes } from 'node:crypto';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { openServiceDatabase } from '../src';

const SERVER = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const PLANS = 1_120;
const INSTALMENTS = 24;

/** The node types of a plan (EXPLAIN's JSON), depth first. */
function nodeTypes(plan: { 'Node Type': string; Plans?: unknown[] }): string[] {
  return [plan['Node Type'], ...((plan.Plans ?? []) as (typeof plan)[]).flatMap(nodeTypes)];
}

/**
 * A service's sessions price an index probe as a read from memory, not a disk seek: a batch's
 * unnest joined to a large table by its primary key (the promises consumer's instalment update,
 * the ledger's balance updates) probes the index for each of the batch's rows instead of hashing
 * the whole table for every batch.
 */
describe('openServiceDatabase sessions', () => {
  const schema = `svcdb_${randomBytes(4).toString('hex')}`;
  let tuned: DataSource;
  let stock: DataSource;

  beforeAll(async () => {
    tuned = await openServiceDatabase({ url: SERVER, schema, poolSize: 1, migrations: [] });
    stock = await openServiceDatabase({ url: SERVER, schema, poolSize: 1, migrations: [], randomPageCost: 4 });
    await tuned.query(`CREATE TABLE instalment (tenant_id text, plan_id int, seq int, paid_minor bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (tenant_id, plan_id, seq))`);
    await tuned.query(
      `INSERT INTO instalment (tenant_id, plan_id, seq) SELECT 't1', p, s FROM generate_series(1, $1) p, generate_series(1, $2) s`,
      [PLANS, INSTALMENTS],
    );
    await tuned.query(`ANALYZE instalment`);
  });

  afterAll(async () => {
    await tuned?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await tuned?.destroy();
    await stock?.destroy();
  });

  const batchUpdatePlan = async (ds: DataSource): Promise<string[]> => {
    const plans = Array.from({ length: 500 }, (_, i) => 1 + ((i * 7) % PLANS));
    const [row] = (await ds.query(
      `EXPLAIN (FORMAT JSON) UPDATE instalment i SET paid_minor = p.paid
         FROM unnest($1::int[], $2::int[], $3::bigint[]) AS p(plan_id, seq, paid)
        WHERE i.tenant_id = 't1' AND i.plan_id = p.plan_id AND i.seq = p.seq`,
      [plans, plans.map(() => 3), plans.map(() => 1_000)],
    )) as { 'QUERY PLAN': [{ Plan: { 'Node Type': string } }] }[];
    return nodeTypes(row['QUERY PLAN'][0].Plan);
  };

  it('run in the service schema with random page reads priced at 1.1 unless configured', async () => {
    expect(await tuned.query(`SELECT current_schema() AS s, current_setting('random_page_cost') AS c`)).toEqual([
      { s: schema, c: '1.1' },
    ]);
    expect(await stock.query(`SELECT current_setting('random_page_cost') AS c`)).toEqual([{ c: '4' }]);
  });

  it(`probe the primary key for each row of a 500-row batch against ${PLANS * INSTALMENTS} rows`, async () => {
    const tunedPlan = await batchUpdatePlan(tuned);
    expect(tunedPlan).toContain('Index Scan');
    expect(tunedPlan).not.toContain('Hash Join');
    // At PostgreSQL's default the same statement hashes the whole table: the setting is what decides.
    const stockPlan = await batchUpdatePlan(stock);
    expect(stockPlan).toContain('Hash Join');
    expect(stockPlan).toContain('Seq Scan');
  });
});

/**
 * Replicas of one service started together on a database it has never used: the first applies the
 * migrations, the others wait and find them applied. Before the migration lock, each applied them
 * and all but one failed to start (the promises bench's two replicas: a duplicate type).
 */
describe('openServiceDatabase by replicas starting together', () => {
  const schema = `svcrep_${randomBytes(4).toString('hex')}`;
  /** A migration that takes a while, so that the replicas' starts overlap inside it. */
  class SlowTable1764900000000 implements MigrationInterface {
    async up(qr: QueryRunner): Promise<void> {
      await qr.query('SELECT pg_sleep(0.3)');
      await qr.query('CREATE TABLE slow_made (at timestamptz NOT NULL DEFAULT now())');
      await qr.query('INSERT INTO slow_made DEFAULT VALUES');
    }
    async down(qr: QueryRunner): Promise<void> {
      await qr.query('DROP TABLE slow_made');
    }
  }
  const opened: DataSource[] = [];

  afterAll(async () => {
    await opened[0]?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all(opened.map((ds) => ds.destroy()));
  });

  it('all start, and each migration is applied once', async () => {
    const starts = await Promise.allSettled(
      [1, 2, 3].map(() =>
        openServiceDatabase({ url: SERVER, schema, poolSize: 1, migrations: [SlowTable1764900000000] }),
      ),
    );
    for (const start of starts) if (start.status === 'fulfilled') opened.push(start.value);
    expect(starts.map((s) => (s.status === 'rejected' ? String(s.reason) : 'started'))).toEqual([
      'started',
      'started',
      'started',
    ]);
    expect(await opened[0].query('SELECT count(*)::int AS n FROM slow_made')).toEqual([{ n: 1 }]);
    const applied = (await opened[0].query('SELECT name FROM migrations')) as { name: string }[];
    const names = applied.map((m) => m.name);
    expect(names.filter((n) => n === 'SlowTable1764900000000')).toHaveLength(1);
    expect(new Set(names).size).toBe(names.length);
  });
});
