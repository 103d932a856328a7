import { EventEmitter } from 'node:events';
import { DataSource, EntityManager } from 'typeorm';
import { hashToInt32 } from './relay';
import { IN_PROCESS_SCHEMA } from './schema';
import { IdleBackoff, Periodic, Wakeable } from './wakeable';
import {
  InboundRecord,
  LogEnds,
  MessagingLogger,
  OutboundRecord,
  SubscribeOptions,
  Subscription,
  TopicLag,
  Transport,
  silentLogger,
} from './transport';

export interface InProcessLag {
  groups: { groupId: string; lag: number }[];
  /** The last offset of every subscribed topic, as one comparable string. */
  heads: string;
}

export interface InProcessTransportOptions {
  dataSource: DataSource;
  logger?: MessagingLogger;
  /** How often an idle consumer looks for appends no wake-up announced (doubling while idle, see maxIdlePollMs). */
  pollIntervalMs?: number;
  /** Longest sleep of an idle consumer (default 1 s). */
  maxIdlePollMs?: number;
  batchSize?: number;
  /**
   * How long the log keeps a record every group that committed on its topic has read (default 7
   * days, Kafka's default retention); a record some such group has not read yet stays, and so
   * does each topic's last record (the next offset follows it). 0 keeps every record.
   */
  retentionMs?: number;
  /** How often the log is trimmed while consumers run (default 1 hour; the first a minute after the first subscribe). */
  trimIntervalMs?: number;
  firstTrimDelayMs?: number;
}

const DEFAULT_LOG_RETENTION_MS = 7 * 24 * 3_600_000;
/** Records deleted per trim statement. */
const TRIM_BATCH = 1_000;

const LOG = `${IN_PROCESS_SCHEMA}.log`;
const OFFSETS = `${IN_PROCESS_SCHEMA}.consumer_offset`;
/** SQL: the last offset of the topic named by `topic` (a column), -1 while it has none. */
const headOf = (topic: string) => `coalesce((SELECT max(l.log_offset) FROM ${LOG} l WHERE l.topic = ${topic}), -1)`;

/**
 * The embedded-mode transport: the relay appends outbox rows to a per-topic log table in the
 * same database and transaction that marks them published; each consumer group reads the log
 * in offset order and commits its offset after its inbox transaction — Kafka's rules (per-key
 * order, at-least-once, offsets after effects) without a broker. One reader per group and
 * topic, so a topic behaves like a single partition.
 */
export class InProcessTransport implements Transport {
  readonly kind = 'in-process' as const;
  private readonly appended = new EventEmitter();
  private readonly subscriptions = new Set<Subscription>();
  /** Who reads what, for `lag()`: group id → its topics. */
  private readonly readers = new Map<Subscription, { groupId: string; topics: string[] }>();
  /** Resolves when the group's current member stops: the next one takes over (a "rebalance"). */
  private readonly groupTail = new Map<string, Promise<void>>();
  private readonly logger: MessagingLogger;
  private readonly trimmer: Periodic;
  /** How long read records stay (InProcessTransportOptions.retentionMs); 0 keeps them. */
  private readonly retentionMs: number;

  constructor(private readonly options: InProcessTransportOptions) {
    this.appended.setMaxListeners(0);
    this.logger = options.logger ?? silentLogger;
    this.retentionMs = options.retentionMs ?? DEFAULT_LOG_RETENTION_MS;
    this.trimmer = new Periodic(
      () => this.trimAndLog(),
      options.firstTrimDelayMs ?? 60_000,
      options.trimIntervalMs ?? 3_600_000,
    );
  }

