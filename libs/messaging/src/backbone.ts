import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { DeadLetterRetention, DeadLetterRetentionOptions } from './dead-letter-retention';
import { DeadLetterAdmin } from './dead-letters';
import { EventConsumer, ConsumerOptions } from './consumer';
import { InProcessTransport } from './in-process-transport';
import { InboxRetention, InboxRetentionOptions } from './inbox-retention';
import { KafkaTransport } from './kafka-transport';
import { Outbox, OutboxCommitSubscriber } from './outbox';
import { OutboxRelay, RelayOptions } from './relay';
import { RelayThread, RelayThreadOptions } from './relay-thread';
import { LogEnds, MessagingLogger, Transport, silentLogger } from './transport';

export type TransportConfig =
  | { kind: 'kafka'; brokers: string[]; clientId: string; partitions?: number }
  | { kind: 'in-process'; dataSource: DataSource };

export function createTransport(config: TransportConfig, logger: MessagingLogger = silentLogger): Transport {
  switch (config.kind) {
    case 'kafka':
      return new KafkaTransport({
        brokers: config.brokers,
        clientId: config.clientId,
        partitions: config.partitions,
        logger,
      });
    case 'in-process':
      return new InProcessTransport({ dataSource: config.dataSource, logger });
  }
}

export interface BackboneOptions {
  service: string;
  schema: string;
  dataSource: DataSource;
  transport: Transport;
  logger?: MessagingLogger;
  relay?: Partial<Omit<RelayOptions, 'schema' | 'dataSource' | 'transport'>>;
  /** The consumers' inbox retention (InboxRetention): how long processed event ids stay, how often it sweeps. */
  inbox?: Partial<Omit<InboxRetentionOptions, 'schema' | 'dataSource' | 'transport' | 'topics'>>;
  /** The dead letters' retention (DeadLetterRetention): how long replayed dead letters stay, how often it sweeps. */
  deadLetters?: Partial<Omit<DeadLetterRetentionOptions, 'schema' | 'dataSource'>>;
  traceparent?: () => string | undefined;
  /** Run the outbox relay in this process (default true). */
  runRelay?: boolean;
  /**
   * Run it on a worker thread of its own (RelayThread) instead of this thread's event loop: the
   * thread's own pool and producer, from these settings; its relay takes `relay`'s plain settings
   * and this backbone's hooks. Kafka only.
   */
  relayThread?: Pick<RelayThreadOptions, 'database' | 'kafka' | 'onPublished' | 'stopTimeoutMs' | 'stallMs'>;
  /**
   * Observers applied to every consumer of this backbone (metrics); `onDeadLetter` also to its
   * relay, `onPublishFailed` to its relay only.
   */
  hooks?: Pick<ConsumerOptions, 'onDeadLetter' | 'onProcessed' | 'around'> & Pick<RelayOptions, 'onPublishFailed'>;
}

type ConsumeOptions = Omit<ConsumerOptions, 'service' | 'schema' | 'dataSource' | 'transport' | 'outbox'> &
  Partial<Pick<ConsumerOptions, 'logger'>>;

/** One service's messaging: its outbox, the relay that publishes it, its consumers and dead letters. */
export class Backbone {
  readonly outbox: Outbox;
  /** The relay: runs here unless `relayThread` (then it only answers backlog questions). */
  readonly relay: OutboxRelay;
  /** The relay's thread, when the options ask for one. */
  readonly relayThread?: RelayThread;
  readonly deadLetters: DeadLetterAdmin;
  /** Deletes the consumers' inbox ids once their events can no longer come back (runs while consumers run). */
  readonly inboxRetention: InboxRetention;
  /** Deletes the dead letters replayed longer ago than their retention (runs while the backbone runs). */
  readonly deadLetterRetention: DeadLetterRetention;
  private readonly consumers: EventConsumer[] = [];
  private started = false;

