import { DataSource, EntityManager } from 'typeorm';
import { arrayOf } from '@collections/platform';
import { Header, Headers } from './envelope';
import { Outbox } from './outbox';
import { assertIdentifier } from './schema';

export interface DeadLetterView {
  id: string;
  consumer: string;
  eventId: string | null;
  tenantId: string | null;
  type: string | null;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  error: string;
  attempts: number;
  createdAt: Date;
  replayedAt: Date | null;
  /** When a debtor's erasure reached it (eraseDeadLetters): its record is gone, it cannot be replayed. */
  erasedAt: Date | null;
}

interface DeadLetterRow {
  id: string;
  consumer: string;
  event_id: string | null;
  tenant_id: string | null;
  topic: string;
  partition: number;
  record_offset: string;
  key: string | null;
  headers: Headers | string;
  payload: Buffer | null;
  reason: string;
  error: string;
  attempts: number;
  created_at: Date;
  replayed_at: Date | null;
  erased_at: Date | null;
}

/** A dead letter as written: by a consumer (a record it cannot apply) or by the outbox relay (one it cannot publish). */
export interface NewDeadLetter {
  consumer: string;
  eventId: string | null;
  tenantId: string | null;
  topic: string;
  partition: number;
  offset: string;
  key: string;
  headers: Headers;
  payload: Buffer | null;
  reason: string;
  /** Cut to 1,000 characters. */
  error: string;
  attempts: number;
}

