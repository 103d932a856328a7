import { DataSource, EntityManager } from 'typeorm';
import { EventPayload, EventType, decodePayload, deadLetterTopic } from '@collections/contracts';
import { arrayOf } from '@collections/platform';
import { insertDeadLetter } from './dead-letters';
import { ParsedEnvelope, PoisonReason, PoisonRecordError, parseEnvelope } from './envelope';
import { Outbox } from './outbox';
import { assertIdentifier } from './schema';
import { BatchControl, InboundRecord, MessagingLogger, Subscription, Transport, silentLogger } from './transport';

/** A delivered, decoded event as a handler sees it. */
export interface ConsumedEvent<T extends EventType = EventType> extends ParsedEnvelope {
  type: T;
  key: string;
  payload: EventPayload<T>;
  topic: string;
  partition: number;
  offset: string;
}

export interface HandlerContext {
  /** The transaction that also records the event in the inbox: do every effect through it. */
  tx: EntityManager;
  /** The consuming service's outbox, for events caused by this one (same transaction). */
  outbox: Outbox;
}

export type EventHandler<T extends EventType> = (event: ConsumedEvent<T>, ctx: HandlerContext) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };
/** Several fresh events of one type, in their partition's order, handled in one go (set-based work). */
export type BatchEventHandler<T extends EventType> = (events: ConsumedEvent<T>[], ctx: HandlerContext) => Promise<void>;
export type BatchEventHandlers = { [T in EventType]?: BatchEventHandler<T> };
/** Every fresh event of a partition's batch, whatever its type, in the partition's order, handled in one go. */
export type WholeBatchHandler = (events: ConsumedEvent[], ctx: HandlerContext) => Promise<void>;

export interface ConsumerOptions {
  /** The consuming service (inbox namespace, consumer group and dead-letter topic). */
  service: string;
  /** Distinguishes several consumers of one service; defaults to the service name. */
  name?: string;
  schema: string;
  dataSource: DataSource;
  transport: Transport;
  outbox: Outbox;
  topics: string[];
  handlers: EventHandlers;
  /**
   * Types handled a run at a time: each run of consecutive fresh events of such a type in a
   * partition's batch (redeliveries and in-batch duplicates already dropped by the inbox) goes to
   * the handler in one call, inside the batch's transaction. The order of events of different
   * types is kept: a run ends at the first event of another type. When the batch fails, events
   * are retried one by one as usual, each as a run of one. Takes precedence over `handlers`.
   */
  batchHandlers?: BatchEventHandlers;
  /**
   * For projections whose effect does not depend on the order of events within a batch (keyed,
   * order-independent facts): every fresh event of a partition's batch (redeliveries and in-batch
   * duplicates already dropped by the inbox, poison records dead-lettered), whatever its type, goes
   * to this handler in one call, in the partition's order, inside the batch's transaction. When the
   * batch fails, events are retried one by one as usual, each as a batch of one. Takes precedence
   * over `handlers` and `batchHandlers`. Unset by default.
   */
  wholeBatchHandler?: WholeBatchHandler;
  logger?: MessagingLogger;
  /** Attempts per event before it is dead-lettered (handler failures only; poison goes at once). */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  fromBeginning?: boolean;
  /**
   * The most records of a partition handled in one transaction (set-based handlers gain from more);
   * unset: the transport's own slice (500).
   */
  maxBatchSize?: number;
  /** Wraps each handler call, e.g. to restore the producer's trace context. */
  around?: <R>(event: ConsumedEvent, fn: () => Promise<R>) => Promise<R>;
  /** Test hook: runs after a batch's effects committed, before the transport commits its offsets. */
  afterCommit?: (records: InboundRecord[]) => Promise<void> | void;
  onDeadLetter?: (info: { reason: string; topic: string }) => void;
  onProcessed?: (count: number) => void;
}

type Parsed = { record: InboundRecord; event: ConsumedEvent } | { record: InboundRecord; poison: PoisonRecordError };

/**
 * The inbox consumer shared by both transports: each event's effect and its inbox row commit in
 * one transaction, so a redelivery after a crash (before the offset commit) changes nothing.
 * Records that can never succeed go straight to the dead-letter topic; handler failures are
 * retried with backoff and then dead-lettered, so one bad event never blocks its partition.
 */
export class EventConsumer {
  private subscription?: Subscription;
  private readonly inbox: string;
  private readonly deadLetters: string;
  private readonly logger: MessagingLogger;
  readonly name: string;

  constructor(private readonly options: ConsumerOptions) {
    const schema = assertIdentifier(options.schema);
    this.inbox = `${schema}.inbox`;
    this.deadLetters = `${schema}.dead_letter`;
    this.logger = options.logger ?? silentLogger;
    this.name = options.name ?? options.service;
  }

  /** The event types this consumer has a handler (or a batch handler) for, each once. */
  get eventTypes(): string[] {
    return [...new Set([...Object.keys(this.options.handlers), ...Object.keys(this.options.batchHandlers ?? {})])];
  }

  /** The topics this consumer reads. */
  get topics(): readonly string[] {
    return this.options.topics;
  }

