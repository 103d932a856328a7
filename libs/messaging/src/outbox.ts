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
    const traceparent = this.options.traceparent?.();
    const ids: string[] = [];
    const values: unknown[] = [];
    const rows: string[] = [];
    for (const e of events) {
      const headers = buildHeaders({
        type: e.type,
        source: this.options.source,
        tenantId: e.tenantId,
        subject: e.subject ?? e.key,
        time: e.time,
        id: e.id,
        traceparent,
      });
      ids.push(headers[Header.Id]);
      const payload = Buffer.from(encodePayload(e.type, e.payload as EventPayload<typeof e.type>));
      this.pushRow(rows, values, headers, e.tenantId, topicOf(e.type), e.key, payload);
    }
    await tx.query(
      `INSERT INTO ${this.table} (event_id, tenant_id, topic, key, headers, payload) VALUES ${rows.join(',')}`,
      values,
    );
    this.scheduleWake(tx);
    return ids;
  }

  /** Enqueues an already-encoded record (dead letters, replays) with its headers unchanged. */
  async addRaw(
    tx: EntityManager,
    record: { eventId: string; tenantId: string; topic: string; key: string; headers: Headers; payload: Buffer | null },
  ): Promise<void> {
    const rows: string[] = [];
    const values: unknown[] = [];
    this.pushRow(
      rows,
      values,
      record.headers,
      record.tenantId,
      record.topic,
      record.key,
      record.payload,
      record.eventId,
    );
    await tx.query(
      `INSERT INTO ${this.table} (event_id, tenant_id, topic, key, headers, payload) VALUES ${rows.join(',')}`,
      values,
    );
    this.scheduleWake(tx);
  }

  private pushRow(
    rows: string[],
    values: unknown[],
    headers: Headers,
    tenantId: string,
    topic: string,
    key: string,
    payload: Buffer | null,
    eventId = headers[Header.Id],
  ): void {
    const n = values.length;
    rows.push(`($${n + 1},$${n + 2},$${n + 3},$${n + 4},$${n + 5},$${n + 6})`);
    values.push(eventId, tenantId, topic, key, JSON.stringify(headers), payload);
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
