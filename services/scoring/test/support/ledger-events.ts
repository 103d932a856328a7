import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventPayload, EventType } from '@collections/contracts';
import { ConsumedEvent, EventHandlers } from '@collections/messaging';
import { ServiceUnderTest } from '@collections/testing';

/**
 * Handles one ledger event of the service's tenant with `handlers` as their consumer would: in a
 * transaction (of `on`: the service's own DataSource unless another instance's is given), with the
 * service's outbox. A type the handlers do not know fails the test.
 */
export async function handleLedgerEvent<T extends EventType>(
  sut: ServiceUnderTest,
  handlers: EventHandlers,
  type: T,
  payload: EventPayload<T>,
  key: string,
  options: { on?: DataSource; time?: Date; id?: string; offset?: string } = {},
): Promise<void> {
  const event = {
    id: options.id ?? randomUUID(),
    type,
    source: '/collections/ledger',
    time: options.time ?? sut.clock.now(),
    tenantId: sut.tenant,
    key,
    payload,
    topic: 'test',
    partition: 0,
    offset: options.offset ?? '0',
  } as ConsumedEvent<T>;
  const handler = handlers[type] as ((e: ConsumedEvent<T>, c: unknown) => Promise<void>) | undefined;
  if (!handler) throw new Error(`scoring has no handler for ${type}`);
  await (options.on ?? sut.dataSource).transaction((tx) => handler(event, { tx, outbox: sut.context.backbone.outbox }));
}