  /**
   * Deletes the log's records older than the retention that every group which committed on their
   * topic has read, oldest first, a statement of at most 1,000 per topic at a time; keeps each
   * topic's last record. Returns how many went. A group that never committed cannot hold records
   * back: like a new Kafka group, it starts from the earliest record kept.
   */
  async trim(): Promise<number> {
    if (this.retentionMs <= 0) return 0;
    // The topics, by a skip scan of the primary key (not a scan of the whole log).
    const topics = (
      (await this.options.dataSource.query(
        `WITH RECURSIVE t AS (
           (SELECT topic FROM ${LOG} ORDER BY topic LIMIT 1)
           UNION ALL
           SELECT (SELECT l.topic FROM ${LOG} l WHERE l.topic > t.topic ORDER BY l.topic LIMIT 1) FROM t WHERE t.topic IS NOT NULL)
         SELECT topic FROM t WHERE topic IS NOT NULL`,
      )) as { topic: string }[]
    ).map((r) => r.topic);
    let deleted = 0;
    for (const topic of topics) {
      for (;;) {
        if (this.trimmer.stopping) return deleted;
        const [{ n }] = (await this.options.dataSource.query(trimStatement, [topic, this.retentionMs, TRIM_BATCH])) as {
          n: number;
        }[];
        deleted += n;
        if (n < TRIM_BATCH) break;
      }
    }
    return deleted;
  }

  private async trimAndLog(): Promise<void> {
    try {
      const deleted = await this.trim();
      if (deleted > 0)
        this.logger.info(
          { deleted, retentionMs: this.retentionMs },
          'in-process log deleted records past its retention that every consumer group had read',
        );
    } catch (err) {
      this.logger.warn({ err }, 'in-process log trim failed; the records stay until the next trim');
    }
  }

  async publish(records: OutboundRecord[], tx?: EntityManager): Promise<void> {
    if (records.length === 0) return;
    const run = async (m: EntityManager) => {
      const topics = [...new Set(records.map((r) => r.topic))].sort();
      // Serialise appends per topic so offsets become visible in the order they are assigned.
      for (const topic of topics) await m.query('SELECT pg_advisory_xact_lock($1)', [hashToInt32(`log:${topic}`)]);
      const next = new Map<string, number>();
      for (const topic of topics) {
        const [{ max }] = (await m.query(
          `SELECT coalesce(max(log_offset), -1)::bigint AS max FROM ${LOG} WHERE topic = $1`,
          [topic],
        )) as { max: string }[];
        next.set(topic, Number(max) + 1);
      }
      const values: unknown[] = [];
      const rows: string[] = [];
      for (const r of records) {
        const offset = next.get(r.topic)!;
        next.set(r.topic, offset + 1);
        const n = values.length;
        rows.push(`($${n + 1},$${n + 2},$${n + 3},$${n + 4},$${n + 5})`);
        values.push(r.topic, offset, r.key, JSON.stringify(r.headers), r.payload);
      }
      await m.query(`INSERT INTO ${LOG} (topic, log_offset, key, headers, payload) VALUES ${rows.join(',')}`, values);
    };
    if (tx) await run(tx);
    else await this.options.dataSource.transaction(run);
    if (!tx) this.afterPublishCommitted(new Set(records.map((r) => r.topic)));
  }

