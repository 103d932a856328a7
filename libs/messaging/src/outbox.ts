import { EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import { EventPayload, EventType, encodePayload, topicOf } from '@collections/contracts';
import { Header, Headers, buildHeaders } from './envelope';
import { assertIdentifier } from './schema';

export interface NewEvent<T extends EventType> {
  type: T;
  /** Partition key: the account id, so each account's events stay in order. */
  key: string;
  tenantId: string;
  payload: EventPayload<T>;
  subject?: string;
  time?: Date;
  id?: string;
  /** W3C trace context of the request that caused it, when that is not the current one (batches). */
  traceparent?: string;
}

export interface OutboxOptions {
  schema: string;
  /** CloudEvents source, e.g. `/collections/ledger`. */
  source: string;
  /** Returns the current W3C traceparent, if a trace is active. */
  traceparent?: () => string | undefined;
  /** Called after a transaction that added events (lets a relay in this process wake at once). */
  onAdded?: () => void;
}

/**
 * Writes events into the service's outbox table inside the caller's transaction, so the state
 * change and its events commit or roll back together. Nothing here talks to a broker.
 */
export class Outbox {
  private readonly table: string;

  constructor(private readonly options: OutboxOptions) {
    this.table = `${assertIdentifier(options.schema)}.outbox`;
  }

  async add<T extends EventType>(tx: EntityManager, event: NewEvent<T>): Promise<string> {
    const [id] = await this.addMany(tx, [event]);
    return id;
  }

  async addMany(tx: EntityManager, events: NewEvent<EventType>[]): Promise<string[]> {
    if (events.length === 0) return [];
    const columns = this.columnsOf(events);
    await this.insert(tx, columns);
    return columns.eventIds;
  }

  /**
   * The outbox insert as one statement to run inside the caller's own statement (a
   * data-modifying CTE), saving a round trip on hot paths. Parameters are numbered from
   * `firstParam`. The caller must run it in `tx`: the relay is woken after that commit.
   */
  statement(
    tx: EntityManager,
    events: NewEvent<EventType>[],
    firstParam: number,
  ): { sql: string; params: unknown[]; eventIds: string[] } {
    const c = this.columnsOf(events);
    const n = firstParam;
    this.scheduleWake(tx);
    return { sql: this.insertSql(n), params: paramsOf(c), eventIds: c.eventIds };
  }

  private columnsOf(events: NewEvent<EventType>[]): OutboxColumns {
    const traceparent = this.options.traceparent?.();
    const columns: OutboxColumns = { eventIds: [], tenantIds: [], topics: [], keys: [], headers: [], payloads: [] };
    for (const e of events) {
      const headers = buildHeaders({
        type: e.type,
        source: this.options.source,
        tenantId: e.tenantId,
        subject: e.subject ?? e.key,
        time: e.time,
        id: e.id,
        traceparent: e.traceparent ?? traceparent,
      });
      const payload = Buffer.from(encodePayload(e.type, e.payload as EventPayload<typeof e.type>));
      pushColumns(columns, headers[Header.Id], e.tenantId, topicOf(e.type), e.key, headers, payload);
    }
    return columns;
  }

  /** Enqueues an already-encoded record (dead letters, replays) with its headers unchanged. */
  async addRaw(
    tx: EntityManager,
    record: { eventId: string; tenantId: string; topic: string; key: string; headers: Headers; payload: Buffer | null },
  ): Promise<void> {
    const columns: OutboxColumns = { eventIds: [], tenantIds: [], topics: [], keys: [], headers: [], payloads: [] };
    pushColumns(columns, record.eventId, record.tenantId, record.topic, record.key, record.headers, record.payload);
    await this.insert(tx, columns);
  }

  /** One statement for any number of rows: arrays bind as six parameters, whatever the count. */
  private async insert(tx: EntityManager, c: OutboxColumns): Promise<void> {
    await tx.query(this.insertSql(1), paramsOf(c));
    this.scheduleWake(tx);
  }

  /**
   * The rows as arrays, parameters numbered from `n`; the headers go as one JSON array (row i
   * takes element i), since as an array of jsonb every header's quotes would be escaped one by
   * one into the array literal.
   */
  private insertSql(n: number): string {
    return `INSERT INTO ${this.table} (event_id, tenant_id, topic, key, headers, payload)
            SELECT e, t, tp, k, (SELECT $${n + 4}::jsonb) -> (ord::int - 1), p
              FROM unnest($${n}::text[], $${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[], $${n + 5}::bytea[])
                WITH ORDINALITY AS r(e, t, tp, k, p, ord)`;
  }

  private scheduleWake(tx: EntityManager): void {
    const runner = tx.queryRunner;
    if (runner?.isTransactionActive) {
      // Woken after commit by OutboxCommitSubscriber: the relay must not look before then.
      runner.data = { ...runner.data, [OUTBOX_WAKE]: this.options.onAdded };
    } else {
      this.options.onAdded?.();
    }
  }
}

interface OutboxColumns {
  eventIds: string[];
  tenantIds: string[];
  topics: string[];
  keys: string[];
  headers: Headers[];
  payloads: (Buffer | null)[];
}

function paramsOf(c: OutboxColumns): unknown[] {
  return [c.eventIds, c.tenantIds, c.topics, c.keys, JSON.stringify(c.headers), c.payloads];
}

function pushColumns(
  c: OutboxColumns,
  eventId: string,
  tenantId: string,
  topic: string,
  key: string,
  headers: Headers,
  payload: Buffer | null,
): void {
  c.eventIds.push(eventId);
  c.tenantIds.push(tenantId);
  c.topics.push(topic);
  c.keys.push(key);
  c.headers.push(headers);
  c.payloads.push(payload);
}

const OUTBOX_WAKE = 'collections.outboxWake';

/**
 * Register on a DataSource (`subscribers: [OutboxCommitSubscriber]`) so a relay in the same
 * process hears about new outbox rows as soon as their transaction commits instead of waiting
 * for its next poll.
 */
export class OutboxCommitSubscriber implements EntitySubscriberInterface {
  afterTransactionCommit(event: TransactionCommitEvent): void {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    const wake = data?.[OUTBOX_WAKE];
    if (typeof wake === 'function') {
      delete data![OUTBOX_WAKE];
      (wake as () => void)();
    }
  }
}
