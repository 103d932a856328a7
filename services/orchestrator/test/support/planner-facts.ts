import { randomUUID } from 'node:crypto';
import { EventPayload, EventType, ledger, scoring } from '@collections/contracts';
import { ConsumedEvent, EventHandlers } from '@collections/messaging';
import { Clock } from '@collections/platform';
import { ServiceUnderTest } from '@collections/testing';

/** An event as a test hands it to the planner's handlers: its type, key and payload. */
export type Fact = { [T in EventType]: { type: T; key: string; payload: EventPayload<T> } }[EventType];

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });

/** The opened account's statement, and its CRM reference. */
export interface OpenedAccountOptions {
  externalRef?: string;
  cycle?: number;
  dueDate?: string;
  amountDueMinor?: number;
}

/**
 * What the ledger publishes when a Colombian debtor's card account opens: the debtor, the
 * account, and its statement (by default cycle 1, 250,000 COP due on Thursday 12 March 2026).
 */
export const openedAccountFacts = (
  accountId: string,
  debtorId: string,
  {
    externalRef = `TC-${accountId}`,
    cycle = 1,
    dueDate = '2026-03-12',
    amountDueMinor = 250_000_00,
  }: OpenedAccountOptions = {},
): Fact[] => [
  {
    type: 'collections.ledger.v1.DebtorUpserted',
    key: debtorId,
    payload: {
      debtorId,
      timeZone: 'America/Bogota',
      language: 'es',
      country: 'CO',
      region: '',
      // Colombia contacts only on channels the debtor authorised (Ley 2300): this debtor authorised every one.
      consentedChannels: ['call', 'sms', 'whatsapp', 'email', 'letter', 'visit'],
      erased: false,
    },
  },
  {
    type: 'collections.ledger.v1.AccountOpened',
    key: accountId,
    payload: {
      accountId,
      externalRef,
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: 'COP',
      creditLimitMinor: 500_000_00,
      openedOn: '2025-06-01',
      debtors: [{ debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
      timeZone: 'America/Bogota',
    },
  },
  {
    type: 'collections.ledger.v1.StatementIssued',
    key: accountId,
    payload: {
      accountId,
      cycle,
      statementDate: '2026-02-20',
      dueDate,
      amountDue: COP(amountDueMinor),
      minimumDue: COP(25_000_00),
      hasReportedStatus: false,
      reportedStatus: 0,
    },
  },
];

/** Scoring's AccountScored for the account: "negotiate", carrying scoring's copy of the balance. */
export const scoredFact = (accountId: string, balanceMinor: number, scoredAt: Date, daysPastDue = -2): Fact => ({
  type: 'collections.scoring.v1.AccountScored',
  key: accountId,
  payload: {
    accountId,
    probabilityToPay: 0.4,
    segment: scoring.Segment.SEGMENT_NEGOTIATE,
    modelVersion: 'm1',
    reasons: [],
    scoredAt,
    expectedRecovery: COP(100_000_00),
    priority: 0.5,
    balance: COP(balanceMinor),
    daysPastDue,
    segmentRule: 'test',
    imputedFeatures: [],
    modelArm: '',
  },
});

/** Hands a fact to the handlers as the orchestrator's consumer would: in a transaction, with the service's outbox. */
export const factConsumer =
  (sut: ServiceUnderTest, handlers: EventHandlers, clock: Clock) =>
  async (tenantId: string, fact: Fact): Promise<void> => {
    const event = {
      ...fact,
      id: randomUUID(),
      source: '/collections/test',
      time: clock.now(),
      tenantId,
      topic: '',
      partition: 0,
      offset: '0',
    } as ConsumedEvent;
    const handle = handlers[fact.type] as (e: ConsumedEvent, hc: unknown) => Promise<void>;
    await sut.dataSource.transaction((tx) => handle(event, { tx, outbox: sut.context.backbone.outbox }));
  };