  async start(): Promise<void> {
    this.subscription = await this.options.transport.subscribe({
      groupId: this.name,
      topics: this.options.topics,
      fromBeginning: this.options.fromBeginning ?? true,
      maxBatchSize: this.options.maxBatchSize,
      handle: (records, control) => this.handleBatch(records, control),
    });
  }

  /** Subscribed: started and not stopped. */
  get running(): boolean {
    return this.subscription !== undefined;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** This consumer's group and how far behind it is on each of its topics (empty if the transport cannot say). */
  async lag(): Promise<{ group: string; topic: string; lag: number }[]> {
    const lags = (await this.options.transport.lag?.(this.name, this.options.topics)) ?? [];
    return lags.map((l) => ({ group: this.name, ...l }));
  }

  /** Processes one partition's records in order; resolves when all their effects are committed. */
  async handleBatch(records: InboundRecord[], control: BatchControl): Promise<void> {
    const parsed = records.map((r) => this.parse(r));
    try {
      await this.options.dataSource.transaction((tx) => this.applyAll(tx, parsed));
    } catch (err) {
      // One event failed: fall back to one transaction per event so the others still apply
      // and only the failing one is retried and, if it keeps failing, dead-lettered.
      this.logger.debug({ err, consumer: this.name }, 'batch failed; retrying event by event');
      for (const p of parsed) {
        if (!control.isActive()) return;
        await this.applyWithRetries(p, control);
      }
    }
    await this.options.afterCommit?.(records);
    this.options.onProcessed?.(records.length);
  }

  private parse(record: InboundRecord): Parsed {
    try {
      const envelope = parseEnvelope(record.headers);
      if (!record.payload) {
        throw new PoisonRecordError(PoisonReason.UndecodablePayload, `event ${envelope.id} has no payload`);
      }
      let payload: EventPayload<EventType>;
      try {
        payload = decodePayload(envelope.type, record.payload);
      } catch (err) {
        throw new PoisonRecordError(
          PoisonReason.UndecodablePayload,
          `event ${envelope.id} (${envelope.type}) does not decode: ${(err as Error).message}`,
        );
      }
      // Field by field rather than spread: this runs for every record consumed, and one literal
      // gives every event the same shape. A field added to ParsedEnvelope must be added here too.
      return {
        record,
        event: {
          id: envelope.id,
          type: envelope.type,
          source: envelope.source,
          time: envelope.time,
          subject: envelope.subject,
          tenantId: envelope.tenantId,
          traceparent: envelope.traceparent,
          key: record.key,
          payload,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
        },
      };
    } catch (err) {
      if (err instanceof PoisonRecordError) return { record, poison: err };
      throw err;
    }
  }

  private async applyAll(tx: EntityManager, parsed: Parsed[]): Promise<void> {
    const ids = parsed.map((p) => inboxId(p));
    // The ids the inbox took now come back only when it did not take them all (a redelivery, or an
    // id twice in the slice): usually every id is new, and one count says so.
    const [taken] = (await tx.query(
      `WITH taken AS (
         INSERT INTO ${this.inbox} (consumer, event_id, tenant_id, outcome)
         SELECT $1, id, tenant, CASE WHEN poison THEN 'dead_lettered' ELSE 'processed' END
           FROM unnest($2::text[], $3::text[], $4::boolean[]) AS t(id, tenant, poison)
         ON CONFLICT DO NOTHING RETURNING event_id)
       SELECT CASE WHEN count(*) < $5 THEN coalesce(array_agg(event_id), '{}') END AS ids FROM taken`,
      [
        this.name,
        arrayOf(ids, (id) => id),
        arrayOf(parsed, (p) => ('event' in p ? p.event.tenantId : (p.record.headers.ce_tenantid ?? null))),
        arrayOf(parsed, (p) => 'poison' in p),
        ids.length,
      ],
    )) as { ids: string[] | null }[];
    const some = taken.ids ? new Set(taken.ids) : undefined;
    /** True the first time an id the inbox took now is asked about: the event is processed once. */
    const isFresh = (id: string) => (some ? some.delete(id) : true);
    if (this.options.wholeBatchHandler) {
      const events: ConsumedEvent[] = [];
      for (let i = 0; i < parsed.length; i++) {
        const p = parsed[i];
        if (!isFresh(ids[i])) continue;
        if ('poison' in p) await this.deadLetter(tx, p.record, p.poison.reason, p.poison.message, 1, undefined);
        else events.push(p.event);
      }
      if (events.length > 0) await this.invokeWhole(events, tx);
      return;
    }
    let run: ConsumedEvent[] = [];
    for (let i = 0; i < parsed.length; i++) {
      const p = parsed[i];
      if (!isFresh(ids[i])) continue; // already processed (redelivery), or a duplicate in this batch
      if ('event' in p && this.options.batchHandlers?.[p.event.type]) {
        if (run.length > 0 && run[0].type !== p.event.type) {
          await this.invokeRun(run, tx);
          run = [];
        }
        run.push(p.event);
        continue;
      }
      if (run.length > 0) await this.invokeRun(run, tx);
      run = [];
      if ('poison' in p) await this.deadLetter(tx, p.record, p.poison.reason, p.poison.message, 1, undefined);
      else await this.invoke(p.event, tx);
    }
    if (run.length > 0) await this.invokeRun(run, tx);
  }

  private async applyWithRetries(p: Parsed, control: BatchControl): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const base = this.options.baseBackoffMs ?? 100;
    const cap = this.options.maxBackoffMs ?? 5_000;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.dataSource.transaction((tx) => this.applyAll(tx, [p]));
        return;
      } catch (err) {
        const event = 'event' in p ? p.event : undefined;
        if (attempt >= maxAttempts) {
          this.logger.error(
            {
              err,
              consumer: this.name,
              eventId: event?.id,
              type: event?.type,
              topic: p.record.topic,
              attempts: attempt,
            },
            'event handler kept failing; sending the event to the dead-letter topic',
          );
          await this.options.dataSource.transaction(async (tx) => {
            await tx.query(
              `INSERT INTO ${this.inbox} (consumer, event_id, tenant_id, outcome) VALUES ($1, $2, $3, 'dead_lettered')
               ON CONFLICT DO NOTHING`,
              [this.name, inboxId(p), event?.tenantId ?? null],
            );
            await this.deadLetter(
              tx,
              p.record,
              'handler-failed',
              (err as Error).message ?? String(err),
              attempt,
              event,
            );
          });
          return;
        }
        const delay = Math.min(cap, base * 2 ** (attempt - 1));
        this.logger.warn(
          { err, consumer: this.name, eventId: event?.id, type: event?.type, attempt, retryInMs: delay },
          'event handler failed; retrying',
        );
        await waitWithHeartbeat(delay, control);
        if (!control.isActive()) return;
      }
    }
  }

  private async invoke(event: ConsumedEvent, tx: EntityManager): Promise<void> {
    const handler = this.options.handlers[event.type] as EventHandler<EventType> | undefined;
    if (!handler) return; // a known event this service does not act on
    const ctx: HandlerContext = { tx, outbox: this.options.outbox };
    if (this.options.around) await this.options.around(event, () => handler(event, ctx));
    else await handler(event, ctx);
  }

  /** A run of events of one type to its batch handler (`around` wraps the call, given the run's first event). */
  private async invokeRun(events: ConsumedEvent[], tx: EntityManager): Promise<void> {
    const handler = this.options.batchHandlers![events[0].type] as BatchEventHandler<EventType>;
    const ctx: HandlerContext = { tx, outbox: this.options.outbox };
    if (this.options.around) await this.options.around(events[0], () => handler(events, ctx));
    else await handler(events, ctx);
  }

  /** A whole batch to the whole-batch handler (`around` wraps the call, given the batch's first event). */
  private async invokeWhole(events: ConsumedEvent[], tx: EntityManager): Promise<void> {
    const handler = this.options.wholeBatchHandler!;
    const ctx: HandlerContext = { tx, outbox: this.options.outbox };
    if (this.options.around) await this.options.around(events[0], () => handler(events, ctx));
    else await handler(events, ctx);
  }

  private async deadLetter(
    tx: EntityManager,
    record: InboundRecord,
    reason: string,
    error: string,
    attempts: number,
    event: ConsumedEvent | undefined,
  ): Promise<void> {
    const tenantId = event?.tenantId ?? record.headers.ce_tenantid ?? 'unknown';
    const topic = deadLetterTopic(this.options.service);
    const headers = {
      ...record.headers,
      dlq_reason: reason,
      dlq_error: error.slice(0, 1000),
      dlq_consumer: this.name,
      dlq_original_topic: record.topic,
      dlq_original_partition: String(record.partition),
      dlq_original_offset: record.offset,
      dlq_attempts: String(attempts),
    };
    await insertDeadLetter(tx, this.deadLetters, {
      consumer: this.name,
      eventId: event?.id ?? record.headers.ce_id ?? null,
      tenantId,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: record.key,
      headers: record.headers,
      payload: record.payload,
      reason,
      error,
      attempts,
    });
    await this.options.outbox.addRaw(tx, {
      eventId: event?.id ?? `${record.topic}:${record.partition}:${record.offset}`,
      tenantId,
      topic,
      key: record.key,
      headers,
      payload: record.payload,
    });
    this.logger.warn(
      {
        consumer: this.name,
        reason,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        eventId: event?.id,
      },
      `event dead-lettered to ${topic}: ${reason}`,
    );
    this.options.onDeadLetter?.({ reason, topic: record.topic });
  }
}

function inboxId(p: Parsed): string {
  if ('event' in p) return p.event.id;
  const r = p.record;
  return r.headers.ce_id ?? `poison:${r.topic}:${r.partition}:${r.offset}`;
}

async function waitWithHeartbeat(ms: number, control: BatchControl): Promise<void> {
  const step = 1_000;
  for (let left = ms; left > 0 && control.isActive(); left -= step) {
    await new Promise((r) => setTimeout(r, Math.min(step, left)));
    await control.heartbeat();
  }
}
