import { DataSource, EntityManager } from 'typeorm';
import { insertDeadLetter } from './dead-letters';
import { Headers } from './envelope';
import { assertIdentifier } from './schema';
import { MessagingLogger, OutboundRecord, Transport, UndeliverableRecordError, silentLogger } from './transport';
import { IdleBackoff, Wakeable } from './wakeable';

export interface RelayOptions {
  schema: string;
  dataSource: DataSource;
  transport: Transport;
  logger?: MessagingLogger;
  batchSize?: number;
  /** How often to look for new rows when nothing woke the relay (doubling while idle, see maxIdlePollMs). */
  pollIntervalMs?: number;
  /**
   * Longest sleep of an idle relay (default 1 s): rows committed where no commit wakes this relay
   * (another replica, another process) wait at most this long once the relay has been idle a while.
   */
  maxIdlePollMs?: number;
  /** Ceiling of the exponential backoff after a failed publish. */
  maxBackoffMs?: number;
  /**
   * How long published rows stay in the outbox, for audit and debugging (default 7 days). The
   * running relay deletes older ones every `purgeIntervalMs`; 0 keeps them for ever.
   */
  retentionMs?: number;
  /** How often the running relay deletes published rows past their retention (default 1 hour). */
  purgeIntervalMs?: number;
  /**
   * What becomes of a row once published: `keep` (default) marks it published and keeps it for
   * `retentionMs`; `delete` deletes it in the claim, so the broker's topic holds the only copy.
   * Deleting writes far less than marking (an UPDATE rewrites the whole row, payload and all, with
   * a new index entry: some 800 bytes of WAL a row, against some 60 for a DELETE) and leaves the
   * table no bigger than its backlog: on the promises bench, PostgreSQL's CPU per payment fell
   * from 64-66 µs to 53-60.
   */
  published?: OutboxPublished;
  /**
   * Called for each event the relay dead-lettered (the transport refused it for good), once the
   * claim that did so committed (a claim rolled back and retried does not count it twice): a metric.
   */
  onDeadLetter?: (info: { reason: string; topic: string }) => void;
  /**
   * Called each time the running relay could not publish (it backs off and retries in `retryInMs`):
   * `transport` when the transport refused the batch or did not answer, `database` when the outbox
   * could not be read, claimed or marked. A metric, and what tells the relay thread's watchdog a
   * relay that keeps trying from one that is stuck.
   */
  onPublishFailed?: (info: { reason: RelayFailureReason; retryInMs: number }) => void;
  /** Test hook: runs after the batch was handed to the transport, before it is marked published. */
  onPublished?: (count: number) => Promise<void> | void;
}

/** What failed when the relay could not publish (RelayOptions.onPublishFailed). */
export const RELAY_FAILURE_REASONS = ['transport', 'database'] as const;
export type RelayFailureReason = (typeof RELAY_FAILURE_REASONS)[number];

/** What the relay does with an outbox row it published (RelayOptions.published). */
export const OUTBOX_PUBLISHED = ['keep', 'delete'] as const;
export type OutboxPublished = (typeof OUTBOX_PUBLISHED)[number];

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  headers: Headers;
  payload: Buffer | null;
}

/**
 * Publishes the outbox in id order, in batches, and marks rows published only after the
 * transport acknowledged them. At most one relay per schema works at a time (transaction-level
 * advisory lock), so per-key order holds even with several replicas. A crash between publish
 * and mark re-publishes the batch: consumers deduplicate with their inbox.
 */
export class OutboxRelay {
  private readonly table: string;
  private readonly deadLetters: string;
  private readonly lockKey: number;
  private running = false;
  private loop?: Promise<void>;
  private readonly alarm = new Wakeable();
  private readonly idle: IdleBackoff;
  private failures = 0;
  /** The last error the transport threw at a publish: tells a failed drain's cause (onPublishFailed). */
  private transportError?: unknown;
  /** When the running relay's last purge began (Date.now()): the first begins as it starts. */
  private lastPurge = -Infinity;
  /** The purge under way, if any: rows deleted so far. */
  private purge?: { deleted: number };
  private readonly logger: MessagingLogger;
  /** How long published rows stay (RelayOptions.retentionMs); 0 keeps them. */
  private readonly retentionMs: number;
  /** The claim statement: marks the rows it takes published, or deletes them (RelayOptions.published). */
  private readonly claim: string;

