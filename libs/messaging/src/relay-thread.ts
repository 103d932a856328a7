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
  /** The service, for the watchdog's log line. */
  service?: string;
  /**
   * The outbox's pending rows per topic, as the main thread reads them (OutboxRelay.pendingByTopic):
   * what the watchdog asks while the thread reports no progress. Without it there is no watchdog.
   */
  backlog?: () => Promise<Record<string, number>>;
  /**
   * How long rows may wait while the thread reports nothing, neither events published nor a
   * failed attempt, before the watchdog ends it and starts another (default 60 s;
   * OUTBOX_RELAY_STALL_MS; 0 turns the watchdog off). Longer than a publish's deadline
   * (`kafka.publishTimeoutMs`, 30 s), or a publish that waits out its deadline reads as a stall.
   */
  stallMs?: number;
}

/** What crosses from the main thread to the relay thread. */
export type ToRelayThread = { kind: 'wake' } | { kind: 'stop' };

/** What the relay thread tells the main thread. */
export type FromRelayThread =
  | { kind: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; obj: Record<string, unknown>; msg: string }
  | { kind: 'published'; counts: Record<string, number> }
  | { kind: 'deadLetter'; reason: string; topic: string }
  | { kind: 'publishFailed'; reason: RelayFailureReason; retryInMs: number }
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
 * pause (an error logged each time), which doubles with each restart until the thread publishes
 * again (0.5 s, 1 s, 2 s... up to 30 s): a relay that stopped for good would leave the outbox
 * growing in silence. So would a thread alive but stuck (a call that never returns): a watchdog
 * asks the outbox for its backlog while the thread reports no progress, and when rows have waited
 * `stallMs` with nothing published and no failed attempt reported either, logs it and ends the
 * thread, which is then started again. A thread whose attempts keep failing (the broker or the
 * database cannot be reached) is alive: its failed publishes (warnings, the failure metric) are
 * the outage's signal, it tries again on its own backoff, and a new thread would fare no better.
 */
export class RelayThread {
  private worker?: Worker;
  private running = false;
  private restartTimer?: NodeJS.Timeout;
  private failures = 0;
  private readonly logger: MessagingLogger;
  private watchdog?: NodeJS.Timeout;
  /** When the thread last reported progress (published or dead-lettered events), or was started. */
  private lastProgress = 0;
  /** Since when the watchdog has seen rows pending with no progress reported, if it has. */
  private waitingSince?: number;
  /** Failed publishes the thread reported since its last progress (tells a broker outage from a hang). */
  private failedSinceProgress = 0;
  /**
   * Until when the thread's last failed publish vouches for it (Date.now()): it said when it would
   * try again, and gets `stallMs` from then to report the outcome.
   */
  private tryingUntil = 0;
  private checking = false;

  constructor(private readonly options: RelayThreadOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.spawn();
    if (this.options.backlog && this.stallMs > 0) {
      this.watchdog = setInterval(() => void this.check(), this.roundMs);
      this.watchdog.unref();
    }
  }

  private get stallMs(): number {
    return this.options.stallMs ?? DEFAULT_STALL_MS;
  }

  /** How often the watchdog looks: four times per `stallMs`. */
  private get roundMs(): number {
    return Math.max(10, Math.floor(this.stallMs / 4));
  }

  /**
   * The watchdog's round: nothing to do while the thread reported progress within the last round;
   * otherwise, when rows have been pending at every round for `stallMs`, with nothing published
   * meanwhile, and the thread's last failed attempt (if any) no longer vouches for it, the thread
   * is stuck.
   */
  private async check(): Promise<void> {
    const worker = this.worker;
    if (!worker || !this.running || this.checking) return;
    const now = Date.now();
    if (now - this.lastProgress < this.roundMs) {
      this.waitingSince = undefined;
      return;
    }
    this.checking = true;
    let pending: Record<string, number>;
    try {
      pending = await this.options.backlog!();
    } catch {
      return; // the database cannot say: not the thread's fault, and the metrics show it
    } finally {
      this.checking = false;
    }
    if (this.worker !== worker || !this.running) return;
    const rows = Object.values(pending).reduce((a, n) => a + n, 0);
    if (rows === 0 || this.lastProgress > now) {
      this.waitingSince = undefined;
      return;
    }
    this.waitingSince ??= now;
    const waitedMs = Date.now() - this.waitingSince;
    if (waitedMs < this.stallMs) return;
    // Alive, failing: the broker's (or the database's) outage, which its failed publishes report.
    if (Date.now() < this.tryingUntil) return;
    this.logger.error(
      {
        service: this.options.service,
        schema: this.options.database.schema,
        pendingByTopic: pending,
        waitedMs, // rows pending at every round since, nothing published
        failedPublishes: this.failedSinceProgress,
        stallMs: this.stallMs,
      },
      'outbox relay thread publishes nothing while events wait, and reports no attempt either: ' +
        'it is stuck; ending it to start another',
    );
    this.waitingSince = undefined;
    void worker.terminate(); // its exit starts another (spawn)
  }

  private progressed(): void {
    this.lastProgress = Date.now();
    this.waitingSince = undefined;
    this.failedSinceProgress = 0;
  }

  /** The thread moved events off the backlog: it works, and a later restart starts from the shortest pause again. */
  private published(): void {
    this.progressed();
    this.failures = 0;
  }

  /** Nudges the thread's relay to look now (new rows committed). */
  wake = (): void => {
    this.worker?.postMessage({ kind: 'wake' } satisfies ToRelayThread);
  };

  /** Asks the thread to finish its claim and close; ends it if it has not within `stopTimeoutMs`. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    clearInterval(this.watchdog);
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
    this.progressed(); // a new thread gets the whole stallMs to start and publish
    this.tryingUntil = 0;
    worker.on('message', (m: FromRelayThread) => this.onMessage(m));
    worker.on('error', (err) =>
      this.logger.error({ err, schema: this.options.database.schema }, 'outbox relay thread failed'),
    );
    worker.on('exit', (code) => {
      if (this.worker !== worker || !this.running) return;
      this.worker = undefined;
      this.failures += 1;
      const delay = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** Math.min(this.failures - 1, 16));
      this.logger.error(
        { schema: this.options.database.schema, code, restarts: this.failures, restartInMs: delay },
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
        // The watchdog's time runs from when the thread's relay runs (a thread that starts and is
        // then stuck is restarted no sooner for having started: only publishing resets the pause).
        if (m.level === 'info' && m.msg === RELAY_THREAD_READY) this.progressed();
        return;
      case 'published':
        this.published();
        for (const topic in m.counts) this.options.onPublished?.(topic, m.counts[topic]);
        return;
      case 'deadLetter':
        this.published();
        this.options.onDeadLetter?.({ reason: m.reason, topic: m.topic });
        return;
      case 'publishFailed':
        this.failedSinceProgress += 1;
        this.tryingUntil = Date.now() + m.retryInMs + this.stallMs;
        this.options.onPublishFailed?.({ reason: m.reason, retryInMs: m.retryInMs });
        return;
      case 'stopped':
        return;
    }
  }
}

/** The watchdog's default: rows waiting a minute with nothing published. */
const DEFAULT_STALL_MS = 60_000;
/** The pause before a thread that stopped is started again, doubling with each restart until it publishes. */
const FIRST_RESTART_DELAY_MS = 500;
const MAX_RESTART_DELAY_MS = 30_000;

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