  /** Wakes the readers of those topics (the others have nothing new). */
  afterPublishCommitted(topics: ReadonlySet<string>): void {
    this.appended.emit('appended', topics);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    const ds = this.options.dataSource;
    const batchSize = options.maxBatchSize ?? this.options.batchSize ?? 500;
    const idle = new IdleBackoff(this.options.pollIntervalMs ?? 50, this.options.maxIdlePollMs ?? 1_000);
    let active = true;
    // Woken by every append to one of these topics (this process's relay, after its commit).
    const alarm = new Wakeable();
    const onAppended = (topics: ReadonlySet<string>) => {
      if (options.topics.some((t) => topics.has(t))) alarm.wake();
    };
    this.appended.on('appended', onAppended);

    // Where this member is in each topic: read from the group's committed offset when it starts,
    // then kept here as it commits (it is the group's only reader until it stops), so that an idle
    // poll is one statement, not two.
    const positions = new Map<string, number>();
    const position = async (topic: string): Promise<number> => {
      const known = positions.get(topic);
      if (known !== undefined) return known;
      const [row] = (await ds.query(`SELECT committed_offset FROM ${OFFSETS} WHERE group_id = $1 AND topic = $2`, [
        options.groupId,
        topic,
      ])) as { committed_offset: string }[];
      let from = row ? Number(row.committed_offset) : -1;
      if (!row && options.fromBeginning === false) {
        const [{ max }] = (await ds.query(
          `SELECT coalesce(max(log_offset), -1)::bigint AS max FROM ${LOG} WHERE topic = $1`,
          [topic],
        )) as { max: string }[];
        from = Number(max);
      }
      positions.set(topic, from);
      return from;
    };

    const readTopic = async (topic: string): Promise<number> => {
      const from = await position(topic);
      const rows = (await ds.query(
        `SELECT log_offset, key, headers, payload FROM ${LOG} WHERE topic = $1 AND log_offset > $2 ORDER BY log_offset LIMIT $3`,
        [topic, from, batchSize],
      )) as { log_offset: string; key: string; headers: Record<string, string> | string; payload: Buffer | null }[];
      if (rows.length === 0) return 0;
      const records: InboundRecord[] = rows.map((r) => ({
        topic,
        partition: 0,
        offset: String(r.log_offset),
        key: r.key,
        headers: typeof r.headers === 'string' ? (JSON.parse(r.headers) as Record<string, string>) : r.headers,
        payload: r.payload,
      }));
      await options.handle(records, { heartbeat: async () => undefined, isActive: () => active });
      if (!active) return 0;
      const last = records[records.length - 1].offset;
      await ds.query(
        `INSERT INTO ${OFFSETS} (group_id, topic, committed_offset) VALUES ($1, $2, $3)
         ON CONFLICT (group_id, topic) DO UPDATE SET committed_offset = EXCLUDED.committed_offset`,
        [options.groupId, topic, last],
      );
      positions.set(topic, Number(last));
      return records.length;
    };

    const previousMember = this.groupTail.get(options.groupId) ?? Promise.resolve();
    let stopped!: () => void;
    const ownStop = new Promise<void>((r) => (stopped = r));
    let requestStop!: () => void;
    const stopRequested = new Promise<void>((r) => (requestStop = r));
    this.groupTail.set(
      options.groupId,
      Promise.all([previousMember, ownStop]).then(() => undefined),
    );

    /**
     * The topics with records past this member's positions, in one statement: what an idle poll
     * asks (one statement per group, not one per topic) when no append woke it.
     */
    const topicsWithNews = async (): Promise<string[]> => {
      const rows = (await ds.query(
        `SELECT t.topic FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS t(topic, pos, n)
          WHERE EXISTS (SELECT 1 FROM ${LOG} l WHERE l.topic = t.topic AND l.log_offset > t.pos) ORDER BY t.n`,
        [options.topics, options.topics.map((t) => positions.get(t) ?? -1)],
      )) as { topic: string }[];
      return rows.map((r) => r.topic);
    };

    const loop = (async () => {
      await Promise.race([previousMember, stopRequested]);
      let failures = 0;
      let polled = false;
      while (active) {
        let delivered = 0;
        alarm.clear(); // this read answers the appends so far
        try {
          // After a poll every position is known: the last pass read every topic.
          const topics = polled ? await topicsWithNews() : options.topics;
          for (const topic of topics) if (active) delivered += await readTopic(topic);
          failures = 0;
        } catch (err) {
          failures += 1;
          this.logger.warn(
            { err, group: options.groupId, attempt: failures },
            'in-process consumer failed; will retry',
          );
          await new Promise((r) => setTimeout(r, Math.min(5_000, 50 * 2 ** Math.min(failures, 7))));
          polled = false;
          idle.next(false);
          continue;
        }
        polled = delivered === 0 && active && !(await alarm.sleep(idle.ms));
        idle.next(polled);
      }
    })();

    const subscription: Subscription = {
      stop: async () => {
        active = false;
        requestStop();
        alarm.wake();
        this.appended.off('appended', onAppended);
        this.subscriptions.delete(subscription);
        this.readers.delete(subscription);
        await loop;
        stopped();
      },
    };
    this.subscriptions.add(subscription);
    this.readers.set(subscription, { groupId: options.groupId, topics: options.topics });
    this.trimmer.start();
    return subscription;
  }

