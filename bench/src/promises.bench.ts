import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Consumer, Kafka, Partitioners, Producer, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { Topic, ledger, promises } from '@collections/contracts';
import { buildHeaders } from '@collections/messaging';
import { freePort, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import {
  RunningProcess,
  createTestDatabase,
  provideInfrastructure,
  startProcess,
  waitFor,
  waitForHttp,
} from '@collections/testing';
import { percentile, progress, report } from './report';
import { analyzeDatabase } from './steady-state';

/**
 * npm run bench -- promises: the promises service as its own process (services/promises/dist,
 * distributed mode: Kafka and PostgreSQL) allocating PaymentPosted events to payment plans, each
 * payment keeping one instalment; measured from the payment's publication to its PromiseKept's
 * arrival on the promises topic (consumer, allocation, outbox, relay). Beside it, raw kafkajs doing
 * the same produce/consume (decode the payment, produce a PromiseKept), without a database.
 *
 * Throughput is measured twice on each side:
 * - `allocations_per_s`: the rate at which the service works off a backlog of payments already on
 *   the topic (published while it was stopped, then restarted), from the moment its consuming
 *   stage has worked off 10% of them to its last PromiseKept: what the service sustains on the
 *   machine's cores, allocation and relay together (`allocatedPerS`: allocation alone). In
 *   production the payments come from the ledger on its own machines; here a load generator
 *   publishing at the same time would take its share of the same 2 cores.
 * - `allocations_per_s_while_publishing`: payments published as fast as 4 producers can while the
 *   service consumes, to the last PromiseKept (load generator and service on the same cores).
 */
const BENCH = 'promises';
const TENANT = 'bench';
const API_KEY = 'bench-key';
const PLANS = Number(process.env.BENCH_PLANS ?? 4_000);
/** Payments per plan in each throughput run (each pays the next instalment of 24; two runs). */
const PER_PLAN = Number(process.env.BENCH_PAYMENTS_PER_PLAN ?? 12);
const INSTALMENTS = 24;
if (!(PER_PLAN >= 1 && 2 * PER_PLAN <= INSTALMENTS))
  throw new Error(`BENCH_PAYMENTS_PER_PLAN must be 1-${INSTALMENTS / 2}: two runs pay ${INSTALMENTS} instalments`);
const TOTAL = PLANS * PER_PLAN;
/** Payments per produce request in the throughput run (the load generator must not be what limits it). */
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const PRODUCERS = 4;
/** Paced rate for latency: at most this, and at most half the throughput ours sustained (a load it keeps up with). */
const MAX_RATE = Number(process.env.BENCH_RATE ?? 200);
const WARM_UP = 200;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const INSTALMENT = 1_000;
/** Extra node flags for the service and the raw pipe, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile them. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
/**
 * The service's OUTBOX_PUBLISHED: `delete` (this bench's default), as a service this busy would run
 * with the broker keeping the events; `keep` measures the default deployment (events kept a week).
 */
const OUTBOX_PUBLISHED = process.env.BENCH_OUTBOX_PUBLISHED ?? 'delete';
/**
 * The service's OUTBOX_RELAY_THREAD: `worker` (this bench's default), its relay publishing on a
 * thread of its own beside the consumers, as a service this busy would run; `main` measures the
 * default deployment (the relay on the event loop).
 */
const OUTBOX_RELAY_THREAD = process.env.BENCH_OUTBOX_RELAY_THREAD ?? 'worker';
/**
 * Processes consuming the payments on each side, in one consumer group (the 4 partitions shared
 * among them): the service's replicas, and as many raw pipes. 1 by default; a single Node process
 * uses one core, and a deployment scales the promises stage by adding replicas.
 */
const REPLICAS = Number(process.env.BENCH_REPLICAS ?? 1);
if (!(Number.isInteger(REPLICAS) && REPLICAS >= 1 && REPLICAS <= 4))
  throw new Error('BENCH_REPLICAS must be 1-4 (the topic has 4 partitions)');

/** Payment n of a run: which account it pays and the promise (instalment) it keeps. */
interface Payment {
  accountId: string;
  promiseId: string;
}

/** Counts the PromiseKept arriving on a topic and when each expected one did. */
class Observer {
  private consumer?: Consumer;
  readonly sentAt = new Map<string, number>();
  readonly latencies: number[] = [];
  /**
   * Where each latency went, from the PromiseKept's own stamps: `handled` until the service made
   * the event (its ce_time), `relayed` from then until the relay produced it (the record's
   * timestamp), `delivered` from then until it arrived here.
   */
  readonly parts = { handled: [] as number[], relayed: [] as number[], delivered: [] as number[] };
  /** When each expected PromiseKept arrived, in order of arrival. */
  readonly arrivals: number[] = [];
  seen = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
  ) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `observer-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 10 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      partitionsConsumedConcurrently: 4,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        for (const m of batch.messages) {
          if (m.headers?.ce_type?.toString() !== 'collections.promises.v1.PromiseKept') continue;
          const kept = promises.PromiseKept.decode(m.value!);
          const sent = this.sentAt.get(kept.promiseId);
          if (sent === undefined) continue;
          this.sentAt.delete(kept.promiseId);
          this.latencies.push(now - sent);
          this.arrivals.push(now);
          const made = Date.parse(m.headers?.ce_time?.toString() ?? '');
          const produced = Number(m.timestamp);
          if (Number.isFinite(made) && Number.isFinite(produced)) {
            this.parts.handled.push(made - sent);
            this.parts.relayed.push(produced - made);
            this.parts.delivered.push(now - produced);
          }
          this.seen++;
        }
      },
    });
  }

  reset(): void {
    this.seen = 0;
    this.latencies.length = 0;
    this.arrivals.length = 0;
    for (const list of Object.values(this.parts)) list.length = 0;
  }

  async waitFor(count: number, message: string): Promise<void> {
    await waitFor(() => this.seen >= count, { timeoutMs: 900_000, intervalMs: 5, message });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

async function send(producer: Producer, topic: string, observer: Observer, payments: Payment[]): Promise<void> {
  const now = Date.now();
  const messages = payments.map((p, i) => {
    observer.sentAt.set(p.promiseId, now);
    const payload = ledger.PaymentPosted.fromPartial({
      paymentId: `${p.promiseId}-${randomBytes(4).toString('hex')}-${i}`,
      accountId: p.accountId,
      amount: { amountMinor: INSTALMENT, currency: 'USD' },
      balanceAfter: { amountMinor: 0, currency: 'USD' },
      reference: p.promiseId,
      postedAt: new Date(now),
    });
    return {
      key: p.accountId,
      value: Buffer.from(ledger.PaymentPosted.encode(payload).finish()),
      headers: buildHeaders({
        type: 'collections.ledger.v1.PaymentPosted',
        source: '/collections/ledger',
        tenantId: TENANT,
        subject: p.accountId,
      }),
    };
  });
  await producer.send({ topic, acks: -1, messages });
}

/**
 * CPU time (user + system, ms) the PostgreSQL backends serving `database` use while it runs
 * (Linux /proc; NaN elsewhere). Sampled every 200 ms, since pooled connections come and go.
 */
function databaseCpu(database: string): { stop(): number } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let initial = true;
  const sample = () => {
    try {
      for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (!cmdline.startsWith('postgres:') || !cmdline.includes(` ${database} `)) continue;
          const ms = cpuMs(Number(pid));
          if (!Number.isFinite(ms)) continue;
          // A backend that appears later started during the run: all its CPU counts.
          if (!first.has(Number(pid))) first.set(Number(pid), initial ? ms : 0);
          last.set(Number(pid), ms);
        } catch {
          // gone meanwhile
        }
      }
    } catch {
      // no /proc: NaN
    }
  };
  sample();
  initial = false;
  const timer = setInterval(sample, 200);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      if (first.size === 0) return NaN;
      let total = 0;
      for (const [pid, ms] of last) total += ms - (first.get(pid) ?? 0);
      return total;
    },
  };
}

/**
 * Reads `count` every 20 ms. Resolves once it reached marks[0], with that moment (Date.now()) and
 * a promise of the moment it reached the last mark (reading on until then).
 */
async function sampleUntil(count: () => Promise<number>, marks: number[]): Promise<[number, Promise<number>]> {
  const reached: number[] = [];
  let resolveFirst!: (at: number) => void;
  const firstAt = new Promise<number>((r) => (resolveFirst = r));
  const rest = (async () => {
    for (;;) {
      const n = await count();
      const now = Date.now();
      while (reached.length < marks.length && n >= marks[reached.length]) {
        reached.push(now);
        if (reached.length === 1) resolveFirst(now);
      }
      if (reached.length === marks.length) return reached[marks.length - 1];
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  rest.catch(() => undefined); // surfaced by whoever awaits it
  return [await Promise.race([firstAt, rest]), rest];
}

/** CPU time (user + system, ms) a process used so far, where /proc tells (Linux); -Infinity elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return -Infinity;
  }
}

/** CPU time (ms) the processes used so far, together (-Infinity where one cannot say). */
function cpuMsOf(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
}

/** The Apache Kafka brokers running on this machine (`java … kafka.Kafka <config>`), where /proc tells. */
function brokerPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('kafka.Kafka');
        } catch {
          return false; // gone meanwhile
        }
      });
  } catch {
    return []; // no /proc
  }
}

interface Throughput {
  /** PromiseKept received per second. */
  rate: number;
  /** CPU of the consuming processes (together) and of PostgreSQL's backends per payment, µs (NaN where not measured). */
  cpuUs: number;
  dbCpuUs: number;
  /**
   * The same for the broker (a local one; NaN when none runs on this machine) and for this bench's
   * own process (its producers and the PromiseKept observer): with the two above, what a payment
   * costs the machine's cores.
   */
  brokerCpuUs: number;
  benchCpuUs: number;
  /**
   * The consuming stage's own rate where it can say (the service: plan payments written per
   * second between 10% and 90% of the backlog), however far the outbox relay lags behind it.
   */
  allocatedRate?: number;
}

interface Figures {
  whilePublishing: Throughput;
  backlog: Throughput;
  /** The paced rate of the latency run. */
  rate: number;
  latencies: number[];
  parts: Record<keyof Observer['parts'], number[]>;
}

type Run = 'warm-up' | 'throughput' | 'backlog' | 'latency';

/** The processes consuming the payments (the service's replicas, or the raw pipes): their pids, and a restart around `meanwhile`. */
interface PaymentConsumer {
  pids(): number[];
  /**
   * How many payments it has allocated so far (the service: plan payments written, read from
   * their identity sequence, which costs PostgreSQL nothing however many there are), when it can
   * say; the raw pipe cannot, and produces each PromiseKept as it consumes the payment anyway.
   */
  allocated?(): Promise<number>;
  /** Stops it, runs `meanwhile` (it consumes nothing then), starts it again on the same group. */
  restart(meanwhile: () => Promise<void>): Promise<void>;
}

/** Publishes payments 0..TOTAL-1 of a run with PRODUCERS concurrent producers, BATCH per request. */
async function publishAll(
  run: Run,
  produce: (payments: Payment[]) => Promise<void>,
  payment: (run: Run, n: number) => Payment,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < TOTAL) {
        const from = next;
        next = Math.min(TOTAL, next + BATCH);
        const batch: Payment[] = [];
        for (let n = from; n < next; n++) batch.push(payment(run, n));
        await produce(batch);
      }
    }),
  );
}

/**
 * Starts counting the CPU of the consuming processes and of PostgreSQL's backends (when `database`);
 * `stop(payments)` gives each per payment, in µs (NaN where not measured), and logs them.
 */
function meterCpu(name: string, consumer: PaymentConsumer, database: string | undefined) {
  const process0 = cpuMsOf(consumer.pids());
  const db = database ? databaseCpu(database) : undefined;
  const brokers = brokerPids();
  const broker0 = cpuMsOf(brokers);
  const bench0 = process.cpuUsage();
  const perPayment = (what: string, ms: number, payments: number) => {
    if (!(ms >= 0)) return NaN;
    const us = Math.round((1000 * ms) / payments);
    progress(`${name}: ${us} µs of ${what} CPU per payment`);
    return us;
  };
  return {
    stop: (payments: number): Pick<Throughput, 'cpuUs' | 'dbCpuUs' | 'brokerCpuUs' | 'benchCpuUs'> => {
      const bench = process.cpuUsage(bench0);
      return {
        cpuUs: perPayment(
          REPLICAS > 1 ? 'its processes' : 'its process',
          cpuMsOf(consumer.pids()) - process0,
          payments,
        ),
        dbCpuUs: perPayment("PostgreSQL's", db?.stop() ?? NaN, payments),
        brokerCpuUs: perPayment("the broker's", brokers.length > 0 ? cpuMsOf(brokers) - broker0 : NaN, payments),
        benchCpuUs: perPayment("the bench process's", (bench.user + bench.system) / 1000, payments),
      };
    },
  };
}

/**
 * A warm-up; then payments published as fast as the producers can while `consumer` works; then a
 * backlog published while it is stopped and worked off after a restart; then paced at
 * `rate(backlog rate)` for the latency. Payments come from `payment(run, n)`.
 */
async function measure(
  name: string,
  consumer: PaymentConsumer,
  database: string | undefined,
  observer: Observer,
  produce: (payments: Payment[]) => Promise<void>,
  payment: (run: Run, n: number) => Payment,
  rate: (throughput: number) => number,
): Promise<Figures> {
  progress(`${name}: warm-up`);
  const warm: Payment[] = [];
  for (let n = 0; n < WARM_UP; n++) warm.push(payment('warm-up', n));
  for (let i = 0; i < WARM_UP; i += BATCH) await produce(warm.slice(i, i + BATCH));
  await observer.waitFor(WARM_UP, `${name}: warm-up PromiseKept`);

  progress(`${name}: ${TOTAL} payments to ${PLANS} plans, published while it consumes`);
  observer.reset();
  const t0 = Date.now();
  let meter = meterCpu(name, consumer, database);
  await publishAll('throughput', produce, payment);
  progress(`${name}: published in ${Date.now() - t0} ms; ${observer.seen} PromiseKept so far`);
  await observer.waitFor(TOTAL, `${name}: every PromiseKept`);
  const whilePublishing: Throughput = { rate: TOTAL / ((Date.now() - t0) / 1000), ...meter.stop(TOTAL) };
  progress(`${name}: ${Math.round(whilePublishing.rate)} payments/s while publishing`);

  progress(`${name}: stopped; ${TOTAL} payments published as a backlog, then restarted`);
  observer.reset();
  const allocatedBefore = await consumer.allocated?.();
  await consumer.restart(() => publishAll('backlog', produce, payment));
  // From the moment the consuming stage has worked off 10% of the backlog (a restarted process
  // compiles its hot paths meanwhile) to the last PromiseKept: the whole pipeline's rate, payments
  // in to PromiseKept out. The service's stage is its allocation (plan payments written), which
  // may run far ahead of its outbox relay: counting from the 10% PromiseKept instead measured
  // little but the relay's catching up (an earlier version of this bench). The raw pipe produces
  // each PromiseKept as it consumes the payment: its 10% PromiseKept is the mark.
  const first = Math.ceil(TOTAL / 10);
  const last90 = Math.ceil((TOTAL * 9) / 10);
  let markAt: number;
  let allocatedRate: number | undefined;
  if (allocatedBefore !== undefined) {
    const at = await sampleUntil(async () => (await consumer.allocated!()) - allocatedBefore, [first, last90]);
    markAt = at[0];
    meter = meterCpu(name, consumer, database);
    allocatedRate = ((last90 - first) / ((await at[1]) - markAt)) * 1000;
    progress(`${name}: ${Math.round(allocatedRate)} payments/s allocated (10% to 90% of the backlog)`);
  } else {
    await observer.waitFor(first, `${name}: ${first} PromiseKept of the backlog`);
    markAt = observer.arrivals[first - 1];
    meter = meterCpu(name, consumer, database);
  }
  await observer.waitFor(TOTAL, `${name}: the backlog's every PromiseKept`);
  const backlog: Throughput = {
    rate: (TOTAL - first) / ((observer.arrivals[TOTAL - 1] - markAt) / 1000),
    ...meter.stop(TOTAL - first),
    allocatedRate,
  };

  const paced = rate(backlog.rate);
  progress(`${name}: ${Math.round(backlog.rate)} payments/s from the backlog; now ${paced}/s for ${LATENCY_SECONDS}s`);
  observer.reset();
  // Ticks of 10 ms, or longer at low rates, one payment or more each.
  const perTick = Math.max(1, Math.round(paced / 100));
  const tickMs = Math.max(10, Math.round((1000 * perTick) / paced));
  const start = Date.now();
  let sent = 0;
  for (let tick = 0; tick < (LATENCY_SECONDS * 1000) / tickMs; tick++) {
    const wait = start + tick * tickMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch: Payment[] = [];
    for (let i = 0; i < perTick; i++) batch.push(payment('latency', sent++));
    await produce(batch);
  }
  await observer.waitFor(sent, `${name}: paced PromiseKept`);
  const sorted = (list: number[]) => [...list].sort((a, b) => a - b);
  return {
    whilePublishing,
    backlog,
    rate: paced,
    latencies: sorted(observer.latencies),
    parts: {
      handled: sorted(observer.parts.handled),
      relayed: sorted(observer.parts.relayed),
      delivered: sorted(observer.parts.delivered),
    },
  };
}

