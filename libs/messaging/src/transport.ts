import { EntityManager } from 'typeorm';
import { Headers } from './envelope';

/** A record as it travels: the transport does not look inside the payload. */
export interface OutboundRecord {
  topic: string;
  key: string;
  headers: Headers;
  payload: Buffer | null;
}

export interface InboundRecord extends OutboundRecord {
  partition: number;
  /** Transport-specific position, as a decimal string (Kafka offset or log offset). */
  offset: string;
}

/** Called by a transport with one partition's records in order; resolves once their effects committed. */
export type BatchHandler = (records: InboundRecord[], control: BatchControl) => Promise<void>;

export interface BatchControl {
  /** Keeps the consumer's group membership alive during long work (Kafka heartbeat). */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or lost the partition; stop processing the batch. */
  isActive(): boolean;
}

export interface SubscribeOptions {
  groupId: string;
  topics: string[];
  handle: BatchHandler;
  /** Start from the earliest retained record when the group has no committed position. */
  fromBeginning?: boolean;
  /**
   * The most records handed to `handle` at once; unset: the transport's own (500). Kafka fetches
   * room for that many records a partition (`fetchBytes`).
   */
  maxBatchSize?: number;
  /**
   * The transport's consumer crashed and is being started again (Kafka): by kafkajs itself after
   * a retriable error, or by the transport after any other (a new consumer of the group).
   */
  onCrash?: (info: { restartedBy: ConsumerRestarter }) => void;
}

/** Who starts a crashed consumer again: kafkajs (a retriable error) or the transport (any other). */
export const CONSUMER_RESTARTERS = ['kafkajs', 'transport'] as const;
export type ConsumerRestarter = (typeof CONSUMER_RESTARTERS)[number];

export interface Subscription {
  stop(): Promise<void>;
}

/** How far a consumer group is behind on one topic: records appended but not yet committed by the group. */
export interface TopicLag {
  topic: string;
  lag: number;
}

/** Per topic, per partition: the position the next record appended gets (Kafka's high watermark). */
export type LogEnds = Map<string, Map<number, number>>;

/**
 * The backbone's two implementations (Kafka and in-process) share this interface and one
 * contract test suite. `publish` may be given the relay's transaction: the in-process
 * transport appends to its log inside it, so publish and "mark published" commit together.
 */
export interface Transport {
  readonly kind: 'kafka' | 'in-process';
  publish(records: OutboundRecord[], tx?: EntityManager): Promise<void>;
  /** Called after the relay's transaction committed, with the topics it published to (wakes in-process consumers). */
  afterPublishCommitted?(topics: ReadonlySet<string>): void;
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** The group's lag on each topic (summed over partitions), for the consumer-lag gauge. */
  lag?(groupId: string, topics: string[]): Promise<TopicLag[]>;
  /** Where these topics' logs end now: a mark to measure a group's progress against (`lagBehind`). */
  logEnds?(topics: string[]): Promise<LogEnds>;
  /**
   * How many of the records before `ends` (from `logEnds`) the group has not committed; records
   * appended since do not count. A partition the group never committed counts from its first
   * record still kept.
   */
  lagBehind?(groupId: string, ends: LogEnds): Promise<number>;
  /**
   * How long after a group processed a record of these topics the transport may deliver it to
   * that group again, without anyone resetting offsets by hand (Infinity: for ever). Consumers'
   * inboxes keep event ids at least this long (InboxRetention). Unset: only the redeliveries of a
   * crash before the offset commit, which the inbox's own retention covers.
   */
  redeliveryHorizonMs?(topics: string[]): Promise<number>;
  close(): Promise<void>;
}

/**
 * Thrown by `Transport.publish` when the transport refuses one record for what it is, not for
 * the moment (Kafka: larger than the broker takes), so that retrying can never help. The records
 * before `index` were published; none after it was. The outbox relay dead-letters that record and
 * publishes the rest, instead of retrying its claim for ever.
 */
export class UndeliverableRecordError extends Error {
  constructor(
    /** Position of the refused record in the list given to `publish`. */
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = 'UndeliverableRecordError';
  }
}

/** How many of `records` are on each topic. */
export function countByTopic(records: readonly { topic: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.topic] = (counts[r.topic] ?? 0) + 1;
  return counts;
}

/**
 * Publishes through `transport` and tells `count` how many records went out per topic: all of
 * them, or when one is refused for good (`UndeliverableRecordError`) those before it (the relay
 * goes on after it). The published-events metric counts so, on the event loop and on the relay's
 * own thread.
 */
export async function publishCounted(
  transport: Pick<Transport, 'publish'>,
  records: OutboundRecord[],
  tx: EntityManager | undefined,
  count: (byTopic: Record<string, number>) => void,
): Promise<void> {
  try {
    await transport.publish(records, tx);
  } catch (err) {
    if (err instanceof UndeliverableRecordError && err.index > 0) count(countByTopic(records.slice(0, err.index)));
    throw err;
  }
  count(countByTopic(records));
}

/** Minimal structured logger; pino satisfies it. Messages never carry payloads (PII). */
export interface MessagingLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: MessagingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