  constructor(private readonly options: RelayOptions) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.table = `${assertIdentifier(options.schema)}.outbox`;
    this.deadLetters = `${options.schema}.dead_letter`;
    this.lockKey = hashToInt32(`outbox-relay:${options.schema}`);
    this.claim = claimStatement(this.table, options.published ?? 'keep');
    this.logger = options.logger ?? silentLogger;
    this.idle = new IdleBackoff(options.pollIntervalMs ?? 10, options.maxIdlePollMs ?? 1_000);
  }

  /** How long the relay sleeps next when nothing wakes it (the poll interval, longer while idle). */
  get idlePollMs(): number {
    return this.idle.ms;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Nudges the relay to look now (new rows committed). */
  wake = (): void => {
    this.alarm.wake();
  };

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  /** Publishes one claim of pending rows; returns how many rows it took off the backlog (published, or dead-lettered as undeliverable). */
  async drainOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 500;
    let published = 0;
    const topics = new Set<string>();
    /** The topics of the events this claim dead-lettered, told to `onDeadLetter` once it committed. */
    const deadLettered: string[] = [];
    await this.options.dataSource.transaction(async (tx) => {
      await tx.query(SCAN_SETTINGS);
      // One statement takes the relay lock and claims the next rows; the claim commits only
      // after the transport acknowledged them, so a failed publish leaves them pending.
      const rows = (await tx.query(this.claim, [this.lockKey, batchSize])) as [OutboxRow[], number] | OutboxRow[];
      const claimed = (isUpdateResult(rows) ? rows[0] : rows).sort((a, b) => compareIds(a.id, b.id));
      if (claimed.length === 0) return;
      const records: OutboundRecord[] = claimed.map((r) => ({
        topic: r.topic,
        key: r.key,
        headers: typeof r.headers === 'string' ? (JSON.parse(r.headers) as Headers) : r.headers,
        payload: r.payload,
      }));
      for (let from = 0; from < records.length;) {
        try {
          await this.options.transport.publish(from === 0 ? records : records.slice(from), tx);
          break;
        } catch (err) {
          if (!(err instanceof UndeliverableRecordError)) {
            this.transportError = err;
            throw err;
          }
          // Retrying can never deliver this one: set it aside where an operator sees it, and go on.
          const i = from + err.index;
          await this.deadLetter(tx, claimed[i].id, records[i], err.message);
          deadLettered.push(records[i].topic);
          from = i + 1;
        }
      }
      await this.options.onPublished?.(records.length);
      published = claimed.length;
      for (const r of records) topics.add(r.topic);
    });
    if (published > 0) this.options.transport.afterPublishCommitted?.(topics);
    for (const topic of deadLettered) this.options.onDeadLetter?.({ reason: 'undeliverable', topic });
    return published;
  }

  /**
   * Moves an outbox row the transport refuses for good (UndeliverableRecordError) to the
   * dead-letter table, consumer `outbox-relay`, reason `undeliverable`, its outbox id as the
   * offset (partition -1: it never reached one), in the claim's transaction. The row counts as
   * published, and the relay goes on with the rows after it: the event's key misses this event
   * until an operator fixes the cause (e.g. raises the broker's limit) and replays the letter.
   */
  private async deadLetter(tx: EntityManager, outboxId: string, record: OutboundRecord, error: string): Promise<void> {
    await insertDeadLetter(tx, this.deadLetters, {
      consumer: RELAY_CONSUMER,
      eventId: record.headers.ce_id ?? null,
      tenantId: record.headers.ce_tenantid ?? null,
      topic: record.topic,
      partition: -1,
      offset: outboxId,
      key: record.key,
      headers: record.headers,
      payload: record.payload,
      reason: 'undeliverable',
      error,
      attempts: 1,
    });
    this.logger.error(
      {
        schema: this.options.schema,
        outboxId,
        eventId: record.headers.ce_id,
        type: record.headers.ce_type,
        topic: record.topic,
        payloadBytes: record.payload?.length ?? 0,
        err: error,
      },
      'outbox relay cannot deliver an event; dead-lettered it and goes on (see the dead-letter list)',
    );
  }

  /** Rows not yet published (the outbox backlog, exported as a metric). */
  async backlog(): Promise<number> {
    return this.options.dataSource.transaction(async (tx) => {
      await tx.query(SCAN_SETTINGS); // counted from the same index as the claim, the same way
      const [{ n }] = (await tx.query(`SELECT count(*)::int AS n FROM ${this.table} WHERE published_at IS NULL`)) as {
        n: number;
      }[];
      return n;
    });
  }

  /** Rows not yet published, per topic (the relay thread's watchdog reports them when it finds the thread stuck). */
  async pendingByTopic(): Promise<Record<string, number>> {
    return this.options.dataSource.transaction(async (tx) => {
      await tx.query(SCAN_SETTINGS);
      const rows = (await tx.query(
        `SELECT topic, count(*)::int AS n FROM ${this.table} WHERE published_at IS NULL GROUP BY topic`,
      )) as { topic: string; n: number }[];
      return Object.fromEntries(rows.map((r) => [r.topic, r.n]));
    });
  }

  /**
   * Deletes the published rows older than the retention (`retentionMs`, measured on the
   * database's clock, which stamped them), oldest first, in statements of at most `batch` rows;
   * returns how many it deleted. The running relay does this itself, a statement per turn of its
   * loop (see purgeStep).
   */
  async purgePublished(batch = PURGE_BATCH): Promise<number> {
    let purged = 0;
    for (;;) {
      const n = await this.purgeBatch(batch);
      purged += n;
      if (n < batch) return purged;
    }
  }

  /**
   * One statement of the purge: it walks the outbox in id order, the order the relay publishes
   * it, and stops at the first row still pending or still within the retention, so it reads what
   * it deletes and little more, however many rows the retention keeps.
   */
  private async purgeBatch(batch: number): Promise<number> {
    // A relay that deletes what it publishes leaves nothing to purge.
    if (this.retentionMs <= 0 || this.options.published === 'delete') return 0;
    const [{ n }] = (await this.options.dataSource.query(purgeStatement(this.table), [this.retentionMs, batch])) as {
      n: number;
    }[];
    return n;
  }

  /**
   * Whether any row waits, in one cheap statement (an index-only scan stopping at the first row).
   * The loop asks this when its poll interval ran out without a wake-up, before opening a claim
   * transaction (four statements). An idle relay asks every 10 ms at first, then less and less
   * often, down to once a second (`maxIdlePollMs`).
   */
  async pending(): Promise<boolean> {
    const rows = (await this.options.dataSource.query(pendingStatement(this.table))) as unknown[];
    return rows.length > 0;
  }

  /**
   * A step of the retention purge, once per turn of the loop: when a purge interval went by since
   * the last purge began, one statement of at most PURGE_BATCH rows, then one per turn until a
   * statement finds fewer (a large purge never holds up publishing for more than a statement).
   * A failed purge is tried again at the next interval.
   */
  private async purgeStep(): Promise<void> {
    if (!this.purge) {
      const now = Date.now();
      if (now - this.lastPurge < (this.options.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS)) return;
      this.lastPurge = now;
      this.purge = { deleted: 0 };
    }
    try {
      const n = await this.purgeBatch(PURGE_BATCH);
      this.purge.deleted += n;
      if (n === PURGE_BATCH) return;
      if (this.purge.deleted > 0) {
        this.logger.info(
          {
            schema: this.options.schema,
            deleted: this.purge.deleted,
            retentionMs: this.retentionMs,
          },
          'outbox relay deleted published events past their retention',
        );
      }
    } catch (err) {
      this.logger.warn(
        { err, schema: this.options.schema },
        'outbox relay could not purge published events; will retry',
      );
    }
    this.purge = undefined;
  }

  private async run(): Promise<void> {
    const maxBackoff = this.options.maxBackoffMs ?? 5_000;
    // True when the last drain found nothing and no commit woke the relay since: look before claiming.
    let polled = false;
    while (this.running) {
      let published = 0;
      this.alarm.clear(); // this drain answers the commits so far
      try {
        if (!polled || (await this.pending())) published = await this.drainOnce();
        await this.purgeStep();
        if (this.failures > 0) {
          this.logger.info({ schema: this.options.schema, failures: this.failures }, 'outbox relay recovered');
        }
        this.failures = 0;
      } catch (err) {
        this.failures += 1;
        const delay = Math.min(maxBackoff, 50 * 2 ** Math.min(this.failures, 10));
        this.options.onPublishFailed?.({
          reason: err === this.transportError ? 'transport' : 'database',
          retryInMs: delay,
        });
        this.transportError = undefined;
        this.logger.warn(
          { err, schema: this.options.schema, attempt: this.failures, retryInMs: delay },
          'outbox relay could not publish; will retry',
        );
        this.alarm.clear(); // a failed drain backs off, even if a commit came meanwhile
        await this.alarm.sleep(delay);
        polled = false;
        this.idle.next(false);
        continue;
      }
      polled = published === 0 && !(await this.alarm.sleep(this.idle.ms));
      this.idle.next(polled);
    }
  }
}