/** Writes one dead letter into `table` (a schema's dead_letter), in the caller's transaction. */
export async function insertDeadLetter(tx: EntityManager, table: string, d: NewDeadLetter): Promise<void> {
  await tx.query(
    `INSERT INTO ${table}
      (consumer, event_id, tenant_id, topic, partition, record_offset, key, headers, payload, reason, error, attempts)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
    [
      d.consumer,
      d.eventId,
      d.tenantId,
      d.topic,
      d.partition,
      d.offset,
      d.key,
      JSON.stringify(d.headers),
      d.payload,
      d.reason,
      d.error.slice(0, 1000),
      d.attempts,
    ],
  );
}

function mapDeadLetter(r: DeadLetterRow): DeadLetterView {
  const headers = typeof r.headers === 'string' ? (JSON.parse(r.headers) as Headers) : r.headers;
  return {
    id: String(r.id),
    consumer: r.consumer,
    eventId: r.event_id,
    tenantId: r.tenant_id,
    type: headers.ce_type ?? null,
    topic: r.topic,
    partition: r.partition,
    offset: r.record_offset,
    reason: r.reason,
    error: r.error,
    attempts: r.attempts,
    createdAt: r.created_at,
    replayedAt: r.replayed_at,
    erasedAt: r.erased_at,
  };
}

/** What an erased dead letter's error reads as (the ledger's own word for its pseudonymised data). */
export const ERASED_DEAD_LETTER_ERROR = 'erased';

/** The headers an erased dead letter keeps: the envelope's routing, type, time and ids, never a producer's free header. */
const HEADERS_KEPT_BY_ERASURE = Object.values(Header);

/**
 * Erases, in the caller's transaction, the dead letters of a tenant whose record key is one of
 * `keys` (the aggregate ids: a debtor's id for debtor events, an account's id for account events),
 * as a debtor's erasure must: the record (`payload`) is dropped, the error text (which may quote the
 * record) becomes 'erased', the headers keep only the envelope's (ce_id, ce_type, ce_source,
 * ce_time, ce_subject, ce_specversion, content-type, ce_tenantid, traceparent), and `erased_at` is
 * set. What stays says what failed, where and when: consumer, event id, topic, partition, offset,
 * key, reason, attempts and times. Such a dead letter can no longer be replayed (its record is
 * gone); it stays listed until an operator deals with it. Returns how many were erased; those
 * erased before are left as they are. Both the consumers' dead letters and the relay's are reached.
 */
export async function eraseDeadLetters(
  tx: EntityManager,
  schema: string,
  tenantId: string,
  keys: readonly string[],
): Promise<number> {
  if (keys.length === 0) return 0;
  const [{ n }] = (await tx.query(
    `WITH erased AS (
       UPDATE ${assertIdentifier(schema)}.dead_letter d
          SET payload = NULL, error = $3, erased_at = now(),
              headers = coalesce((SELECT jsonb_object_agg(h.key, h.value) FROM jsonb_each(d.headers) h
                                   WHERE h.key = ANY($4::text[])), '{}'::jsonb)
        WHERE d.tenant_id = $1 AND d.key = ANY($2::text[]) AND d.erased_at IS NULL
        RETURNING 1)
     SELECT count(*)::int AS n FROM erased`,
    [tenantId, arrayOf(keys, (k) => k), ERASED_DEAD_LETTER_ERROR, arrayOf(HEADERS_KEPT_BY_ERASURE, (h) => h)],
  )) as { n: number }[];
  return n;
}

/**
 * Lists a service's dead letters (kept in its schema beside the copy sent to its dead-letter
 * topic) and replays one: the original record goes back to its original topic through the
 * outbox, and the consumer's inbox forgets it so it is processed again. A debtor's erasure
 * erases theirs (`erase`); DeadLetterRetention deletes the replayed ones after a while.
 */
export class DeadLetterAdmin {
  private readonly table: string;
  private readonly inbox: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
    private readonly outbox: Outbox,
  ) {
    this.table = `${assertIdentifier(schema)}.dead_letter`;
    this.inbox = `${assertIdentifier(schema)}.inbox`;
  }

  async list(options: { includeReplayed?: boolean; limit?: number } = {}): Promise<DeadLetterView[]> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE ($1 OR replayed_at IS NULL) ORDER BY id LIMIT $2`,
      [options.includeReplayed ?? false, options.limit ?? 100],
    )) as DeadLetterRow[];
    return rows.map(mapDeadLetter);
  }

  /** eraseDeadLetters in this service's schema: a debtor's erasure, in the caller's transaction. */
  erase(tx: EntityManager, tenantId: string, keys: readonly string[]): Promise<number> {
    return eraseDeadLetters(tx, this.schema, tenantId, keys);
  }

  async replay(id: string): Promise<DeadLetterView> {
    return this.dataSource.transaction(async (tx) => {
      const [row] = (await tx.query(`SELECT * FROM ${this.table} WHERE id = $1 FOR UPDATE`, [id])) as DeadLetterRow[];
      if (!row) throw new Error(`dead letter ${id} does not exist`);
      if (row.erased_at)
        throw new Error(
          `dead letter ${id} cannot be replayed: a debtor's erasure erased its record at ${row.erased_at.toISOString()}`,
        );
      if (row.replayed_at)
        throw new Error(`dead letter ${id} was already replayed at ${row.replayed_at.toISOString()}`);
      const headers = typeof row.headers === 'string' ? (JSON.parse(row.headers) as Headers) : row.headers;
      const eventId = row.event_id ?? `${row.topic}:${row.partition}:${row.record_offset}`;
      await tx.query(`DELETE FROM ${this.inbox} WHERE consumer = $1 AND event_id = $2`, [row.consumer, eventId]);
      await this.outbox.addRaw(tx, {
        eventId,
        tenantId: row.tenant_id ?? 'unknown',
        topic: row.topic,
        key: row.key ?? '',
        headers,
        payload: row.payload,
      });
      // (a CTE: TypeORM answers a bare UPDATE ... RETURNING with [rows, count])
      const [updated] = (await tx.query(
        `WITH u AS (UPDATE ${this.table} SET replayed_at = now() WHERE id = $1 RETURNING *) SELECT * FROM u`,
        [id],
      )) as DeadLetterRow[];
      return mapDeadLetter(updated);
    });
  }
}
