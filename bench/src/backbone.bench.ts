import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ledger } from '@collections/contracts';
import { Backbone, KafkaTransport, NewEvent, buildHeaders, messagingMigrations } from '@collections/messaging';
import { createTestDatabase, provideInfrastructure, waitFor } from '@collections/testing';
import { percentile, progress, report } from './report';

/**
 * npm run bench -- backbone: events/s and latency from outbox insert to inbox commit, beside
 * raw kafkajs produce + consume of the same records on the same broker and topic layout.
 * Producer side in this process, consumer side in a child process (as two services are).
 */
const BENCH = 'backbone';
const SCHEMA = 'bench';
const TOPIC = 'collections.ledger.payment.v1';
const KEYS = 64;
const TOTAL = Number(process.env.BENCH_EVENTS ?? 20_000);
const TX_SIZE = 100;
const PRODUCERS = Number(process.env.BENCH_PRODUCERS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = 1_000;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const TENANT = 'bench';

class BenchNoop1763900009999 implements MigrationInterface {
  async up(_q: QueryRunner): Promise<void> {}
  async down(_q: QueryRunner): Promise<void> {}
}

function event(n: number) {
  const key = `acct-${n % KEYS}`;
  return {
    key,
    payload: ledger.PaymentPosted.fromPartial({
      paymentId: `p-${n}`,
      accountId: key,
      amount: { amountMinor: 1000 + n, currency: 'USD' },
      balanceAfter: { amountMinor: 50_000 - n, currency: 'USD' },
      reference: `ref-${n}`,
      postedAt: new Date(),
    }),
  };
}

class ConsumerProcess {
  private readonly child: ChildProcess;
  private waiting = new Map<string, (msg: Record<string, unknown>) => void>();

  constructor() {
    this.child = fork(join(__dirname, 'backbone-consumer.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: Record<string, unknown>) => {
      if (msg.cmd === 'error') throw new Error(`consumer process: ${String(msg.message)}`);
      const resolve = this.waiting.get(String(msg.cmd));
      this.waiting.delete(String(msg.cmd));
      resolve?.(msg);
    });
  }

  ask(cmd: string, extra: object = {}, answer = cmd): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiting.set(answer, resolve);
      this.child.send({ cmd, ...extra });
    });
  }

  async consumed(): Promise<number> {
    return Number((await this.ask('stats')).consumed);
  }

  async waitFor(count: number, message: string): Promise<void> {
    await waitFor(async () => (await this.consumed()) >= count, { timeoutMs: 600_000, intervalMs: 10, message });
  }

  async latencies(): Promise<number[]> {
    return ((await this.ask('latencies')).latencies as number[]).sort((a, b) => a - b);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
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
    const wait = start + tick * 10 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await send(1_000_000 + sent, perTick);
    sent += perTick;
  }
  return sent;
}

interface Figures {
  throughput: number;
  latencies: number[];
}

/** Warm-up, then TOTAL events as fast as the producer can, then a paced run for latency. */
async function measure(
  name: string,
  consumer: ConsumerProcess,
  send: (n: number, count: number) => Promise<void>,
): Promise<Figures> {
  await send(0, 200);
  await consumer.waitFor(200, `${name} warm-up`);
  await consumer.ask('reset');
  // Throughput: ROUNDS rounds (median), each with PRODUCERS concurrent request handlers
  // writing TX_SIZE events at a time, as a service under load would.
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    progress(`${name}: ${TOTAL} events, round ${round + 1}/${ROUNDS}`);
    const t0 = Date.now();
    let next = (round + 1) * 10_000_000;
    const last = next + TOTAL;
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        while (next < last) {
          const from = next;
          next += TX_SIZE;
          await send(from, TX_SIZE);
        }
      }),
    );
    await consumer.waitFor(TOTAL, `${name} consumed`);
    rounds.push(TOTAL / ((Date.now() - t0) / 1000));
    await consumer.ask('reset');
  }
  const throughput = [...rounds].sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
  await consumer.ask('measure');
  progress(`${name}: ${RATE} events/s for ${LATENCY_SECONDS}s`);
  const sent = await paced(RATE, LATENCY_SECONDS, send);
  await consumer.waitFor(sent, `${name} paced consumed`);
  return { throughput, latencies: await consumer.latencies() };
}

