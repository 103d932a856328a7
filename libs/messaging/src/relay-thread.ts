import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { RelayFailureReason, RelayOptions } from './relay';
import { MessagingLogger, silentLogger } from './transport';

/**
 * What the relay thread needs to open its own pool and producer: everything plain data, since it
 * crosses to a worker thread. Kafka only: the in-process transport lives in the process's own
 * database session (the embedded platform), so its relay stays on the main thread.
 */
export interface RelayThreadOptions {
  /** The service's database and schema (the migrations are the main thread's: the worker runs none). */
  database: { url: string; schema: string };
  kafka: {
    brokers: string[];
    clientId: string;
    topicPrefix?: string;
    partitions?: number;
    publishTimeoutMs?: number;
  };
  /** The relay's settings, as OutboxRelay takes them (plain values only). */
  relay?: Pick<
    RelayOptions,
    'batchSize' | 'pollIntervalMs' | 'maxIdlePollMs' | 'maxBackoffMs' | 'retentionMs' | 'purgeIntervalMs' | 'published'
  >;
  logger?: MessagingLogger;
  /** Events the thread's relay handed to the broker, per topic, after each publish (a metric). */
  onPublished?: (topic: string, count: number) => void;
  onDeadLetter?: RelayOptions['onDeadLetter'];
  onPublishFailed?: RelayOptions['onPublishFailed'];
  /** Longest `stop()` waits for the thread to finish its claim and close before ending it (default 15 s). */
  stopTimeoutMs?: number;
}

/** What crosses from the main thread to the relay thread. */
export type ToRelayThread = { kind: 'wake' } | { kind: 'stop' };

/** What the relay thread tells the main thread. */
export type FromRelayThread =
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string }
  | { kind: 'published'; counts: Record<string, number> }
  | { kind: 'deadLetter'; reason: string; topic: string }
  | { kind: 'publishFailed'; reason: RelayFailureReason }
  | { kind: 'stopped' };

/** The worker's data: the options that are plain values. */
export type RelayThreadData = Pick<RelayThreadOptions, 'database' | 'kafka' | 'relay'>;

/**
 * The outbox relay on a worker thread of its own (OUTBOX_RELAY_THREAD=worker): the same
 * OutboxRelay, with its own connection pool and Kafka producer, so publishing runs on another core
 * beside the consumers instead of taking turns with them on the event loop. The main thread wakes
 * it after each commit that added events (a message, as the in-thread relay's `wake`), and it
 * reports back what the main thread's metrics and logs need: events published per topic, dead
 * letters, failed publishes, log lines. Ordering, the single-relay advisory lock and
 * publish-then-mark are the relay's own, unchanged. A thread that dies is started again after a
 * pause (an error logged each time): a relay that stopped for good would leave the outbox growing
 * in silence.
 */
export class RelayThread {
  private worker?: Worker;
  private running = false;
  private restartTimer?: NodeJS.Timeout;
  private failures = 0;
  private readonly logger: MessagingLogger;

  constructor(private readonly options: RelayThreadOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
  }

  /** Nudges the thread's relay to look now (new rows committed). */
  wake = (): void => {
    this.worker?.postMessage({ kind: 'wake' } satisfies ToRelayThread);
  };

  /** Asks the thread to finish its claim and close; ends it if it has not within `stopTimeoutMs`. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ kind: 'stop' } satisfies ToRelayThread);
    const timer = setTimeout(() => {
      this.logger.warn(
        { schema: this.options.database.schema },
        'outbox relay thread did not stop in time; ending it (rows it claimed stay pending)',
      );
      void worker.terminate();
    }, this.options.stopTimeoutMs ?? 15_000);
    await exited;
    clearTimeout(timer);
  }

  private spawn(): void {
    const data: RelayThreadData = {
      database: this.options.database,
      kafka: this.options.kafka,
      relay: this.options.relay,
    };
    const worker = new Worker(relayThreadScript(), { workerData: data });
    this.worker = worker;
    worker.on('message', (m: FromRelayThread) => this.onMessage(m));
    worker.on('error', (err) =>
      this.logger.error({ err, schema: this.options.database.schema }, 'outbox relay thread failed'),
    );
    worker.on('exit', (code) => {
      if (this.worker !== worker || !this.running) return;
      this.worker = undefined;
      this.failures += 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures - 1, 6));
      this.logger.error(
        { schema: this.options.database.schema, code, restartInMs: delay },
        'outbox relay thread stopped; starting it again (events wait in the outbox meanwhile)',
      );
      this.restartTimer = setTimeout(() => {
        if (this.running) this.spawn();
      }, delay);
    });
  }

  private onMessage(m: FromRelayThread): void {
    switch (m.kind) {
      case 'log':
        this.logger[m.level](m.obj, m.msg);
        if (m.level === 'info' && m.msg === RELAY_THREAD_READY) this.failures = 0;
        return;
      case 'published':
        for (const topic in m.counts) this.options.onPublished?.(topic, m.counts[topic]);
        return;
      case 'deadLetter':
        this.options.onDeadLetter?.({ reason: m.reason, topic: m.topic });
        return;
      case 'publishFailed':
        this.options.onPublishFailed?.({ reason: m.reason });
        return;
      case 'stopped':
        return;
    }
  }
}

/** The log line the thread writes once its pool and producer are open and its relay runs. */
export const RELAY_THREAD_READY = 'outbox relay thread running';

/**
 * The worker's script: compiled JavaScript beside this module (dist), or, when this module runs
 * from its TypeScript source (the tests), the package's build, which must exist.
 */
function relayThreadScript(): string {
  const beside = join(__dirname, 'relay-thread.worker.js');
  if (existsSync(beside)) return beside;
  const built = join(__dirname, '..', 'dist', 'relay-thread.worker.js');
  if (existsSync(built)) return built;
  throw new Error(`the outbox relay thread's script is not built (${built}): run npx tsc -b libs/messaging`);
}
