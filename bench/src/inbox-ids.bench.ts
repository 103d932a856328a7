import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { messagingMigrations } from '@collections/messaging';
import { arrayOf, orderedUuid } from '@collections/platform';
import { createTestDatabase } from '@collections/testing';
import { percentile, progress, report } from './report';

/**
 * npm run bench -- inbox-ids: what the kind of event id costs every consumer's inbox. Event ids
 * are recorded the way a consumer records a batch (one INSERT of the batch's ids from unnest, ON
 * CONFLICT DO NOTHING, a transaction per batch) into a service's inbox (made by its real
 * migrations) that already holds BENCH_PREFILL ids: time-ordered UUIDs (`orderedUuid`, what the
 * outbox and `buildHeaders` give events) beside random version-4 UUIDs (`randomUUID`, what they gave
 * before), each kind into a fresh inbox, alternating for BENCH_ROUNDS rounds. Figures are ids/s,
 * the median of the rounds; the index size is the inbox's primary key after the run.
 */
const IDS = Number(process.env.BENCH_IDS ?? 240_000);
const PREFILL = Number(process.env.BENCH_PREFILL ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 600);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

type Kind = 'ordered' | 'random';
const MAKE: Record<Kind, () => string> = { ordered: orderedUuid, random: randomUUID };

async function oneRound(url: string, kind: Kind, round: number): Promise<{ perS: number; indexBytes: number }> {
  const schema = `inbox_${kind}_${round}`;
  const ds = new DataSource({
    type: 'postgres',
    url,
    migrations: messagingMigrations(schema),
    migrationsTableName: `${schema}_migrations`,
  });
  await ds.initialize();
  try {
    await ds.runMigrations();
    const record = (ids: string[]) =>
      ds.transaction((tx) =>
        tx.query(
          `INSERT INTO ${schema}.inbox (consumer, event_id, tenant_id, outcome)
           SELECT $1, id, $3, 'processed' FROM unnest($2::text[]) AS id ON CONFLICT DO NOTHING`,
          ['bench-consumer', arrayOf(ids, (id) => id), 'bench'],
        ),
      );
    const make = MAKE[kind];
    for (let n = 0; n < PREFILL; n += 10_000) await record(Array.from({ length: Math.min(10_000, PREFILL - n) }, make));
    await ds.query('CHECKPOINT');
    const started = process.hrtime.bigint();
    for (let n = 0; n < IDS; n += BATCH) await record(Array.from({ length: Math.min(BATCH, IDS - n) }, make));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [{ bytes }] = (await ds.query(`SELECT pg_relation_size($1::regclass)::bigint AS bytes`, [
      `${schema}.inbox_pkey`,
    ])) as { bytes: string }[];
    await ds.query(`DROP SCHEMA ${schema} CASCADE`);
    return { perS: IDS / seconds, indexBytes: Number(bytes) };
  } finally {
    await ds.destroy();
  }
}

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function main(): Promise<void> {
  const db = await createTestDatabase(undefined, 'bench');
  const runs: Record<Kind, { perS: number; indexBytes: number }[]> = { ordered: [], random: [] };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const kind of ['random', 'ordered'] as const) {
        const r = await oneRound(db.url, kind, round);
        runs[kind].push(r);
        progress(`round ${round + 1}/${ROUNDS}, ${kind} ids: ${Math.round(r.perS)} ids/s`);
      }
    }
  } finally {
    await db.drop();
  }
  const [ordered, random] = [runs.ordered, runs.random].map((rs) => ({
    perS: median(rs.map((r) => r.perS)),
    indexBytes: median(rs.map((r) => r.indexBytes)),
  }));
  report({
    bench: 'inbox-ids',
    metric: 'inbox_ids_per_s',
    value: Math.round(ordered.perS),
    unit: `event ids/s recorded in an inbox holding ${PREFILL}, batches of ${BATCH} (time-ordered ids)`,
    baseline: 'the same with random version-4 UUIDs, same server, same run',
    baselineValue: Math.round(random.perS),
    rounds: ROUNDS,
    ids: IDS,
    indexMb: Number((ordered.indexBytes / 1e6).toFixed(1)),
    baselineIndexMb: Number((random.indexBytes / 1e6).toFixed(1)),
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
