import { randomBytes } from 'node:crypto';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ledger } from '@collections/contracts';
import {
  Backbone,
  Header,
  KafkaTransport,
  NewEvent,
  buildHeaders,
  messagingTablesMigration,
} from '@collections/messaging';
import { createTestDatabase, provideInfrastructure, waitFor } from '@collections/testing';
import { percentile, progress, report } from './report';

const BENCH = 'backbone';
const SCHEMA = 'bench';
const TOPIC = 'collections.ledger.payment.v1';
const KEYS = 64;
const TOTAL = Number(process.env.BENCH_EVENTS ?? 20_000);
const TX_SIZE = 100;
const RATE = 1_000; // events/s for the latency run
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);

class Noop1763900009999 implements MigrationInterface {
  async up(_q: QueryRunner): Promise<void> {}
  async down(_q: QueryRunner): Promise<void> {}
}

function payload(n: number) {
  const key = `acct-${n % KEYS}`;
  return {
    key,
    event: ledger.PaymentPosted.fromPartial({
      paymentId: `p-${n}`,
      accountId: key,
      amount: { amountMinor: 1000 + n, currency: 'USD' },
      balanceAfter: { amountMinor: 50_000 - n, currency: 'USD' },
      reference: `ref-${n}`,
      postedAt: new Date(),
    }),
  };
}

