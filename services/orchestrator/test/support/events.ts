import { EventPayload, EventType } from '@collections/contracts';
import { ServiceDefinition } from '@collections/runtime';
import { ServiceUnderTest, deliverInProcess, publishedEvents, startInProcessConsumers } from '@collections/testing';

/** Starts the service's real consumers on the in-process transport (log tables included). */
export function startConsumers(sut: ServiceUnderTest, definition: ServiceDefinition): Promise<void> {
  return startInProcessConsumers(sut, definition);
}

/**
 * Publishes an event as its service would (same envelope, same topic) and waits until the
 * orchestrator's consumer committed past it. `time`: when it was published (now by default).
 */
export async function deliver<T extends EventType>(
  sut: ServiceUnderTest,
  type: T,
  payload: EventPayload<T>,
  key = (payload as { accountId?: string }).accountId ?? '',
  time?: Date,
): Promise<void> {
  await deliverInProcess(sut, [{ type, payload, key, time }], { group: 'orchestrator', source: '/collections/test' });
}

/** The events of one type the orchestrator put in its outbox, oldest first. */
export function published<T extends EventType>(sut: ServiceUnderTest, type: T): Promise<EventPayload<T>[]> {
  return publishedEvents(sut, 'orchestrator', type);
}
