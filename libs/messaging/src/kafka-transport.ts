import {
  Admin,
  ConfigResourceTypes,
  Consumer,
  IHeaders,
  Kafka,
  KafkaConfig,
  logLevel,
  Partitioners,
  Producer,
} from 'kafkajs';
import { EVENTS, deadLetterTopic } from '@collections/contracts';
import {
  InboundRecord,
  LogEnds,
  MessagingLogger,
  OutboundRecord,
  SubscribeOptions,
  Subscription,
  TopicLag,
  Transport,
  UndeliverableRecordError,
  silentLogger,
} from './transport';

/** Room a fetch leaves per record of a batch: an event with its CloudEvents headers is some 400 bytes. */
const FETCH_BYTES_PER_RECORD = 1_024;
/** The most one produce request carries: half the broker's default message.max.bytes (1 MiB), for framing. */
const PRODUCE_REQUEST_BYTES = 524_288;

/**
 * The broker's answer to a record batch over its size limit (kafkajs: the protocol error, or a
 * non-retriable error carrying it as its cause).
 */
function isTooLarge(err: unknown): boolean {
  for (let e = err as { type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 3; depth++) {
    if (e.type === 'MESSAGE_TOO_LARGE' || e.type === 'RECORD_LIST_TOO_LARGE') return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** What a record takes in a produce request, near enough: key, value, headers and some framing. */
function recordBytes(r: OutboundRecord): number {
  let n = 64 + r.key.length + (r.payload?.length ?? 0);
  for (const name in r.headers) n += name.length + (r.headers[name]?.length ?? 0) + 4;
  return n;
}

/** How long a publish waits for the broker's acknowledgement unless told otherwise (`publishTimeoutMs`). */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 30_000;

/** A consumer kafkajs will not restart is started again after this, doubling up to the most. */
const CONSUMER_RESTART_MS = 1_000;
const CONSUMER_RESTART_MAX_MS = 30_000;

/**
 * What a subscription hears of its consumer: created (the one it now runs, before it connects),
 * crashed (kafkajs restarts it or not), joined its group.
 */
type ConsumerNews = { type: 'created' } | { type: 'crash'; error: Error; restart: boolean } | { type: 'joined' };

/** kafkajs' own fetch limits: 1 MiB per partition, 10 MiB per fetch. */
const FETCH_BYTES_PER_PARTITION = 1_048_576;
const FETCH_BYTES = 10_485_760;

/**
 * How much one fetch may bring: enough for a whole batch of `maxBatchSize` records per partition
 * (and for each partition consumed side by side), never less than kafkajs' defaults. At 1 MiB a
 * partition, a set-based consumer asking for 5,000 records of some 300 bytes got 3,500, then
 * 1,500: its batches were cut wherever a fetch ended, whatever it asked for.
 */
function fetchBytes(
  maxBatchSize: number | undefined,
  partitions: number,
): { maxBytesPerPartition: number; maxBytes: number } {
  const maxBytesPerPartition = Math.max(FETCH_BYTES_PER_PARTITION, (maxBatchSize ?? 0) * FETCH_BYTES_PER_RECORD);
  return { maxBytesPerPartition, maxBytes: Math.max(FETCH_BYTES, maxBytesPerPartition * partitions) };
}

export interface KafkaTransportOptions {
  brokers: string[];
  clientId: string;
  logger?: MessagingLogger;
  /** Partitions for topics this transport creates. */
  partitions?: number;
  sessionTimeoutMs?: number;
  /**
   * Longest the broker holds a fetch while no data comes (default 500 ms, Kafka's own default). It
   * answers as soon as a record arrives, so this sets how often an idle consumer asks, not how
   * late it sees a record; it also bounds how long stopping a consumer waits for its fetch.
   */
  maxWaitTimeMs?: number;
  partitionsConsumedConcurrently?: number;
  kafka?: Partial<KafkaConfig>;
  /** How often resolved offsets are committed (they are resolved only after the inbox commit). */
  autoCommitIntervalMs?: number;
  /**
   * Prepended to every topic name and consumer group id on the wire (isolates platforms sharing
   * one broker: without it on the groups, two platforms' "promises" consumers would join one
   * group and be handed each other's partitions).
   */
  topicPrefix?: string;
  /** Longest a publish may wait for the broker's acknowledgement before it counts as failed. */
  publishTimeoutMs?: number;
}

/**
 * Kafka with kafkajs: an idempotent producer with acks=all, and consumers on eachBatch that
 * commit offsets only after the batch's inbox transaction committed.
 */
export class KafkaTransport implements Transport {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private producer?: Producer;
  private connecting?: Promise<Producer>;
  /** The producer `connecting` connects (disconnected if that connect is abandoned). */
  private connectingProducer?: Producer;
  /** The running subscriptions, stopped by `close()`. */
  private readonly subscriptions = new Set<Subscription>();
  private readonly logger: MessagingLogger;
  /** Connected on the first lag question and kept for the next scrapes. */
  private admin?: Promise<Admin>;

  constructor(private readonly options: KafkaTransportOptions) {
    this.logger = options.logger ?? silentLogger;
    const logger = this.logger;
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log }) => {
          const { message, ...extra } = log;
          const entry = { kafkajs: extra };
          if (level <= logLevel.ERROR) logger.error(entry, `kafkajs: ${message}`);
          else logger.warn(entry, `kafkajs: ${message}`);
        },
      retry: { initialRetryTime: 100, retries: 8 },
      ...options.kafka,
    });
  }

  /**
   * Creates every registry topic and the given services' dead-letter topics if missing.
   * Several services start at once and create the same topics: a topic another client is
   * still creating ("does not host this topic-partition", "already exists") is retried.
   */
  async ensureTopics(extraTopics: string[] = [], services: string[] = []): Promise<void> {
    const wanted = new Set<string>(
      [...Object.values(EVENTS).map((e) => e.topic), ...services.map((s) => deadLetterTopic(s)), ...extraTopics].map(
        (t) => this.wire(t),
      ),
    );
    for (let attempt = 1; ; attempt++) {
      const admin: Admin = this.kafka.admin();
      try {
        await admin.connect();
        const existing = new Set(await admin.listTopics());
        const missing = [...wanted].filter((t) => !existing.has(t));
        if (missing.length > 0) {
          await admin.createTopics({
            waitForLeaders: true,
            topics: missing.map((topic) => ({
              topic,
              numPartitions: this.options.partitions ?? 4,
              replicationFactor: 1,
            })),
          });
        }
        await admin.fetchTopicMetadata({ topics: [...wanted] });
        return;
      } catch (err) {
        if (attempt >= 15) throw err;
        this.logger.warn({ err, attempt }, 'topics not ready yet; retrying');
        await new Promise((r) => setTimeout(r, Math.min(2_000, 100 * 2 ** attempt)));
      } finally {
        await admin.disconnect();
      }
    }
  }

  /**
   * Publishes in order, in produce requests of at most PRODUCE_REQUEST_BYTES (a record larger than
   * that goes alone), one after another. A partition's share of one request is one record batch,
   * and the broker refuses a batch over its message.max.bytes (1 MiB by default): the relay, which
   * hands over every row it claimed, retried the same claim for ever: claims of 5,000 PromiseKept
   * over 4 partitions wedged the promises bench's outbox, 5,000 small events of one key the test's.
   */
  async publish(records: OutboundRecord[]): Promise<void> {
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const size = recordBytes(records[i]);
      if (i > from && bytes + size > PRODUCE_REQUEST_BYTES) {
        await this.produceOrSplit(records, from, i);
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < records.length) await this.produceOrSplit(records, from, records.length);
  }

  /**
   * records[from, to) in one request; should the broker find it too large (a limit below
   * PRODUCE_REQUEST_BYTES), in two halves, one after the other, down to a single record, which
   * it then refuses for good: UndeliverableRecordError names it (its index in `records`).
   */
  private async produceOrSplit(records: OutboundRecord[], from: number, to: number): Promise<void> {
    try {
      await this.produce(from === 0 && to === records.length ? records : records.slice(from, to));
    } catch (err) {
      if (!isTooLarge(err)) throw err;
      if (to - from === 1) {
        throw new UndeliverableRecordError(
          from,
          `the broker refuses the record as too large (about ${recordBytes(records[from])} bytes; ` +
            `its message.max.bytes, or the topic's max.message.bytes, is lower): ${(err as Error).message}`,
        );
      }
      const half = from + Math.ceil((to - from) / 2);
      await this.produceOrSplit(records, from, half);
      await this.produceOrSplit(records, half, to);
    }
  }

  /** One produce request (acks=all), with a deadline that covers connecting the producer too. */
  private async produce(records: OutboundRecord[]): Promise<void> {
    const byTopic = new Map<string, OutboundRecord[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push(r);
      byTopic.set(r.topic, list);
    }
    // A send in flight when the broker restarts can stay pending for ever in kafkajs (neither
    // resolved nor rejected), and the outbox relay that awaits it would hold its claim and stop
    // publishing for good. So a send has a deadline, and a producer that failed one is replaced:
    // the relay retries the rows (still unpublished) on a fresh connection; consumers' inboxes
    // drop whatever the wedged producer did deliver. Connecting can wedge the same way (a broker
    // that accepts the connection and never answers, or resets it mid-handshake: kafkajs's
    // connect then waits for ever), so the deadline starts before the producer is asked for, and
    // a connect that misses it is abandoned: the next publish connects afresh.
    const timeoutMs = this.options.publishTimeoutMs ?? DEFAULT_PUBLISH_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`kafka publish not acknowledged within ${timeoutMs} ms`)), timeoutMs);
    });
    const connecting = this.getProducer();
    let producer: Producer | undefined;
    try {
      producer = await Promise.race([connecting, deadline]);
      await Promise.race([
        producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic: this.wire(topic),
            messages: list.map((r) => ({ key: r.key, value: r.payload, headers: r.headers })),
          })),
        }),
        deadline,
      ]);
    } catch (err) {
      if (!producer) this.abandonConnect(connecting);
      else if (!isTooLarge(err)) this.dropProducer(producer); // the broker answered: the connection is fine
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Forgets a connect that did not finish in time (or failed), so the next publish starts another. */
  private abandonConnect(connecting: Promise<Producer>): void {
    if (this.connecting !== connecting || this.producer) return;
    this.connecting = undefined;
    const producer = this.connectingProducer;
    this.connectingProducer = undefined;
    producer?.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'kafka producer did not disconnect'));
  }

  /** Forgets a producer that failed a send, so the next publish connects a new one. */
  private dropProducer(producer: Producer): void {
    if (this.producer !== producer) return;
    this.producer = undefined;
    this.connecting = undefined;
    producer.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'kafka producer did not disconnect'));
  }

  /**
   * One consumer of the group on the topics, run until `stop()`. kafkajs restarts a consumer that
   * crashed on a retriable error itself, but not one that crashed on any other: after a broker
   * restart a rejoining group met `KafkaJSNonRetriableError: Failed to find group coordinator`,
   * and the service went on running without consuming that topic, for good. A handler's
   * TypeError does the same. So a crash kafkajs will not restart is met here: a new consumer of
   * the same group starts, after a backoff (1 s, doubling to 30 s, back to 1 s once it joins),
   * and resumes from the group's committed offsets; the inbox drops what it redelivers.
   */
  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    let stopping = false;
    let current: Consumer | undefined;
    let restartTimer: NodeJS.Timeout | undefined;
    /** A restart under way: `stop()` waits for it, then stops what it started. */
    let restarting: Promise<void> | undefined;
    let failures = 0;
    const where = { groupId: options.groupId, topics: options.topics };
    const restartLater = (err: unknown): void => {
      failures++;
      const delayMs = Math.min(CONSUMER_RESTART_MAX_MS, CONSUMER_RESTART_MS * 2 ** (failures - 1));
      this.logger.error(
        { err, ...where, attempt: failures, delayMs },
        'kafka consumer stopped and kafkajs will not restart it; starting a new one',
      );
      restartTimer = setTimeout(() => {
        restartTimer = undefined;
        if (stopping) return;
        restarting = this.startConsumer(options, () => stopping, onCrash).then(
          async (consumer) => {
            if (stopping) await consumer.disconnect();
            else this.logger.warn({ ...where, attempt: failures }, 'kafka consumer started again');
          },
          (e: unknown) => {
            if (!stopping) restartLater(e);
          },
        );
      }, delayMs);
    };
    const onCrash = (consumer: Consumer, news: ConsumerNews): void => {
      if (news.type === 'created') current = consumer;
      if (news.type === 'joined') failures = 0;
      if (news.type !== 'crash' || stopping || consumer !== current) return;
      options.onCrash?.({ restartedBy: news.restart ? 'kafkajs' : 'transport' });
      if (news.restart) return; // kafkajs starts it again itself
      current = undefined; // kafkajs has disconnected it
      restartLater(news.error);
    };
    await this.startConsumer(options, () => stopping, onCrash);
    const subscription: Subscription = {
      stop: async () => {
        stopping = true;
        this.subscriptions.delete(subscription);
        clearTimeout(restartTimer);
        await restarting;
        if (current) await current.disconnect();
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** A connected consumer of `options.groupId`, running; `observe` hears of its creation, crashes and joins. */
  private async startConsumer(
    options: SubscribeOptions,
    stopping: () => boolean,
    observe: (consumer: Consumer, news: ConsumerNews) => void,
  ): Promise<Consumer> {
    const partitionsConsumedConcurrently = this.options.partitionsConsumedConcurrently ?? 4;
    const consumer = this.kafka.consumer({
      groupId: this.wire(options.groupId),
      sessionTimeout: this.options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 500,
      ...fetchBytes(options.maxBatchSize, partitionsConsumedConcurrently),
      retry: { initialRetryTime: 100, retries: 10 },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      observe(consumer, { type: 'crash', error: payload.error, restart: payload.restart }),
    );
    consumer.on(consumer.events.GROUP_JOIN, () => observe(consumer, { type: 'joined' }));
    observe(consumer, { type: 'created' });
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: options.topics.map((t) => this.wire(t)),
        fromBeginning: options.fromBeginning ?? true,
      });
      await consumer.run({
        // Offsets are resolved only after a slice's inbox transaction committed; kafkajs then
        // commits resolved offsets every autoCommitInterval (and on rebalance and shutdown), so
        // a crash redelivers at most that window, which the inbox absorbs.
        autoCommit: true,
        autoCommitInterval: this.options.autoCommitIntervalMs ?? 500,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently,
        eachBatch: async ({ batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary }) => {
          if (batch.messages.length === 0) return;
          const logicalTopic = this.logical(batch.topic);
          const records: InboundRecord[] = batch.messages.map((m) => ({
            topic: logicalTopic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key?.toString() ?? '',
            payload: m.value,
            headers: headerText(m.headers) as Record<string, string>,
          }));
          const control = { heartbeat, isActive: () => !stopping() && isRunning() && !isStale() };
          // Process in slices so a long batch still heartbeats and commits progressively.
          const slice = options.maxBatchSize ?? 500;
          for (let i = 0; i < records.length && control.isActive(); i += slice) {
            const part = records.slice(i, i + slice);
            await options.handle(part, control);
            // Only now, with the inbox transaction committed, may the group move past these records.
            resolveOffset(part[part.length - 1].offset);
            await commitOffsetsIfNecessary();
            await heartbeat();
          }
        },
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    return consumer;
  }

  /**
   * Per topic, Σ over partitions of (high watermark − the group's committed offset); a partition
   * the group never committed counts from its low watermark (the group starts from the beginning).
   */
  async lag(groupId: string, topics: string[]): Promise<TopicLag[]> {
    const admin = await this.connectedAdmin();
    const committed = await admin.fetchOffsets({
      groupId: this.wire(groupId),
      topics: topics.map((t) => this.wire(t)),
    });
    return Promise.all(
      committed.map(async ({ topic, partitions }) => {
        const ends = await admin.fetchTopicOffsets(topic);
        const at = new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
        let lag = 0;
        for (const end of ends) {
          const position = at.get(end.partition) ?? -1;
          lag += Math.max(0, Number(end.high) - (position >= 0 ? position : Number(end.low)));
        }
        return { topic: this.logical(topic), lag };
      }),
    );
  }

  /**
   * Each topic's partitions' high watermarks (the offset the next record gets). Their sum only
   * grows, and two equal answers mean nothing was published to those topics in between.
   */
  async logEnds(topics: string[]): Promise<LogEnds> {
    const admin = await this.connectedAdmin();
    const unique = [...new Set(topics)].sort();
    const ends = await Promise.all(unique.map((topic) => admin.fetchTopicOffsets(this.wire(topic))));
    return new Map(unique.map((topic, i) => [topic, new Map(ends[i].map((e) => [e.partition, Number(e.high)]))]));
  }

  /**
   * How many records of `ends` (from `logEnds`) the group has not committed. A partition it never
   * committed counts from its low watermark, where the group starts (from the beginning): one whose
   * records all expired holds nothing for it.
   */
  async lagBehind(groupId: string, ends: LogEnds): Promise<number> {
    const admin = await this.connectedAdmin();
    const committed = await admin.fetchOffsets({
      groupId: this.wire(groupId),
      topics: [...ends.keys()].map((t) => this.wire(t)),
    });
    let lag = 0;
    for (const { topic, partitions } of committed) {
      const at = new Map(partitions.map((p) => [p.partition, Number(p.offset)]));
      const logical = this.logical(topic);
      let low: Map<number, number> | undefined;
      for (const [partition, high] of ends.get(logical) ?? []) {
        let position = at.get(partition) ?? -1;
        if (position < 0) {
          low ??= new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.low)]));
          position = low.get(partition) ?? 0;
        }
        lag += Math.max(0, high - position);
      }
    }
    return lag;
  }

  /**
   * A group whose committed offsets expired (the broker drops them `offsets.retention.minutes`
   * after the group went empty) starts again from the earliest record a topic keeps: a record
   * stays until its whole segment is older than `retention.ms`, so up to `retention.ms` plus
   * `segment.ms` after it was appended. For ever on a topic with retention.ms -1 or compaction.
   * A topic not created yet has nothing to deliver again. Throws when a broker cannot say.
   */
  async redeliveryHorizonMs(topics: string[]): Promise<number> {
    const admin = await this.connectedAdmin();
    let horizon = 0;
    let listed: Set<string> | undefined;
    for (const topic of topics) {
      let entries: { configName: string; configValue: string }[];
      try {
        const { resources } = await admin.describeConfigs({
          includeSynonyms: false,
          resources: [
            {
              type: ConfigResourceTypes.TOPIC,
              name: this.wire(topic),
              configNames: ['retention.ms', 'segment.ms', 'cleanup.policy'],
            },
          ],
        });
        entries = resources[0]?.configEntries ?? [];
      } catch (err) {
        if ((err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
        // Absent, or a broker that cannot answer for it just now (a topic being created): only
        // the first has nothing to deliver again, so the cluster's topic list must confirm it.
        listed ??= new Set(await admin.listTopics());
        if (listed.has(this.wire(topic))) throw err;
        continue;
      }
      const value = (name: string) => entries.find((e) => e.configName === name)?.configValue;
      const retention = Number(value('retention.ms'));
      const segment = Number(value('segment.ms'));
      if ((value('cleanup.policy') ?? '').includes('compact') || retention < 0) return Infinity;
      if (!Number.isFinite(retention) || !Number.isFinite(segment))
        throw new Error(`topic ${topic}: the broker did not report retention.ms and segment.ms`);
      horizon = Math.max(horizon, retention + segment);
    }
    return horizon;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
    return this.admin;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
    if (this.producer) await this.producer.disconnect();
    // A connect under way is left to give itself up when it ends (see getProducer).
    this.connectingProducer?.disconnect().catch(() => undefined);
    this.producer = undefined;
    this.connecting = undefined;
    this.connectingProducer = undefined;
  }

  /** The topic's (or consumer group's) name on the broker. */
  wire(topic: string): string {
    return `${this.options.topicPrefix ?? ''}${topic}`;
  }

  private logical(wireTopic: string): string {
    const prefix = this.options.topicPrefix ?? '';
    return wireTopic.startsWith(prefix) ? wireTopic.slice(prefix.length) : wireTopic;
  }

  private getProducer(): Promise<Producer> {
    if (this.producer) return Promise.resolve(this.producer);
    if (this.connecting) return this.connecting;
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: true,
    });
    const connecting: Promise<Producer> = producer.connect().then(
      () => {
        if (this.connecting !== connecting) {
          // Abandoned (it missed a publish's deadline) or closed meanwhile: not this transport's any more.
          producer.disconnect().catch(() => undefined);
          throw new Error('kafka producer connected after it was given up');
        }
        this.connectingProducer = undefined;
        this.producer = producer;
        return producer;
      },
      (err: unknown) => {
        // A connect that failed (the broker down) must not be remembered: the next publish tries again.
        if (this.connecting === connecting) {
          this.connecting = undefined;
          this.connectingProducer = undefined;
        }
        throw err;
      },
    );
    this.connecting = connecting;
    this.connectingProducer = producer;
    return connecting;
  }
}

/** A record's headers as text (kafkajs gives Buffers, or arrays of them for a repeated name: the first counts). */
function headerText(headers: IHeaders | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const k in headers) {
    const v = headers[k];
    out[k] = Array.isArray(v) ? v[0]?.toString() : v?.toString();
  }
  return out;
}