/**
 * The relay's transaction settings, set before its claim and before the backlog count (which
 * every metrics scrape runs). Both must walk outbox_unpublished as a plain index scan: each
 * claimed row leaves a dead entry in that index until VACUUM (the update takes it out of the
 * index's predicate), and a plain index scan marks such an entry dead the first time it meets it
 * and skips it from then on. A bitmap scan, which the planner prefers when few rows are pending,
 * never does: it went back to the heap for every row published since the last VACUUM, so each
 * claim cost more than the one before (1,405 buffers to find nothing after 16,000 published
 * rows, against 3), and autovacuum comes only once a fifth of the table is dead. Marking rows
 * published need not wait for the disk: if that commit is lost, the rows are published again and
 * consumers' inboxes drop the copies (saves an fsync per batch).
 */
export const SCAN_SETTINGS = `SELECT set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true),
  set_config('synchronous_commit', 'off', true)`;

/**
 * Takes the relay lock ($1) and claims the next rows ($2 at most) of an outbox table, in id order:
 * marks them published (`keep`) or deletes them (`delete`). Both forms take the ids as an array, so
 * each claimed row is found by its key whatever the statistics say. Written as a join, PostgreSQL
 * planned the delete (`DELETE ... USING next`), with an outbox it believed empty (statistics from
 * before the backlog), as a walk of the whole table's key for each row claimed, and a claim of 500
 * rows ran for minutes; and the update (`UPDATE ... FROM next`), with statistics taken during a
 * backlog (many rows pending), as a merge join walking the key from its start: each claim read
 * every row kept since (15,290 pages for 500 rows after 9,000 published, 18,762 after 12,500,
 * against some 4,150 either way by the array).
 */
