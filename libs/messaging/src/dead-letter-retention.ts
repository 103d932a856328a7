import { RetentionSweepOptions, RetentionSweeper } from './wakeable';

export interface DeadLetterRetentionOptions extends RetentionSweepOptions {
  /**
   * How long a replayed dead letter stays after its replay (default 30 days). 0 keeps every dead
   * letter for ever. Dead letters never replayed are never deleted, whatever this is.
   */
  retentionMs?: number;
  /** Dead letters each delete statement deletes at most (default 500). */
  batchSize?: number;
}

/** What one sweep did. */
export interface DeadLetterSweep {
  /** Replayed dead letters deleted. */
  deleted: number;
  /** Delete statements run (each of at most `batchSize` dead letters). */
  statements: number;
  /** When the longest-ago replayed of the deleted dead letters was replayed; null when none was. */
  oldestReplayedAt: Date | null;
}

const DEFAULT_RETENTION_MS = 30 * 24 * 3_600_000;
const DEFAULT_BATCH_SIZE = 500;

/**
 * Deletes the dead letters replayed longer ago than the retention. A replayed dead letter's record
 * went back to its topic and was processed again (or failed again: a new dead letter), so the row
 * is history only, and it holds the whole record, personal data included; without a retention it
 * stays for ever. Dead letters never replayed are an operator's open work and are never deleted.
 *
 * Oldest replay first, `batchSize` rows per statement (through the index on `replayed_at`), so no
 * statement holds more than a batch of rows however large the table; rows another replica's sweep
 * holds are skipped, not waited for.
 */
export class DeadLetterRetention extends RetentionSweeper {
  constructor(private readonly options: DeadLetterRetentionOptions) {
    super(options, 'dead_letter', DEFAULT_RETENTION_MS);
  }

  /**
   * Deletes every dead letter replayed longer ago than the retention, a batch per statement, each
   * in its own transaction. A running sweeper stops between statements when stopped.
   */
  async sweep(): Promise<DeadLetterSweep> {
    const result: DeadLetterSweep = { deleted: 0, statements: 0, oldestReplayedAt: null };
    if (this.retentionMs <= 0) return result;
    const batch = this.options.batchSize ?? DEFAULT_BATCH_SIZE;
    for (;;) {
      if (this.stopping) break;
      const [{ n, oldest }] = (await this.options.dataSource.query(
        `WITH gone AS (
           DELETE FROM ${this.table} WHERE id IN (
             SELECT id FROM ${this.table}
              WHERE replayed_at IS NOT NULL AND replayed_at < now() - $1::bigint * interval '1 millisecond'
              ORDER BY replayed_at LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING replayed_at)
         SELECT count(*)::int AS n, min(replayed_at) AS oldest FROM gone`,
        [this.retentionMs, batch],
      )) as { n: number; oldest: Date | null }[];
      result.statements += 1;
      result.deleted += n;
      if (oldest && (!result.oldestReplayedAt || oldest < result.oldestReplayedAt)) result.oldestReplayedAt = oldest;
      if (n < batch) break;
    }
    return result;
  }

  protected async sweepAndLog(): Promise<void> {
    const started = Date.now();
    try {
      const sweep = await this.sweep();
      if (sweep.deleted > 0)
        this.logger.info(
          {
            schema: this.options.schema,
            deleted: sweep.deleted,
            statements: sweep.statements,
            oldestReplayedAt: sweep.oldestReplayedAt?.toISOString(),
            retentionMs: this.retentionMs,
            ms: Date.now() - started,
          },
          'deleted the dead letters replayed before their retention; dead letters never replayed are kept until an operator replays them',
        );
    } catch (err) {
      this.logger.warn(
        { err, schema: this.options.schema },
        'dead-letter retention sweep failed; the replayed dead letters stay until the next sweep',
      );
    }
  }
}