function partsAt(parts: Figures['parts'], p: number): Record<keyof Figures['parts'], number> {
  return {
    handled: percentile(parts.handled, p),
    relayed: percentile(parts.relayed, p),
    delivered: percentile(parts.delivered, p),
  };
}

async function main(): Promise<void> {
  const infra = await provideInfrastructure({ kafka: true });
  const db = await createTestDatabase(infra.databaseUrl, 'bench');
  const prefix = `b${randomBytes(4).toString('hex')}.`;
  const kafka = new Kafka({ clientId: 'bench-promises', brokers: infra.kafkaBrokers, logLevel: logLevel.ERROR });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();

  // ours: the promises service, as it runs in distributed mode (REPLICAS processes).
  const ports: { http: number; grpc: number }[] = [];
  for (let r = 0; r < REPLICAS; r++) ports.push({ http: await freePort(), grpc: await freePort() });
  let services: RunningProcess[] = [];
  const startReplica = async ({ http, grpc }: { http: number; grpc: number }, replica: number): Promise<void> => {
    const started = startProcess(
      REPLICAS > 1 ? `promises-${replica}` : 'promises',
      process.execPath,
      [...NODE_ARGS, join(__dirname, '..', '..', 'services', 'promises', 'dist', 'main.js')],
      {
        DATABASE_URL: db.url,
        DB_POOL_SIZE: '10',
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        KAFKA_TOPIC_PREFIX: prefix,
        API_KEYS: `${TENANT}:${API_KEY}`,
        HTTP_HOST: '127.0.0.1',
        HTTP_PORT: String(http),
        GRPC_HOST: '127.0.0.1',
        GRPC_PORT: String(grpc),
        LOG_LEVEL: 'warn',
        PROMISES_DAILY_RUN_CHECK_MS: '0',
        OUTBOX_PUBLISHED,
        OUTBOX_RELAY_THREAD,
        OTEL_SDK_DISABLED: 'true',
      },
    );
    services.push(started);
    await waitForHttp(started, `http://127.0.0.1:${http}/ready`, 120_000);
  };
  // All at once: the consumer group forms with every replica before the backlog's 10% mark.
  const startService = async (): Promise<void> => {
    await Promise.all(ports.map(startReplica));
  };
  const stopService = async (): Promise<void> => {
    const running = services;
    services = [];
    await Promise.all(running.map((s) => s.stop()));
  };
  try {
    await startService();
    const client = grpcClient(promises.PromisesServiceService, `127.0.0.1:${ports[0].grpc}`);
    const md = () => metadataFromPrincipalHeaders({ apiKey: API_KEY });
    // Plans for each run: payments to a run's plans go round them, each paying the next instalment.
    const latencyPlans = Math.ceil((MAX_RATE * LATENCY_SECONDS) / 20);
    const ranges: Record<Run, { base: number; count: number }> = {
      throughput: { base: 0, count: PLANS },
      backlog: { base: 0, count: PLANS },
      latency: { base: PLANS, count: latencyPlans },
      'warm-up': { base: PLANS + latencyPlans, count: WARM_UP / 10 },
    };
    const allPlans = PLANS + latencyPlans + WARM_UP / 10;
    progress(`ours: agreeing ${allPlans} plans of 24 instalments over gRPC`);
    const planIds: string[] = [];
    let made = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (made < allPlans) {
          const i = made++;
          const { plan } = await client.createPlan(
            {
              accountId: `acct-${i}`,
              total: { amountMinor: 24 * INSTALMENT, currency: 'USD' },
              downPayment: undefined,
              instalments: 24,
              frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
              // Today as each plan is agreed: setup may run past midnight (UTC, the accounts' zone).
              firstDate: new Date().toISOString().slice(0, 10),
              channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
              takenBy: promises.TakenBy.TAKEN_BY_AGENT,
              agentId: 'bench',
              idempotencyKey: `bench-plan-${i}`,
            },
            md(),
          );
          planIds[i] = plan!.planId;
        }
      }),
    );
    client.close();
    await analyzeDatabase(db.url);
    // Payment n pays plan (n mod PLANS)'s next instalment; each account's payments stay in order (one key).
    const ourPayment = (run: Run, n: number): Payment => {
      const { base, count } = ranges[run];
      const i = base + (n % count);
      const instalment = 1 + (run === 'backlog' ? PER_PLAN : 0) + Math.floor(n / count);
      return { accountId: `acct-${i}`, promiseId: `${planIds[i]}/${instalment}` };
    };
    // The plan payments' identity sequence: its last value counts the payments written so far.
    const sequenceReader = new Client({ connectionString: db.url });
    await sequenceReader.connect();
    const paymentSequence = (
      await sequenceReader.query<{ seq: string }>(
        `SELECT pg_get_serial_sequence('promises.plan_payment', 'received_seq') AS seq`,
      )
    ).rows[0].seq;
    const oursObserver = new Observer(kafka, `${prefix}${Topic.PromisesPromise}`);
    await oursObserver.start();
    const ours = await measure(
      'ours',
      {
        pids: () => services.flatMap((s) => (s.child.pid === undefined ? [] : [s.child.pid])),
        allocated: async () => {
          const { rows } = await sequenceReader.query<{ n: string }>(`SELECT last_value AS n FROM ${paymentSequence}`);
          return Number(rows[0].n);
        },
        restart: async (meanwhile) => {
          await stopService();
          await meanwhile();
          await startService();
        },
      },
      db.name,
      oursObserver,
      (batch) => send(producer, `${prefix}${Topic.LedgerPayment}`, oursObserver, batch),
      ourPayment,
      (throughput) => Math.max(1, Math.min(MAX_RATE, Math.floor(throughput / 2))),
    );
    await oursObserver.stop();
    await sequenceReader.end();
    await stopService();

    // raw: kafkajs consume -> produce of the same records, same broker and partitions.
    const rawIn = `${prefix}raw.${Topic.LedgerPayment}`;
    const rawOut = `${prefix}raw.${Topic.PromisesPromise}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [rawIn, rawOut].map((topic) => ({ topic, numPartitions: 4, replicationFactor: 1 })),
    });
    await admin.disconnect();
    let pipes: ChildProcess[] = [];
    const startPipe = async () => {
      await Promise.all(
        Array.from({ length: REPLICAS }, async () => {
          const child = fork(
            join(__dirname, 'promises-raw-pipe.js'),
            [infra.kafkaBrokers.join(','), rawIn, rawOut, `raw-${prefix}`],
            { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: NODE_ARGS },
          );
          pipes.push(child);
          await new Promise<void>((resolve) => child.once('message', () => resolve()));
        }),
      );
    };
    const stopPipe = async () => {
      const running = pipes;
      pipes = [];
      await Promise.all(
        running.map(async (child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        }),
      );
    };
    await startPipe();
    const rawObserver = new Observer(kafka, rawOut);
    await rawObserver.start();
    const raw = await measure(
      'raw kafkajs',
      {
        pids: () => pipes.flatMap((p) => (p.pid === undefined ? [] : [p.pid])),
        restart: async (meanwhile) => {
          await stopPipe();
          await meanwhile();
          await startPipe();
        },
      },
      undefined,
      rawObserver,
      (batch) => send(producer, rawIn, rawObserver, batch),
      (run, n) => ({ accountId: `acct-${n % PLANS}`, promiseId: `raw-${run}-${n}` }),
      () => ours.rate,
    );
    await rawObserver.stop();
    await stopPipe();

    const cpu = (t: Throughput, baseline: Throughput) => ({
      cpuUsPerPayment: t.cpuUs,
      postgresCpuUsPerPayment: t.dbCpuUs,
      brokerCpuUsPerPayment: t.brokerCpuUs,
      benchCpuUsPerPayment: t.benchCpuUs,
      baselineCpuUsPerPayment: baseline.cpuUs,
      baselineBrokerCpuUsPerPayment: baseline.brokerCpuUs,
      baselineBenchCpuUsPerPayment: baseline.benchCpuUs,
    });
    report({
      bench: BENCH,
      metric: 'allocations_per_s',
      value: Math.round(ours.backlog.rate),
      unit: 'payments/s allocated to plans and their PromiseKept published, worked off a backlog on the topic (10% allocated to last PromiseKept received)',
      baseline: 'raw kafkajs consume+produce of the same backlog',
      baselineValue: Math.round(raw.backlog.rate),
      target: 10_000,
      payments: TOTAL,
      plans: PLANS,
      partitions: 4,
      outboxPublished: OUTBOX_PUBLISHED,
      relayThread: OUTBOX_RELAY_THREAD,
      replicas: REPLICAS,
      allocatedPerS: ours.backlog.allocatedRate === undefined ? undefined : Math.round(ours.backlog.allocatedRate),
      ...cpu(ours.backlog, raw.backlog),
    });
    report({
      bench: BENCH,
      metric: 'allocations_per_s_while_publishing',
      value: Math.round(ours.whilePublishing.rate),
      unit: 'payments/s allocated to plans, published by 4 producers on the same cores meanwhile (first published to last PromiseKept received)',
      baseline: 'raw kafkajs consume+produce',
      baselineValue: Math.round(raw.whilePublishing.rate),
      payments: TOTAL,
      outboxPublished: OUTBOX_PUBLISHED,
      relayThread: OUTBOX_RELAY_THREAD,
      replicas: REPLICAS,
      ...cpu(ours.whilePublishing, raw.whilePublishing),
    });
    for (const p of [50, 99]) {
      report({
        bench: BENCH,
        metric: `payment_to_promise_kept_p${p}_at_${ours.rate}_per_s`,
        value: percentile(ours.latencies, p),
        unit: 'ms (PaymentPosted published to PromiseKept received)',
        baseline: 'raw kafkajs consume+produce',
        baselineValue: percentile(raw.latencies, p),
        ...(p === 99 ? { target: 200 } : {}),
        samples: ours.latencies.length,
        outboxPublished: OUTBOX_PUBLISHED,
        relayThread: OUTBOX_RELAY_THREAD,
        replicas: REPLICAS,
        // the same percentile of each part (not additive): payment to event made, made to produced, produced to here
        parts: partsAt(ours.parts, p),
        baselineParts: partsAt(raw.parts, p),
      });
    }
  } catch (err) {
    for (const s of services) process.stderr.write(`--- promises output ---\n${s.output().slice(-4000)}\n`);
    throw err;
  } finally {
    await stopService();
    await producer.disconnect();
    await db.drop();
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
