import { EventEmitter } from 'node:events';
import { DataSource, EntityManager } from 'typeorm';
import { hashToInt32 } from './relay';
import { IN_PROCESS_SCHEMA } from './schema';
import { IdleBackoff, Wakeable } from './wakeable';
import {
  InboundRecord,
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
}

const LOG = `${IN_PROCESS_SCHEMA}.log`;
const OFFSETS = `${IN_PROCESS_SCHEMA}.consumer_offset`;

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

  constructor(private readonly options: InProcessTransportOptions) {
    this.appended.setMaxListeners(0);
    this.logger = options.logger ?? silentLogger;
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
              coalesce((SELECT max(l.log_offset) FROM ${LOG} l WHERE l.topic = s.topic), -1)::bigint AS head,
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

  /** Log records past the group's committed offset (a group that never committed starts at -1). */
  async lag(groupId: string, topics: string[]): Promise<TopicLag[]> {
    const rows = (await this.options.dataSource.query(
      `SELECT t.topic, coalesce((SELECT max(l.log_offset) FROM ${LOG} l WHERE l.topic = t.topic), -1)
                - coalesce((SELECT o.committed_offset FROM ${OFFSETS} o WHERE o.group_id = $1 AND o.topic = t.topic), -1)
                AS lag
         FROM unnest($2::text[]) AS t(topic)`,
      [groupId, topics],
    )) as { topic: string; lag: string | number }[];
    return rows.map((r) => ({ topic: r.topic, lag: Math.max(0, Number(r.lag)) }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }
}
