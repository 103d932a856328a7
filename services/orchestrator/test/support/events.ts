import { randomUUID } from 'node:crypto';
import { EVENTS, EventPayload, EventType, PayloadCodec, encodePayload, topicOf } from '@collections/contracts';
import { IN_PROCESS_LOG_MIGRATIONS, buildHeaders } from '@collections/messaging';
import { ServiceDefinition } from '@collections/runtime';
import { ServiceUnderTest, waitFor } from '@collections/testing';

/** Starts the service's real consumers on the in-process transport (log tables included). */
export async function startConsumers(sut: ServiceUnderTest, definition: ServiceDefinition): Promise<void> {
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
 * Publishes an event as its service would (same envelope, same topic) and waits until the
 * orchestrator's consumer committed past it.
 */
export async function deliver<T extends EventType>(
  sut: ServiceUnderTest,
  type: T,
  payload: EventPayload<T>,
  key = (payload as { accountId?: string }).accountId ?? '',
): Promise<void> {
  const topic = topicOf(type);
  await sut.context.backbone.transport.publish([
    {
      topic,
      key,
      headers: buildHeaders({
        type,
        source: '/collections/test',
        tenantId: sut.tenant,
        id: randomUUID(),
        time: sut.clock.now(),
      }),
      payload: Buffer.from(encodePayload(type, payload)),
    },
  ]);
  await waitFor(
    async () => {
      const [row] = (await sut.dataSource.query(
        `SELECT (SELECT max(log_offset) FROM messaging.log WHERE topic = $1) AS last,
                (SELECT committed_offset FROM messaging.consumer_offset WHERE group_id = 'orchestrator' AND topic = $1)
                  AS committed`,
        [topic],
      )) as { last: string; committed: string | null }[];
      return row.committed !== null && Number(row.committed) >= Number(row.last);
    },
    { message: `${type} consumed` },
  );
}

/** The events of one type the orchestrator put in its outbox, oldest first. */
export async function published<T extends EventType>(sut: ServiceUnderTest, type: T): Promise<EventPayload<T>[]> {
  const rows = (await sut.dataSource.query(
    `SELECT payload FROM orchestrator.outbox WHERE headers->>'ce_type' = $1 ORDER BY id`,
    [type],
  )) as { payload: Buffer }[];
  const codec = EVENTS[type].codec as PayloadCodec<EventPayload<T>>;
  return rows.map((r) => codec.decode(r.payload));
}
