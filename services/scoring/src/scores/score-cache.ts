import { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, Notification } from 'pg';
import { DataSource, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { Logger } from '@collections/platform';
import { allowsNamedStatements } from '@collections/runtime';
import { scoresWrittenBy } from './score-writes';
import type { ScoreRow } from './scores.repository';

/** The channel the account_score trigger announces changes on (migration 1763900010400). */
export const SCORE_CHANGED_CHANNEL = 'scoring_account_score';

/** Scores kept at most; beyond that the one kept first goes (a miss only costs a database read). */
export const SCORE_CACHE_ENTRIES = 50_000;

/** Dropped keys remembered for reads in flight; past that, such reads keep nothing. */
const MAX_DROPS_KEPT = 10_000;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 30_000;

const keyOf = (tenantId: string, accountId: string) => `${tenantId}\u0000${accountId}`;

function frozen(row: ScoreRow): ScoreRow {
  Object.freeze(row.reasons);
  Object.freeze(row.imputed_features);
  if (row.challenger_reasons) Object.freeze(row.challenger_reasons);
  return Object.freeze(row);
}

/**
 * The latest stored score of recently read accounts, keyed by tenant and account, so that
 * ScoreAccount answers without a database round trip. It only answers while it is `live`, i.e.
 * while this instance hears every change of account_score (see ScoreCacheListener): a change
 * made here drops its entries when its transaction commits, a change made anywhere else when
 * its notification arrives; losing the notification connection empties the cache and turns it
 * off until it is back. A miss always reads the database.
 *
 * A read fills the cache only with rows not dropped between the moment it was queued and its
 * answer (`mark`/`fill`): a row that may predate a change the read has not seen is never kept.
 */
export class ScoreCache {
  private readonly entries = new Map<string, ScoreRow>();
  /** Counts drops; a read's mark is its value when the read was queued. */
  private generation = 0;
  /** Keys dropped, with the generation of their last drop (forgotten wholesale past MAX_DROPS_KEPT). */
  private readonly drops = new Map<string, number>();
  /** The generation of the last drop of everything: reads marked before it keep nothing. */
  private droppedAll = 0;
  private live = false;

  constructor(private readonly maxEntries = SCORE_CACHE_ENTRIES) {}

  get enabled(): boolean {
    return this.live;
  }

  get size(): number {
    return this.entries.size;
  }

  /** On: the caller guarantees it hears every change from now on. Off: nothing is answered. Either way, empty. */
  setLive(live: boolean): void {
    this.clear();
    this.live = live;
  }

  get(tenantId: string, accountId: string): ScoreRow | undefined {
    return this.live ? this.entries.get(keyOf(tenantId, accountId)) : undefined;
  }

  /** Taken before a database read whose answer may fill the cache; undefined when it must not. */
  mark(): number | undefined {
    return this.live ? this.generation : undefined;
  }

  /** Keeps one tenant's rows read since `mark`, but none dropped meanwhile (its row may predate that change). */
  fill(mark: number | undefined, tenantId: string, rows: ReadonlyMap<string, ScoreRow>): void {
    if (mark === undefined || !this.live || mark < this.droppedAll) return;
    for (const [accountId, row] of rows) {
      const key = keyOf(tenantId, accountId);
      if ((this.drops.get(key) ?? 0) > mark) continue;
      this.entries.delete(key); // re-inserted last: entries go in the order they were kept
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(key, frozen(row));
    }
  }

  invalidate(tenantId: string, accountId: string): void {
    const key = keyOf(tenantId, accountId);
    this.entries.delete(key);
    this.drops.delete(key);
    this.drops.set(key, ++this.generation);
    if (this.drops.size > MAX_DROPS_KEPT) {
      // forgetting which keys were dropped: reads marked before now keep nothing
      this.drops.clear();
      this.droppedAll = this.generation;
    }
  }

  clear(): void {
    this.entries.clear();
    this.drops.clear();
    this.droppedAll = ++this.generation;
  }
}

class ScoreCacheCommitSubscriber implements EntitySubscriberInterface {
  constructor(private readonly cache: ScoreCache) {}

  afterTransactionCommit(event: TransactionCommitEvent): void {
    for (const [tenantId, accountId] of scoresWrittenBy(event.queryRunner)) this.cache.invalidate(tenantId, accountId);
  }
}

function connectionConfig(dataSource: DataSource) {
  const o = dataSource.options as PostgresConnectionOptions;
  return o.url
    ? { connectionString: o.url }
    : {
        host: o.host,
        port: o.port,
        user: o.username,
        password: o.password as string | undefined,
        database: o.database,
      };
}

/**
 * Keeps a ScoreCache live: one dedicated connection LISTENs to the account_score trigger's
 * notifications and drops what changed (whatever instance or session changed it), and this
 * process's own commits drop theirs at once. The cache is on only while that connection is up;
 * when it drops, the cache empties and reads go to the database until it is back.
 * Off on a database without sessions of its own per connection (the embedded PGlite server).
 */
export class ScoreCacheListener implements OnModuleInit, OnModuleDestroy {
  private client: Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = RECONNECT_MIN_MS;
  private stopped = false;
  private readonly subscriber: ScoreCacheCommitSubscriber;

  constructor(
    private readonly cache: ScoreCache,
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    this.subscriber = new ScoreCacheCommitSubscriber(cache);
  }

  /** Resolves once the cache is live (or is to stay off, or the first attempt failed and a retry is scheduled). */
  async onModuleInit(): Promise<void> {
    if (!allowsNamedStatements(this.dataSource)) return;
    this.stopped = false;
    if (!this.dataSource.subscribers.includes(this.subscriber)) this.dataSource.subscribers.push(this.subscriber);
    await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.cache.setLive(false);
    const i = this.dataSource.subscribers.indexOf(this.subscriber);
    if (i >= 0) this.dataSource.subscribers.splice(i, 1);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client(connectionConfig(this.dataSource));
    this.client = client;
    client.on('notification', (n) => this.heard(n));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${SCORE_CHANGED_CHANNEL}`);
    } catch (err) {
      this.lost(client, err);
      return;
    }
    if (this.client !== client) return; // lost or stopped meanwhile
    this.backoffMs = RECONNECT_MIN_MS;
    this.cache.setLive(true); // from here on every commit is heard: what was cached before is dropped
  }

  private heard(n: Notification): void {
    if (n.channel !== SCORE_CHANGED_CHANNEL || !n.payload) return;
    let change: unknown;
    try {
      change = JSON.parse(n.payload);
    } catch {
      this.cache.clear();
      return;
    }
    if (!Array.isArray(change) || change[0] !== this.schema) return;
    if (change.length >= 3) this.cache.invalidate(String(change[1]), String(change[2]));
    else this.cache.clear();
  }

  private lost(client: Client, err?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.cache.setLive(false);
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger?.warn({ err }, 'score cache: change notifications lost; reading scores from the database');
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
    this.timer = setTimeout(() => {
      if (!this.stopped) void this.connect();
    }, delay);
    this.timer.unref();
  }
}