  constructor(private readonly options: BackboneOptions) {
    const { dataSource, schema, service, transport } = options;
    if (!dataSource.subscribers.some((s) => s instanceof OutboxCommitSubscriber)) {
      dataSource.subscribers.push(new OutboxCommitSubscriber());
    }
    this.relay = new OutboxRelay({
      schema,
      dataSource,
      transport,
      logger: options.logger,
      onDeadLetter: options.hooks?.onDeadLetter,
      onPublishFailed: options.hooks?.onPublishFailed,
      ...options.relay,
    });
    if (options.relayThread) {
      const { batchSize, pollIntervalMs, maxIdlePollMs, maxBackoffMs, retentionMs, purgeIntervalMs, published } =
        options.relay ?? {};
      this.relayThread = new RelayThread({
        ...options.relayThread,
        relay: { batchSize, pollIntervalMs, maxIdlePollMs, maxBackoffMs, retentionMs, purgeIntervalMs, published },
        logger: options.logger,
        onDeadLetter: options.hooks?.onDeadLetter,
        onPublishFailed: options.hooks?.onPublishFailed,
        service,
        backlog: () => this.relay.pendingByTopic(),
      });
    }
    this.outbox = new Outbox({
      schema,
      source: `/collections/${service}`,
      traceparent: options.traceparent,
      onAdded: this.wakeRelay,
    });
    this.deadLetters = new DeadLetterAdmin(dataSource, schema, this.outbox);
    this.inboxRetention = new InboxRetention({
      schema,
      dataSource,
      transport,
      logger: options.logger,
      topics: () => this.consumers.flatMap((c) => c.topics),
      ...options.inbox,
    });
    this.deadLetterRetention = new DeadLetterRetention({
      schema,
      dataSource,
      logger: options.logger,
      ...options.deadLetters,
    });
  }

  /** Wakes whichever relay runs (after a commit that added events). */
  private readonly wakeRelay = (): void => (this.relayThread ?? this.relay).wake();

  consume(options: ConsumeOptions): EventConsumer {
    const consumer = new EventConsumer({
      ...this.options.hooks,
      ...options,
      logger: options.logger ?? this.options.logger,
      service: this.options.service,
      schema: this.options.schema,
      dataSource: this.options.dataSource,
      transport: this.options.transport,
      outbox: this.outbox,
    });
    this.consumers.push(consumer);
    return consumer;
  }

  /** Lag of every consumer of this backbone, per consumer group and topic. */
  async consumerLag(): Promise<{ group: string; topic: string; lag: number }[]> {
    return (await Promise.all(this.consumers.map((c) => c.lag()))).flat();
  }

  /** The event types this backbone's consumers handle, each once (what the event catalogue must list). */
  get consumedEventTypes(): string[] {
    return [...new Set(this.consumers.flatMap((c) => c.eventTypes))];
  }

  /** The topics this backbone's consumers read, each once. */
  get consumedTopics(): string[] {
    return [...new Set(this.consumers.flatMap((c) => c.topics))];
  }

  /**
   * How many of the records before `ends` (the transport's `logEnds`) this backbone's consumers of
   * those topics have not committed, summed over them (only the running ones when `running`).
   * Throws when the transport cannot tell.
   */
  async lagBehind(ends: LogEnds, { running = false } = {}): Promise<number> {
    const transport = this.options.transport;
    if (!transport.lagBehind) throw new Error(`the ${transport.kind} transport cannot tell consumer positions`);
    const lags = await Promise.all(
      this.consumers
        .filter((c) => !running || c.running)
        .map((c) => {
          const mine = c.topics.filter((t) => ends.has(t));
          return mine.length === 0 ? 0 : transport.lagBehind!(c.name, new Map(mine.map((t) => [t, ends.get(t)!])));
        }),
    );
    return lags.reduce((n, l) => n + l, 0);
  }

  /**
   * Waits until this backbone's running consumers of `topics` have committed every record those
   * topics held when called (records appended later do not count): the facts published before the
   * call are then in the service's database. False when they have not after `timeoutMs`, or when
   * the transport cannot answer (the caller goes on without them at its own risk). True at once
   * when no running consumer reads them, or the transport cannot tell positions.
   */
  async caughtUp(topics: readonly string[], timeoutMs: number): Promise<boolean> {
    const transport = this.options.transport;
    const read = [
      ...new Set(this.consumers.filter((c) => c.running).flatMap((c) => c.topics.filter((t) => topics.includes(t)))),
    ];
    if (read.length === 0 || !transport.logEnds || !transport.lagBehind) return true;
    const deadline = Date.now() + timeoutMs;
    try {
      const ends = await transport.logEnds(read);
      for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
        if ((await this.lagBehind(ends, { running: true })) === 0) return true;
        if (Date.now() + pause > deadline) return false;
        await sleep(pause);
      }
    } catch (err) {
      (this.options.logger ?? silentLogger).warn({ err, topics }, 'cannot tell how far the consumers have read');
      return false;
    }
  }

  get transport(): Transport {
    return this.options.transport;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.options.runRelay !== false) (this.relayThread ?? this.relay).start();
    for (const c of this.consumers) await c.start();
    if (this.consumers.length > 0) this.inboxRetention.start();
    // Consumers and the relay both write dead letters.
    this.deadLetterRetention.start();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.inboxRetention.stop();
    await this.deadLetterRetention.stop();
    for (const c of this.consumers) await c.stop();
    await (this.relayThread ?? this.relay).stop();
  }
}