export function claimStatement(table: string, published: OutboxPublished = 'keep'): string {
  const lock = `WITH lock AS (SELECT pg_try_advisory_xact_lock($1) AS ok)`;
  const next = `SELECT o.id FROM ${table} o, lock WHERE lock.ok AND o.published_at IS NULL ORDER BY o.id LIMIT $2`;
  const returning = `RETURNING t.id, t.topic, t.key, t.headers, t.payload`;
  const claimed = `t.id = ANY (ARRAY(${next}))`;
  if (published === 'delete') return `${lock} DELETE FROM ${table} t WHERE ${claimed} ${returning}`;
  return `${lock} UPDATE ${table} t SET published_at = now() WHERE ${claimed} ${returning}`;
}

/**
 * The idle poll's statement (`OutboxRelay.pending`): a row when any waits. Ordered by id, so the
 * index of unpublished rows answers it, reading up to its first live entry; `EXISTS (... WHERE
 * published_at IS NULL)`, with statistics taken during a backlog (many rows pending), was planned
 * as a scan of the table stopping at the first pending row, which read every row kept since on
 * each idle poll (2,858 pages for 20,000 published rows, against some 50 by the index).
 */
export function pendingStatement(table: string): string {
  return `SELECT 1 AS pending FROM ${table} WHERE published_at IS NULL ORDER BY id LIMIT 1`;
}

/** The dead-letter table's `consumer` for events the relay could not deliver. */
export const RELAY_CONSUMER = 'outbox-relay';
const DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;
const DEFAULT_PURGE_INTERVAL_MS = 3_600_000;
/** Rows deleted per purge statement. */
const PURGE_BATCH = 1_000;

/**
 * Deletes, from the start of an outbox table in id order, at most $2 rows published more than $1
 * milliseconds ago, stopping before the first row that is pending or more recent.
 */
export function purgeStatement(table: string): string {
  return `WITH head AS (SELECT id, published_at FROM ${table} ORDER BY id LIMIT $2),
    kept AS (SELECT min(id) AS id FROM head
              WHERE published_at IS NULL OR published_at >= now() - $1::bigint * interval '1 millisecond'),
    gone AS (DELETE FROM ${table} o USING head, kept
              WHERE o.id = head.id AND (kept.id IS NULL OR head.id < kept.id) RETURNING 1)
    SELECT count(*)::int AS n FROM gone`;
}

/** Stable 32-bit hash for advisory lock keys. */
export function hashToInt32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** TypeORM answers UPDATE ... RETURNING with [rows, affectedCount]. */
function isUpdateResult(result: [OutboxRow[], number] | OutboxRow[]): result is [OutboxRow[], number] {
  return result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number';
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
