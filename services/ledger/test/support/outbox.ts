import { EventType, decodePayload } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';

/** The events of one type the ledger committed under a key (an account's id), in order, decoded from its outbox. */
export async function outboxEventsOf<T extends EventType>(sut: ServiceUnderTest, key: string, type: T) {
  const rows = (await sut.dataSource.query(
    `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
    [key, type],
  )) as { payload: Buffer }[];
  return rows.map((r) => decodePayload(type, r.payload));
}