async function main(): Promise<void> {
  const infra = await provideInfrastructure({ kafka: true });
  const db = await createTestDatabase(infra.databaseUrl, 'bench');
  const prefix = `b${randomBytes(4).toString('hex')}.`;
  const ds = await new DataSource({
    type: 'postgres',
    url: db.url,
    poolSize: 8,
    migrations: [...messagingMigrations(SCHEMA), BenchNoop1763900009999],
  }).initialize();
  await ds.runMigrations();
  const transport = new KafkaTransport({ brokers: infra.kafkaBrokers, clientId: 'bench', topicPrefix: prefix });
  await transport.ensureTopics([], ['bench']);

  const startConsumer = async (mode: 'ours' | 'raw') => {
    const consumer = new ConsumerProcess();
    const config = {
      mode,
      brokers: infra.kafkaBrokers,
      topicPrefix: prefix,
      topic: TOPIC,
      databaseUrl: db.url,
      schema: SCHEMA,
    };
    await consumer.ask('start', { config }, 'started');
    return consumer;
  };

  // ours: a service's transaction writes the events to its outbox; the relay publishes them.
  const backbone = new Backbone({
    service: 'bench',
    schema: SCHEMA,
    dataSource: ds,
    transport,
    relay: { pollIntervalMs: 5, batchSize: 1000 },
  });
  await backbone.start();
  const oursConsumer = await startConsumer('ours');
  const ours = await measure('ours', oursConsumer, async (from, count) => {
    const events: NewEvent<'collections.ledger.v1.PaymentPosted'>[] = [];
    for (let n = from; n < from + count; n++) {
      const { key, payload } = event(n);
      events.push({ type: 'collections.ledger.v1.PaymentPosted', key, tenantId: TENANT, payload });
    }
    await ds.transaction((tx) => backbone.outbox.addMany(tx, events));
  });
  oursConsumer.stop();
  await backbone.stop();
  await transport.close();

  // raw: kafkajs produce + consume of the same records, same broker and partitions.
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
  const rawConsumer = await startConsumer('raw');
  const raw = await measure('raw kafkajs', rawConsumer, async (from, count) => {
    const messages = [];
    for (let n = from; n < from + count; n++) {
      const { key, payload } = event(n);
      const headers = buildHeaders({
        type: 'collections.ledger.v1.PaymentPosted',
        source: '/bench',
        tenantId: TENANT,
        subject: key,
      });
      messages.push({ key, value: Buffer.from(ledger.PaymentPosted.encode(payload).finish()), headers });
    }
    await producer.send({ topic: rawTopic, acks: -1, messages });
  });
  rawConsumer.stop();
  await producer.disconnect();

  const layout = {
    events: TOTAL,
    perTransaction: TX_SIZE,
    producers: PRODUCERS,
    rounds: ROUNDS,
    keys: KEYS,
    partitions: 4,
  };
  report({
    bench: BENCH,
    metric: 'throughput_ratio',
    value: Math.round(ours.throughput),
    unit: 'events/s (outbox insert to inbox commit)',
    baseline: 'raw kafkajs produce+consume',
    baselineValue: Math.round(raw.throughput),
    ...layout,
  });
  for (const p of [50, 99]) {
    report({
      bench: BENCH,
      metric: `latency_p${p}_at_${RATE}_per_s`,
      value: percentile(ours.latencies, p),
      unit: 'ms (outbox insert to inbox commit)',
      baseline: 'raw kafkajs produce to consume',
      baselineValue: percentile(raw.latencies, p),
      samples: ours.latencies.length,
    });
  }
  await ds.destroy();
  await db.drop();
  await infra.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
