import { EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';
import { EventPayload, EventType, payloadEncoder, topicOf } from '@collections/contracts';
import { CONTENT_TYPE, Header, Headers, SPEC_VERSION, buildHeaders } from './envelope';
import { arrayOf, orderedUuid } from '@collections/platform';
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

  /** Where `copyText` lines go: `COPY <table> (<columns>) FROM STDIN` (text format). */
  get copyTarget(): { readonly table: string; readonly columns: readonly string[] } {
    return { table: this.table, columns: COPY_COLUMNS };
  }

  /**
   * The events as lines of COPY FROM STDIN text format into `copyTarget`, in pieces of about
   * 64 KiB, for a caller that streams many events into the outbox in its own transaction (the
   * same rows, headers and payloads `addMany` inserts). The relay is woken after `tx` commits.
   */
  *copyText(tx: EntityManager, events: readonly NewEvent<EventType>[]): Generator<string, void, undefined> {
    this.scheduleWake(tx);
    let piece = '';
    for (const row of this.rows(events)) {
      // JSON text has no raw tab, newline or carriage return: only its backslashes need escaping.
      const { headers, payload } = row;
      piece += `${copyField(row.id)}\t${copyField(row.tenantId)}\t${row.topic}\t${copyField(row.key)}\t${
        headers.includes('\\') ? headers.replace(/\\/g, '\\\\') : headers
      }\t\\\\x${payload.toString('hex')}\n`;
      if (piece.length > 1 << 16) {
        yield piece;
        piece = '';
      }
    }
    if (piece) yield piece;
  }

  /**
   * Each event as its outbox row, with the headers as JSON text: the attributes alike events
   * share (type, source, time, tenant, trace) are serialised once per batch, and one protobuf
   * writer is reused, so a batch costs little more than its payloads.
   */
  private *rows(events: readonly NewEvent<EventType>[]): Generator<OutboxRow, void, undefined> {
    const traceparent = this.options.traceparent?.();
    const encode = payloadEncoder();
    // buildHeaders' attributes but the id and subject, as the inside of a JSON object, per kind
    // of event in the batch (a posting's events alternate PaymentPosted and BalanceChanged).
    const invariants = new Map<string, string>();
    for (const e of events) {
      const trace = e.traceparent ?? traceparent;
      const kind = `${e.type}\n${e.tenantId}\n${e.time?.getTime() ?? ''}\n${trace ?? ''}`;
      let invariant = invariants.get(kind);
      if (invariant === undefined) {
        const h = buildHeaders({ type: e.type, source: this.options.source, tenantId: e.tenantId, time: e.time });
        const constant: Headers = {
          [Header.Type]: h[Header.Type],
          [Header.Source]: h[Header.Source],
          [Header.Time]: h[Header.Time],
          [Header.SpecVersion]: SPEC_VERSION,
          [Header.ContentType]: CONTENT_TYPE,
          [Header.TenantId]: h[Header.TenantId],
        };
        if (trace) constant[Header.TraceParent] = trace;
        invariant = JSON.stringify(constant).slice(1, -1);
        invariants.set(kind, invariant);
      }
      const id = e.id ?? orderedUuid();
      const subject = e.subject ?? e.key;
      const payload = encode(e.type, e.payload);
      yield {
        id,
        tenantId: e.tenantId,
        topic: topicOf(e.type),
        key: e.key,
        headers: `{"${Header.Id}":${JSON.stringify(id)},${invariant}${
          subject ? `,"${Header.Subject}":${JSON.stringify(subject)}` : ''
        }}`,
        payload: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
      };
    }
  }

  private columnsOf(events: readonly NewEvent<EventType>[]): OutboxColumns {
    const columns: OutboxColumns = { eventIds: [], tenantIds: [], topics: [], keys: [], headers: [], payloads: [] };
    for (const row of this.rows(events)) {
      pushColumns(columns, row.id, row.tenantId, row.topic, row.key, row.headers, row.payload);
    }
    return columns;
  }

  /** Enqueues an already-encoded record (dead letters, replays) with its headers unchanged. */
  async addRaw(
    tx: EntityManager,
    record: { eventId: string; tenantId: string; topic: string; key: string; headers: Headers; payload: Buffer | null },
  ): Promise<void> {
    const columns: OutboxColumns = { eventIds: [], tenantIds: [], topics: [], keys: [], headers: [], payloads: [] };
    pushColumns(
      columns,
      record.eventId,
      record.tenantId,
      record.topic,
      record.key,
      JSON.stringify(record.headers),
      record.payload,
    );
    await this.insert(tx, columns);
  }

  /** One statement for any number of rows: arrays bind as six parameters, whatever the count. */
  private async insert(tx: EntityManager, c: OutboxColumns): Promise<void> {
    await tx.query(this.insertSql(1), paramsOf(c));
    this.scheduleWake(tx);
  }

  /**
   * The rows as arrays, parameters numbered from `n`; the headers go as one JSON array (row i
   * takes element i), since as an array of json every header's quotes would be escaped one by
   * one into the array literal. ROWS FROM walks the arrays side by side, in order (the ids follow
   * the events' order). The column is json (messagingOutboxHeadersJsonMigration): parsing the
   * array as jsonb cost more than the rest of the insert.
   */
  private insertSql(n: number): string {
    return `INSERT INTO ${this.table} (event_id, tenant_id, topic, key, headers, payload)
            SELECT e, t, tp, k, h, p
              FROM ROWS FROM (unnest($${n}::text[], $${n + 1}::text[], $${n + 2}::text[], $${n + 3}::text[], $${n + 5}::bytea[]),
                json_array_elements($${n + 4}::json)) AS r(e, t, tp, k, p, h)`;
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

/** One event as its outbox row; `headers` is a JSON object's text. */
interface OutboxRow {
  id: string;
  tenantId: string;
  topic: string;
  key: string;
  headers: string;
  payload: Buffer;
}

interface OutboxColumns {
  eventIds: string[];
  tenantIds: string[];
  topics: string[];
  keys: string[];
  /** Each row's headers as JSON object text. */
  headers: string[];
  payloads: (Buffer | null)[];
}

const text = (values: readonly string[]) => arrayOf(values, (v) => v);

function paramsOf(c: OutboxColumns): unknown[] {
  return [text(c.eventIds), text(c.tenantIds), text(c.topics), text(c.keys), `[${c.headers.join(',')}]`, c.payloads];
}

function pushColumns(
  c: OutboxColumns,
  eventId: string,
  tenantId: string,
  topic: string,
  key: string,
  headers: string,
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

const COPY_COLUMNS = ['event_id', 'tenant_id', 'topic', 'key', 'headers', 'payload'] as const;

/** A text value in COPY text format (backslash, tab, newline and carriage return escaped). */
function copyField(v: string): string {
  return /[\\\t\n\r]/.test(v)
    ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : v;
}

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
