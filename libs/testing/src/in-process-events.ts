import { randomUUID } from 'node:crypto';
import { EVENTS, EventPayload, EventType, PayloadCodec, encodePayload, topicOf } from '@collections/contracts';
import { IN_PROCESS_LOG_MIGRATIONS, buildHeaders } from '@collections/messaging';
import { ServiceDefinition } from '@collections/runtime';
import { ServiceUnderTest } from './service-under-test';
import { waitFor } from './wait-for';

/** Starts the service's real consumers on the in-process transport (log tables included). */
export async function startInProcessConsumers(sut: ServiceUnderTest, definition: ServiceDefinition): Promise<void> {
  const runner = sut.dataSource.createQueryRunner();
  try {
    for (const Migration of IN_PROCESS_LOG_MIGRATIONS) await new Migration().up(runner);
  } finally {
    await runner.release();
  }
  definition.consumers!(sut.context);
  await sut.context.backbone.start();
}

/** One event to deliver: its key is the payload's account id unless given; an `id` used before is a redelivery. */
export interface EventToDeliver<T extends EventType = EventType> {
  type: T;
  payload: EventPayload<T>;
  id?: string;
  key?: string;
  /** When its service published it (its envelope's time); now on the service's clock by default. */
  time?: Date;
}

/**
 * Publishes events on the in-process transport as their producing service would (same envelope,
 * same topic, `source` as that service), in one append, so a consumer reads them as one batch in
 * this order, and waits until `group` committed past the last. Resolves to the events' ids.
 */
export async function deliverInProcess<T extends EventType>(
  sut: ServiceUnderTest,
  events: EventToDeliver<T>[],
  options: { group: string; source: string },
): Promise<string[]> {
  const topic = topicOf(events[0].type);
  if (events.some((e) => topicOf(e.type) !== topic)) throw new Error('one topic per batch');
  const ids = events.map((e) => e.id ?? randomUUID());
  await sut.context.backbone.transport.publish(
    events.map((e, i) => ({
      topic,
      key: e.key ?? (e.payload as { accountId?: string }).accountId ?? '',
      headers: buildHeaders({
        type: e.type,
        source: options.source,
        tenantId: sut.tenant,
        id: ids[i],
        time: e.time ?? sut.clock.now(),
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
        [topic, options.group],
      )) as { last: string; committed: string | null }[];
      return row.committed !== null && Number(row.committed) >= Number(row.last);
    },
    {
      message:
        events.length === 1 ? `${events[0].type} ${ids[0]} consumed` : `a batch of ${events.length} events consumed`,
    },
  );
  return ids;
}

/** The events of one type the service (its schema) put in its outbox, oldest first. */
export async function publishedEvents<T extends EventType>(
  sut: ServiceUnderTest,
  schema: string,
  type: T,
): Promise<EventPayload<T>[]> {
  const rows = (await sut.dataSource.query(
    `SELECT payload FROM ${schema}.outbox WHERE headers->>'ce_type' = $1 ORDER BY id`,
    [type],
  )) as { payload: Buffer }[];
  const codec = EVENTS[type].codec as PayloadCodec<EventPayload<T>>;
  return rows.map((r) => codec.decode(r.payload));
}
