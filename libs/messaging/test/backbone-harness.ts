import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import { ledger } from '@collections/contracts';
import { currentTraceId, currentTraceparent, withSpanFrom } from '@collections/platform';
import { canConnect, createTestDatabase, TestDatabase, waitFor } from '@collections/testing';
import {
  Backbone,
  BackboneOptions,
  ConsumedEvent,
  EventConsumer,
  HandlerContext,
  IN_PROCESS_LOG_MIGRATIONS,
  InProcessTransport,
  KafkaTransport,
  RelayThreadOptions,
  Transport,
  messagingMigrations,
} from '../src';

export const SERVICE = 'svc';
export const PAYMENT_TOPIC = 'collections.ledger.payment.v1';

class EffectTable1763900000002 implements MigrationInterface {
  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE svc.effect (seq bigserial PRIMARY KEY, event_id text NOT NULL, key text NOT NULL, n integer NOT NULL, tenant_id text NOT NULL)`,
    );
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE svc.effect');
  }
}

export interface TransportKind {
  name: 'kafka' | 'in-process';
  make(ds: DataSource, clientId: string, topicPrefix: string): Transport;
  /** Backbones publish their outbox from a relay thread of their own (RelayThread; Kafka only). */
  relayThread?: boolean;
}

const kafkaBrokers = () => process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

export const kafkaKind: TransportKind = {
  name: 'kafka',
  make: (_ds, clientId, topicPrefix) =>
    new KafkaTransport({
      brokers: kafkaBrokers().split(','),
      clientId,
      topicPrefix,
      sessionTimeoutMs: 6_000,
      maxWaitTimeMs: 50,
    }),
};

/** Kafka, each backbone's relay on a worker thread of its own (OUTBOX_RELAY_THREAD=worker). */
export const kafkaRelayThreadKind: TransportKind = { ...kafkaKind, relayThread: true };

export const inProcessKind: TransportKind = {
  name: 'in-process',
  make: (ds) => new InProcessTransport({ dataSource: ds, pollIntervalMs: 10 }),
};

export interface Effect {
  event_id: string;
  key: string;
  n: number;
}

/** One isolated backbone world: its own database, topic prefix and tenant. */
export class BackboneHarness {
  readonly tenant = `tenant-${randomBytes(4).toString('hex')}`;
  readonly topicPrefix = `t${randomBytes(4).toString('hex')}.`;
  /** Trace id active in the handler, by payment number. */
  readonly traceIds = new Map<number, string | undefined>();
  db!: TestDatabase;
  ds!: DataSource;
  private readonly transports: Transport[] = [];
  private readonly backbones: Backbone[] = [];

  constructor(readonly kind: TransportKind) {}

  async open(): Promise<void> {
    this.db = await createTestDatabase(undefined, 'backbone');
    this.ds = await new DataSource({
      type: 'postgres',
      url: this.db.url,
      poolSize: 10,
      migrations: [...messagingMigrations(SERVICE), ...IN_PROCESS_LOG_MIGRATIONS, EffectTable1763900000002],
    }).initialize();
    await this.ds.runMigrations();
    if (this.kind.name === 'kafka') {
      // kafkajs would retry an absent broker until the test's timeout, which reads as a hang.
      const [host, port] = kafkaBrokers().split(',')[0].split(':');
      if (!(await canConnect(host, Number(port), 3_000)))
        throw new Error(
          `No Kafka broker at ${kafkaBrokers()}: \`npm test\` starts one; run alone, start deploy/local/kafka/kafka.sh or set KAFKA_BROKERS`,
        );
      const admin = this.kind.make(this.ds, 'setup', this.topicPrefix) as KafkaTransport;
      await admin.ensureTopics([], [SERVICE]);
      await admin.close();
    }
  }

  async close(): Promise<void> {
    for (const b of this.backbones) await b.stop();
    for (const t of this.transports) await t.close();
    await this.ds?.destroy();
    await this.db?.drop();
  }

  transport(clientId = 'test'): Transport {
    const t = this.kind.make(this.ds, clientId, this.topicPrefix);
    this.transports.push(t);
    return t;
  }

  backbone(
    options: {
      transport?: Transport;
      runRelay?: boolean;
      relay?: BackboneOptions['relay'];
      inbox?: BackboneOptions['inbox'];
      deadLetters?: BackboneOptions['deadLetters'];
      logger?: BackboneOptions['logger'];
      onDeadLetter?: NonNullable<BackboneOptions['hooks']>['onDeadLetter'];
      onPublishFailed?: NonNullable<BackboneOptions['hooks']>['onPublishFailed'];
      /** The relay thread's settings over the harness's (its Kafka, its watchdog). */
      relayThread?: { kafka?: Partial<RelayThreadOptions['kafka']>; stallMs?: number };
    } = {},
  ): Backbone {
    const b = new Backbone({
      service: SERVICE,
      schema: SERVICE,
      dataSource: this.ds,
      transport: options.transport ?? this.transport(),
      runRelay: options.runRelay,
      relay: { pollIntervalMs: 10, ...options.relay },
      inbox: options.inbox,
      deadLetters: options.deadLetters,
      logger: options.logger,
      traceparent: currentTraceparent,
      relayThread: this.kind.relayThread
        ? {
            database: { url: this.db.url, schema: SERVICE },
            kafka: {
              brokers: kafkaBrokers().split(','),
              clientId: 'relay-thread',
              topicPrefix: this.topicPrefix,
              ...options.relayThread?.kafka,
            },
            stallMs: options.relayThread?.stallMs,
          }
        : undefined,
      hooks: {
        around: (event, fn) => withSpanFrom(`consume ${event.type}`, { traceparent: event.traceparent }, fn),
        onDeadLetter: options.onDeadLetter,
        onPublishFailed: options.onPublishFailed,
      },
    });
    this.backbones.push(b);
    return b;
  }

  /** A consumer that records each PaymentPosted it applies in svc.effect. */
  effectConsumer(
    b: Backbone,
    options: {
      failFor?: (n: number) => boolean;
      maxAttempts?: number;
      /** Set-based: whole batches of at most `maxBatchSize` go to one handler call, whose sizes land in `sizes`. */
      whole?: { maxBatchSize: number; sizes: number[] };
    } = {},
  ): EventConsumer {
    const apply = async (event: ConsumedEvent, tx: EntityManager) => {
      const n = (event.payload as ledger.PaymentPosted).amount?.amountMinor ?? -1;
      if (options.failFor?.(n)) throw new Error(`handler refuses payment ${n}`);
      this.traceIds.set(n, currentTraceId());
      await tx.query('INSERT INTO svc.effect (event_id, key, n, tenant_id) VALUES ($1, $2, $3, $4)', [
        event.id,
        event.key,
        n,
        event.tenantId,
      ]);
    };
    const whole = options.whole;
    return b.consume({
      topics: [PAYMENT_TOPIC],
      maxAttempts: options.maxAttempts ?? 3,
      baseBackoffMs: 10,
      handlers: { 'collections.ledger.v1.PaymentPosted': (event, { tx }) => apply(event, tx) },
      ...(whole && {
        maxBatchSize: whole.maxBatchSize,
        // Set-based, as a projection is: one statement for the batch (5,000 INSERTs one after
        // another made the 5,000-event tests crawl when CI's CPU was scarce).
        wholeBatchHandler: async (events: ConsumedEvent[], { tx }: HandlerContext) => {
          whole.sizes.push(events.length);
          const ns = events.map((e) => (e.payload as ledger.PaymentPosted).amount?.amountMinor ?? -1);
          const refused = ns.find((n) => options.failFor?.(n));
          if (refused !== undefined) throw new Error(`handler refuses payment ${refused}`);
          for (const n of ns) this.traceIds.set(n, currentTraceId());
          await tx.query(
            `INSERT INTO svc.effect (event_id, key, n, tenant_id)
             SELECT e, k, n, t FROM unnest($1::text[], $2::text[], $3::int[], $4::text[]) WITH ORDINALITY AS u (e, k, n, t, o) ORDER BY o`,
            [events.map((e) => e.id), events.map((e) => e.key), ns, events.map((e) => e.tenantId)],
          );
        },
      }),
    });
  }

  async publishPayments(b: Backbone, numbers: number[], keys = 5): Promise<string[]> {
    return this.ds.transaction((tx) =>
      b.outbox.addMany(
        tx,
        numbers.map((n) => {
          const key = `acct-${n % keys}`;
          return {
            type: 'collections.ledger.v1.PaymentPosted' as const,
            key,
            tenantId: this.tenant,
            payload: ledger.PaymentPosted.fromPartial({
              paymentId: `p-${n}`,
              accountId: key,
              reference: String(n),
              amount: { amountMinor: n, currency: 'USD' },
            }),
          };
        }),
      ),
    );
  }

  async effects(): Promise<Effect[]> {
    return (await this.ds.query('SELECT event_id, key, n FROM svc.effect ORDER BY seq')) as Effect[];
  }

  async waitForEffects(count: number, timeoutMs = 60_000): Promise<Effect[]> {
    await waitFor(async () => (await this.effects()).length >= count, { timeoutMs, message: `${count} effects` });
    return this.effects();
  }

  /** Runs the crash fixture in its own process and resolves with how it ended. */
  runChild(
    mode: string,
    extra: Record<string, string> = {},
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; child: ChildProcess }> {
    const child = fork(join(__dirname, 'fixtures', 'backbone-child.js'), [], {
      env: {
        ...process.env,
        MODE: mode,
        DATABASE_URL: this.db.url,
        TRANSPORT: this.kind.name,
        TOPIC_PREFIX: this.topicPrefix,
        TENANT: this.tenant,
        KAFKA_BROKERS: kafkaBrokers(),
        ...extra,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, child })));
  }
}

/** Per key, the numbers in the order they were first applied. */
export function appliedOrderByKey(effects: Effect[]): Map<string, number[]> {
  const byKey = new Map<string, number[]>();
  for (const e of effects) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.n]);
  return byKey;
}