  /**
   * How far each subscribed group is behind the log (Σ over its topics of the last offset minus
   * the committed one), and a fingerprint of the log's heads, both read in one statement: the
   * same fingerprint read again later means nothing was appended in between.
   */
  async groupsLag(): Promise<InProcessLag> {
    const pairs = new Map<string, { groupId: string; topic: string }>();
    for (const { groupId, topics } of this.readers.values())
      for (const topic of topics) pairs.set(`${groupId}\u0000${topic}`, { groupId, topic });
    const list = [...pairs.values()];
    const rows = (await this.options.dataSource.query(
      `SELECT s.group_id, s.topic,
              ${headOf('s.topic')}::bigint AS head,
              coalesce(o.committed_offset, -1)::bigint AS committed
         FROM unnest($1::text[], $2::text[]) AS s(group_id, topic)
         LEFT JOIN ${OFFSETS} o ON o.group_id = s.group_id AND o.topic = s.topic
        ORDER BY s.group_id, s.topic`,
      [list.map((p) => p.groupId), list.map((p) => p.topic)],
    )) as { group_id: string; topic: string; head: string; committed: string }[];
    const groups = new Map<string, number>();
    const heads = new Map<string, string>();
    for (const r of rows) {
      groups.set(r.group_id, (groups.get(r.group_id) ?? 0) + Math.max(0, Number(r.head) - Number(r.committed)));
      heads.set(r.topic, String(r.head));
    }
    return {
      groups: [...groups].map(([groupId, lag]) => ({ groupId, lag })),
      heads: [...heads].map(([topic, head]) => `${topic}@${head}`).join(','),
    };
  }

  /** Each topic's one partition (0): one past its last offset (0 for an empty topic). */
  async logEnds(topics: string[]): Promise<LogEnds> {
    const unique = [...new Set(topics)].sort();
    const rows = (await this.options.dataSource.query(
      `SELECT t.topic, ${headOf('t.topic')}::bigint AS head
         FROM unnest($1::text[]) AS t(topic)`,
      [unique],
    )) as { topic: string; head: string }[];
    return new Map(rows.map((r) => [r.topic, new Map([[0, Number(r.head) + 1]])]));
  }

  /** Records before `ends` past the group's committed offset (a group that never committed starts at -1). */
  async lagBehind(groupId: string, ends: LogEnds): Promise<number> {
    const topics = [...ends.keys()];
    const rows = (await this.options.dataSource.query(
      `SELECT t.topic, coalesce(o.committed_offset, -1)::bigint AS committed
         FROM unnest($2::text[]) AS t(topic)
         LEFT JOIN ${OFFSETS} o ON o.group_id = $1 AND o.topic = t.topic`,
      [groupId, topics],
    )) as { topic: string; committed: string }[];
    return rows.reduce((n, r) => n + Math.max(0, (ends.get(r.topic)?.get(0) ?? 0) - (Number(r.committed) + 1)), 0);
  }

  /** Log records past the group's committed offset (a group that never committed starts at -1). */
  async lag(groupId: string, topics: string[]): Promise<TopicLag[]> {
    const rows = (await this.options.dataSource.query(
      `SELECT t.topic, ${headOf('t.topic')}
                - coalesce((SELECT o.committed_offset FROM ${OFFSETS} o WHERE o.group_id = $1 AND o.topic = t.topic), -1)
                AS lag
         FROM unnest($2::text[]) AS t(topic)`,
      [groupId, topics],
    )) as { topic: string; lag: string | number }[];
    return rows.map((r) => ({ topic: r.topic, lag: Math.max(0, Number(r.lag)) }));
  }

  async close(): Promise<void> {
    await this.trimmer.stop();
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }
}

/**
 * Deletes, from the start of topic $1 in offset order, at most $3 records appended more than $2
 * milliseconds ago, stopping before the first record that is more recent, that a group which
 * committed on the topic has not read (offsets past its committed one), or the topic's last.
 */
const trimStatement = `WITH bound AS (
    SELECT least((SELECT min(committed_offset) + 1 FROM ${OFFSETS} WHERE topic = $1),
                 (SELECT max(log_offset) FROM ${LOG} WHERE topic = $1)) AS below),
  first AS (SELECT log_offset, appended_at FROM ${LOG} WHERE topic = $1 ORDER BY log_offset LIMIT $3),
  kept AS (SELECT min(f.log_offset) AS o FROM first f, bound b
            WHERE f.log_offset >= b.below OR f.appended_at >= now() - $2::bigint * interval '1 millisecond'),
  gone AS (DELETE FROM ${LOG} l USING first f, kept k
            WHERE l.topic = $1 AND l.log_offset = f.log_offset AND (k.o IS NULL OR f.log_offset < k.o) RETURNING 1)
  SELECT count(*)::int AS n FROM gone`;
