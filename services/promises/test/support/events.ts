import { randomUUID } from 'node:crypto';
import { EVENTS, EventPayload, EventType, PayloadCodec, encodePayload, topicOf } from '@collections/contracts';
import { IN_PROCESS_LOG_MIGRATIONS, buildHeaders } from '@collections/messaging';
import { ServiceDefinition } from '@collections/runtime';
import { ServiceUnderTest, waitFor } from '@collections/testing';
import { promisesService } from '../../src/promises.service';

/** Starts the service's real consumers on the in-process transport (log tables included). */
export async function startConsumers(
  sut: ServiceUnderTest,
  definition: ServiceDefinition = promisesService,
): Promise<void> {
  const runner = sut.dataSource.createQueryRunner();
  try {
    for (const Migration of IN_PROCESS_LOG_MIGRATIONS) await new Migration().up(runner);
  } finally {
    await runner.release();
  }
  definition.consumers!(sut.context);
  await sut.context.backbone.start();
}

/**
 * Publishes an event as the ledger would (same envelope, same topic) and waits until the
 * consumer committed past it. Passing the same `id` again is a redelivery.
 */
export async function deliver<T extends EventType>(
  sut: ServiceUnderTest,
  type: T,
  payload: EventPayload<T>,
  id: string = randomUUID(),
  /** The consumer group that must have consumed it. */
  group = 'promises',
): Promise<string> {
  const topic = topicOf(type);
  const key = (payload as { accountId?: string }).accountId ?? '';
  await sut.context.backbone.transport.publish([
    {
      topic,
      key,
      headers: buildHeaders({ type, source: '/collections/ledger', tenantId: sut.tenant, id, time: sut.clock.now() }),
      payload: Buffer.from(encodePayload(type, payload)),
    },
  ]);
  await waitFor(
    async () => {
      const [row] = (await sut.dataSource.query(
        `SELECT (SELECT max(log_offset) FROM messaging.log WHERE topic = $1) AS last,
                (SELECT committed_offset FROM messaging.consumer_offset WHERE group_id = $2 AND topic = $1)
                  AS committed`,
        [topic, group],
      )) as { last: string; committed: string | null }[];
      return row.committed !== null && Number(row.committed) >= Number(row.last);
    },
    { message: `${type} ${id} consumed` },
  );
  return id;
}

/**
 * Publishes several events in one append, so the consumer reads them as one batch (one
 * partition's run, in this order), and waits until it committed past the last. An entry with the
 * `id` of an earlier one is a redelivery.
 */
export async function deliverBatch(
  sut: ServiceUnderTest,
  events: { type: EventType; payload: EventPayload<EventType>; id?: string }[],
  group = 'promises',
): Promise<void> {
  const topic = topicOf(events[0].type);
  if (events.some((e) => topicOf(e.type) !== topic)) throw new Error('one topic per batch');
  await sut.context.backbone.transport.publish(
    events.map((e) => ({
      topic,
      key: (e.payload as { accountId?: string }).accountId ?? '',
      headers: buildHeaders({
        type: e.type,
        source: '/collections/ledger',
        tenantId: sut.tenant,
        id: e.id ?? randomUUID(),
        time: sut.clock.now(),
      }),
      payload: Buffer.from(encodePayload(e.type, e.payload)),
    })),
  );
  await waitFor(
    async () => {
      const [row] = (await sut.dataSource.query(
        `SELECT (SELECT max(log_offset) FROM messaging.log WHERE topic = $1) AS last,
                (SELECT committed_offset FROM messaging.consumer_offset WHERE group_id = $2 AND topic = $1)
                  AS committed`,
        [topic, group],
      )) as { last: string; committed: string | null }[];
      return row.committed !== null && Number(row.committed) >= Number(row.last);
    },
    { message: `a batch of ${events.length} events consumed` },
  );
}

/** The events of one type the service put in its outbox, oldest first. */
export async function published<T extends EventType>(sut: ServiceUnderTest, type: T): Promise<EventPayload<T>[]> {
  const rows = (await sut.dataSource.query(
    `SELECT payload FROM promises.outbox WHERE headers->>'ce_type' = $1 ORDER BY id`,
    [type],
  )) as { payload: Buffer }[];
  const codec = EVENTS[type].codec as PayloadCodec<EventPayload<T>>;
  return rows.map((r) => codec.decode(r.payload));
}
