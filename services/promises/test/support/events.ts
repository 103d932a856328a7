import { randomUUID } from 'node:crypto';
import { EventPayload, EventType } from '@collections/contracts';
import { ServiceDefinition } from '@collections/runtime';
import {
  EventToDeliver,
  ServiceUnderTest,
  deliverInProcess,
  publishedEvents,
  startInProcessConsumers,
} from '@collections/testing';
import { promisesService } from '../../src/promises.service';

/** What the ledger's events say they come from. */
const LEDGER = '/collections/ledger';

/** Starts the service's real consumers on the in-process transport (log tables included). */
export function startConsumers(sut: ServiceUnderTest, definition: ServiceDefinition = promisesService): Promise<void> {
  return startInProcessConsumers(sut, definition);
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
  await deliverInProcess(sut, [{ type, payload, id }], { group, source: LEDGER });
  return id;
}

/**
 * Publishes several events in one append, so the consumer reads them as one batch (one
 * partition's run, in this order), and waits until it committed past the last. An entry with the
 * `id` of an earlier one is a redelivery.
 */
export async function deliverBatch(sut: ServiceUnderTest, events: EventToDeliver[], group = 'promises'): Promise<void> {
  await deliverInProcess(sut, events, { group, source: LEDGER });
}

/** The events of one type the service put in its outbox, oldest first. */
export function published<T extends EventType>(sut: ServiceUnderTest, type: T): Promise<EventPayload<T>[]> {
  return publishedEvents(sut, 'promises', type);
}

type PaymentPosted = EventPayload<'collections.ledger.v1.PaymentPosted'>;

/** What the ledger announces when a USD account in UTC opens on 1 January 2026 (its calendar for promises). */
export const utcAccountOpened = (accountId: string): EventPayload<'collections.ledger.v1.AccountOpened'> => ({
  accountId,
  externalRef: '',
  product: 0,
  currency: 'USD',
  creditLimitMinor: 0,
  openedOn: '2026-01-01',
  debtors: [],
  timeZone: 'UTC',
});

/** A new account (`<prefix>-<8 hex>`) the ledger opened in UTC (`utcAccountOpened`), delivered with the clock at `now`. */
export async function openUtcAccount(sut: ServiceUnderTest, prefix: string, now: Date): Promise<string> {
  const accountId = `${prefix}-${randomUUID().slice(0, 8)}`;
  sut.clock.set(now);
  await deliver(sut, 'collections.ledger.v1.AccountOpened', utcAccountOpened(accountId));
  return accountId;
}

/**
 * The types (without `collections.promises.v1.`) of the account's events in the service's outbox,
 * in the order they were published; only those of `topic` when given.
 */
export async function outboxTypesOf(sut: ServiceUnderTest, accountId: string, topic?: string): Promise<string[]> {
  const rows = (await sut.dataSource.query(
    `SELECT headers->>'ce_type' AS type FROM promises.outbox WHERE key = $1 AND ($2::text IS NULL OR topic = $2) ORDER BY id`,
    [accountId, topic ?? null],
  )) as { type: string }[];
  return rows.map((r) => r.type.replace('collections.promises.v1.', ''));
}

/** A new USD payment of `amountMinor` to the account, posted at `postedAt`, as the ledger announces it. */
export const usdPayment = (accountId: string, amountMinor: number, postedAt: Date): PaymentPosted => ({
  paymentId: `pay-${randomUUID()}`,
  accountId,
  amount: { amountMinor, currency: 'USD' },
  balanceAfter: { amountMinor: 0, currency: 'USD' },
  postedAt,
  reference: '',
  effectiveDate: '',
});

/** The ledger's reversal of payment `p` (a bounced payment: nsf). */
export const reversalOf = (p: PaymentPosted): EventPayload<'collections.ledger.v1.PaymentReversed'> => ({
  entryId: `rev-${p.paymentId}`,
  paymentId: p.paymentId,
  accountId: p.accountId,
  amount: p.amount,
  reason: 'nsf',
});