async function main(): Promise<void> {
  const infra = await provideInfrastructure({ kafka: true });
  const db = await createTestDatabase(infra.databaseUrl, 'bench');
  const prefix = `b${randomBytes(4).toString('hex')}.`;
  const ds = await new DataSource({
    type: 'postgres',
    url: db.url,
    poolSize: 12,
    migrations: [messagingTablesMigration(SCHEMA), Noop1763900009999],
  }).initialize();
  await ds.runMigrations();
  const transport = new KafkaTransport({
    brokers: infra.kafkaBrokers,
    clientId: 'bench',
    topicPrefix: prefix,
    maxWaitTimeMs: 10,
  });
  await transport.ensureTopics([], ['bench']);
  const tenantId = 'bench';

  // ---- ours: outbox insert -> relay -> Kafka -> inbox commit
  let committed = 0;
  const latencies: number[] = [];
  let measure = false;
  const backbone = new Backbone({
    service: 'bench',
    schema: SCHEMA,
    dataSource: ds,
    transport,
    relay: { pollIntervalMs: 5, batchSize: 1000 },
  });
  backbone.consume({
    topics: [TOPIC],
    handlers: { 'collections.ledger.v1.PaymentPosted': async () => undefined },
    afterCommit: (records) => {
      const now = Date.now();
      committed += records.length;
      if (measure) for (const r of records) latencies.push(now - Date.parse(r.headers[Header.Time]!));
    },
  });
  await backbone.start();
  // warm-up: let the group join and the producer connect
  await insertEvents(backbone, ds, tenantId, 0, 200);
  await waitFor(() => committed >= 200, { timeoutMs: 60_000, message: 'warm-up' });

  progress(`ours: ${TOTAL} events through outbox, relay, Kafka and inbox`);
  committed = 0;
  let t0 = Date.now();
  for (let n = 0; n < TOTAL; n += TX_SIZE) await insertEvents(backbone, ds, tenantId, n, Math.min(TX_SIZE, TOTAL - n));
  await waitFor(() => committed >= TOTAL, { timeoutMs: 600_000, intervalMs: 5, message: 'all events committed' });
  const oursSeconds = (Date.now() - t0) / 1000;
  const oursThroughput = TOTAL / oursSeconds;

  progress(`ours: latency at ${RATE} events/s for ${LATENCY_SECONDS}s`);
  committed = 0;
  measure = true;
  const pacedCount = await paced(RATE, LATENCY_SECONDS, async (n, count) =>
    insertEvents(backbone, ds, tenantId, n, count),
  );
  await waitFor(() => committed >= pacedCount, { timeoutMs: 120_000, message: 'paced events committed' });
  measure = false;
  const ours = [...latencies].sort((a, b) => a - b);
  await backbone.stop();
  await transport.close();

  // ---- raw kafkajs: produce + consume the same records on the same broker and topic layout
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: infra.kafkaBrokers, logLevel: logLevel.ERROR });
  const rawTopic = `${prefix}raw.${TOPIC}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: rawTopic, numPartitions: 4, replicationFactor: 1 }],
  });
  await admin.disconnect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `raw-${prefix}`, maxWaitTimeInMs: 10 });
  await consumer.connect();
  await consumer.subscribe({ topics: [rawTopic], fromBeginning: true });
  let rawConsumed = 0;
  const rawLatencies: number[] = [];
  let rawMeasure = false;
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      rawConsumed += batch.messages.length;
      if (rawMeasure) for (const m of batch.messages) rawLatencies.push(now - Number(m.timestamp));
    },
  });
  const rawSend = async (n: number, count: number) => {
    const messages = [];
    for (let i = n; i < n + count; i++) {
      const { key, event } = payload(i);
      const headers = buildHeaders({
        type: 'collections.ledger.v1.PaymentPosted',
        source: '/bench',
        tenantId,
        subject: key,
      });
      messages.push({ key, value: Buffer.from(ledger.PaymentPosted.encode(event).finish()), headers });
    }
    await producer.send({ topic: rawTopic, acks: -1, messages });
  };
  await rawSend(0, 200);
  await waitFor(() => rawConsumed >= 200, { timeoutMs: 60_000, message: 'raw warm-up' });
  progress(`raw kafkajs: ${TOTAL} events produced and consumed`);
  rawConsumed = 0;
  t0 = Date.now();
  for (let n = 0; n < TOTAL; n += TX_SIZE) await rawSend(n, Math.min(TX_SIZE, TOTAL - n));
  await waitFor(() => rawConsumed >= TOTAL, { timeoutMs: 600_000, intervalMs: 5, message: 'raw consumed' });
  const rawSeconds = (Date.now() - t0) / 1000;
  const rawThroughput = TOTAL / rawSeconds;
  progress(`raw kafkajs: latency at ${RATE} events/s`);
  rawConsumed = 0;
  rawMeasure = true;
  const rawPaced = await paced(RATE, LATENCY_SECONDS, rawSend);
  await waitFor(() => rawConsumed >= rawPaced, { timeoutMs: 120_000, message: 'raw paced consumed' });
  const raw = [...rawLatencies].sort((a, b) => a - b);
  await consumer.disconnect();
  await producer.disconnect();

  const common = { events: TOTAL, transactionSize: TX_SIZE, keys: KEYS, partitions: 4 };
  report({
    bench: BENCH,
    metric: 'throughput_ratio',
    value: round(oursThroughput),
    unit: 'events/s',
    baseline: 'raw kafkajs produce+consume',
    baselineValue: round(rawThroughput),
    ...common,
  });
  for (const p of [50, 99]) {
    report({
      bench: BENCH,
      metric: `latency_p${p}_at_${RATE}_per_s`,
      value: percentile(ours, p),
      unit: 'ms (outbox insert to inbox commit)',
      baseline: 'raw kafkajs produce to consume',
      baselineValue: percentile(raw, p),
      samples: ours.length,
    });
  }
  await ds.destroy();
  await db.drop();
  await infra.stop();
}

async function insertEvents(
  backbone: Backbone,
  ds: DataSource,
  tenantId: string,
  from: number,
  count: number,
): Promise<void> {
  const events: NewEvent<'collections.ledger.v1.PaymentPosted'>[] = [];
  for (let n = from; n < from + count; n++) {
    const { key, event } = payload(n);
    events.push({ type: 'collections.ledger.v1.PaymentPosted', key, tenantId, payload: event });
  }
  await ds.transaction((tx) => backbone.outbox.addMany(tx, events));
}

/** Sends `rate` events per second in 10 ms ticks for `seconds`; returns how many were sent. */
async function paced(
  rate: number,
  seconds: number,
  send: (n: number, count: number) => Promise<void>,
): Promise<number> {
  const perTick = rate / 100;
  const start = Date.now();
  let sent = 0;
  for (let tick = 0; tick < seconds * 100; tick++) {
    const due = start + tick * 10;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await send(1_000_000 + sent, perTick);
    sent += perTick;
  }
  return sent;
}

const round = (x: number) => Math.round(x);

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
