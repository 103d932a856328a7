import { Transport } from './transport';
import { RetentionSweepOptions, RetentionSweeper } from './wakeable';

export interface InboxRetentionOptions extends RetentionSweepOptions {
  transport: Transport;
  /** The topics the service's consumers read, asked at each sweep (consumers are added after construction). */
  topics: () => string[];
  /**
   * How long a processed event's id stays in the inbox at least (default 14 days); the transport's
   * redelivery horizon for the consumed topics, when longer, wins. 0 keeps every id for ever.
   */
  retentionMs?: number;
  /** Heap pages of the inbox each delete statement looks at (default 256, 2 MB with 8 kB pages). */
  pagesPerStatement?: number;
}

/** What one sweep did. */
export interface InboxSweep {
  /** Ids deleted. */
  deleted: number;
  /** Delete statements run (one per `pagesPerStatement` pages of the table). */
  statements: number;
  /** How long ids were kept: the longer of the retention and the redelivery horizon; Infinity: all kept. */
  keptMs: number;
}

const DEFAULT_RETENTION_MS = 14 * 24 * 3_600_000;
const DEFAULT_PAGES_PER_STATEMENT = 256;

/**
 * Deletes the inbox ids of events processed longer ago than they can come back. Without it every
 * consumed event leaves a row for ever (one per event and consumer). An id may go only once no
 * redelivery can bring its event again: after the retention, and after the transport's redelivery
 * horizon for the topics consumed (Kafka: a topic's retention plus a segment's age, for a group
 * whose offsets expired and which starts again from the earliest record kept), whichever is later.
 *
 * Event ids are random, so the inbox has no order to walk by age: a sweep walks the table's heap
 * instead, `pagesPerStatement` pages per statement (a TID range scan), deleting the expired rows
 * there, so no statement holds more than a slice of the table however large it is, and inserts
 * pay for no extra index. Several replicas sweeping at once delete the same rows once.
 */
export class InboxRetention extends RetentionSweeper {
  /** How long the last sweep kept ids, to log a change of it once rather than every hour. */
  private lastKeptMs?: number;

  constructor(private readonly options: InboxRetentionOptions) {
    super(options, 'inbox', DEFAULT_RETENTION_MS);
  }

  /**
   * One pass over the whole inbox: deletes every id processed longer ago than both the retention
   * and the transport's redelivery horizon. A running sweeper stops between statements when stopped.
   */
  async sweep(): Promise<InboxSweep> {
    const keptMs = this.retentionMs <= 0 ? Infinity : Math.max(this.retentionMs, await this.horizonMs());
    const result: InboxSweep = { deleted: 0, statements: 0, keptMs };
    if (!Number.isFinite(keptMs)) return result;
    const step = this.options.pagesPerStatement ?? DEFAULT_PAGES_PER_STATEMENT;
    const [{ pages }] = (await this.options.dataSource.query(
      `SELECT (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int AS pages`,
      [this.table],
    )) as { pages: number }[];
    for (let from = 0; from < pages; from += step) {
      if (this.stopping) break;
      const [{ n }] = (await this.options.dataSource.query(
        `WITH gone AS (DELETE FROM ${this.table} WHERE ctid >= $1::tid AND ctid < $2::tid
                          AND processed_at < now() - $3::bigint * interval '1 millisecond' RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [`(${from},0)`, `(${from + step},0)`, keptMs],
      )) as { n: number }[];
      result.deleted += n;
      result.statements += 1;
    }
    return result;
  }

  /** The longest any consumed topic's record can come back (0 when the transport cannot say: none). */
  private async horizonMs(): Promise<number> {
    const topics = [...new Set(this.options.topics())];
    if (topics.length === 0 || !this.options.transport.redeliveryHorizonMs) return 0;
    return this.options.transport.redeliveryHorizonMs(topics);
  }

  protected async sweepAndLog(): Promise<void> {
    const started = Date.now();
    try {
      const sweep = await this.sweep();
      const schema = this.options.schema;
      if (sweep.keptMs !== this.lastKeptMs && sweep.keptMs !== this.retentionMs) {
        if (Number.isFinite(sweep.keptMs))
          this.logger.info(
            { schema, retentionMs: this.retentionMs, keptMs: sweep.keptMs },
            'inbox keeps event ids past its retention: the broker may deliver their records again until then',
          );
        else
          this.logger.warn(
            { schema, retentionMs: this.retentionMs },
            'inbox keeps every event id: a consumed topic keeps its records for ever (retention.ms -1 or compaction), or INBOX_RETENTION_HOURS is 0',
          );
      }
      this.lastKeptMs = sweep.keptMs;
      if (sweep.deleted > 0)
        this.logger.info(
          {
            schema,
            deleted: sweep.deleted,
            statements: sweep.statements,
            keptMs: sweep.keptMs,
            ms: Date.now() - started,
          },
          'inbox deleted the ids of events processed before its retention',
        );
    } catch (err) {
      this.logger.warn(
        { err, schema: this.options.schema },
        'inbox retention sweep failed; the ids stay until the next sweep',
      );
    }
  }
}
