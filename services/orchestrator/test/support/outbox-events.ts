import { EVENTS, EventPayload, EventType, PayloadCodec } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';

/** The events of one type the orchestrator put in its outbox for the test's tenant, oldest first. */
export async function published<T extends EventType>(
  sut: ServiceUnderTest,
  type: T,
  tenantId: string = sut.tenant,
): Promise<EventPayload<T>[]> {
  const rows = (await sut.dataSource.query(
    `SELECT payload FROM orchestrator.outbox WHERE headers->>'ce_type' = $1 AND tenant_id = $2 ORDER BY id`,
    [type, tenantId],
  )) as { payload: Buffer }[];
  const codec = EVENTS[type].codec as PayloadCodec<EventPayload<T>>;
  return rows.map((r) => codec.decode(r.payload));
}
