import { BinaryWriter } from '@bufbuild/protobuf/wire';
import {
  AccountOpened,
  AdjustmentPosted,
  BalanceChanged,
  ConsentChanged,
  DebtorUpserted,
  DelinquencyChanged,
  HoldChanged,
  PaymentPosted,
  PaymentReversed,
  StatementIssued,
} from './generated/collections/ledger/v1/ledger';
import {
  AccountChargedOff,
  AccountClosed,
  AccountReopened,
  AccountSettled,
} from './generated/collections/ledger/v1/lifecycle';
import { ContactDecision } from './generated/collections/orchestrator/v1/orchestrator';
import {
  ContactDelivered,
  ContactFailed,
  ContactScheduled,
  ContactSent,
  OptOutRecorded,
} from './generated/collections/orchestrator/v1/dispatch';
import {
  AgentTaskCancelled,
  AgentTaskCreated,
  CallOutcomeRecorded,
  DebtorReplied,
  PaymentIntentExpressed,
} from './generated/collections/orchestrator/v1/agents';
import {
  InstalmentDueSoon,
  InstalmentMissed,
  OfferApprovalDecided,
  OfferApprovalExpired,
  OfferApprovalRequested,
  PlanAgreed,
  PlanCancelled,
  PlanCompleted,
  PlanDefaulted,
  PlanReopened,
  PromiseBroken,
  PromiseCancelled,
  PromiseKept,
  PromiseKeptWithdrawn,
  PromiseMade,
  RelapseRiskAssessed,
  SettlementAgreed,
  SettlementLapsed,
  SettlementPaid,
  SettlementReviewNeeded,
  SettlementPaymentApplied,
  SettlementWithdrawn,
} from './generated/collections/promises/v1/promises';
import { AccountScored, SegmentChanged } from './generated/collections/scoring/v1/scoring';

/**
 * Every Kafka topic the platform publishes to, named `collections.<service>.<entity>.v<N>`.
 *
 * WARNING: renaming a topic or changing its version is a migration, not a refactor: consumers
 * in the field subscribe by name. Add a new version beside the old one and dual-publish.
 */
export enum Topic {
  LedgerPayment = 'collections.ledger.payment.v1',
  LedgerAccount = 'collections.ledger.account.v1',
  LedgerBalance = 'collections.ledger.balance.v1',
  LedgerDebtor = 'collections.ledger.debtor.v1',
  ScoringScore = 'collections.scoring.score.v1',
  OrchestratorContact = 'collections.orchestrator.contact.v1',
  PromisesPromise = 'collections.promises.promise.v1',
  PromisesPlan = 'collections.promises.plan.v1',
  OrchestratorAgent = 'collections.orchestrator.agent.v1',
}

/** Dead letters of one consuming service: the original record plus the reason it failed. */
export function deadLetterTopic(service: string): string {
  return `collections.${service}.deadletter.v1`;
}

/** Encodes and decodes one protobuf payload type (the shape ts-proto generates). */
export interface PayloadCodec<P> {
  encode(message: P, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): P;
  fromJSON(object: unknown): P;
  toJSON(message: P): unknown;
}

function event<P>(topic: Topic, codec: PayloadCodec<P>, summary: string) {
  return { topic, codec, summary };
}

/**
 * The compile-time map from CloudEvents `ce_type` to topic and payload. The type string is the
 * fully qualified protobuf message name, so a consumer in any language can find the schema.
 */
export const EVENTS = {
  'collections.ledger.v1.PaymentPosted': event(
    Topic.LedgerPayment,
    PaymentPosted,
    'A payment was applied to an account.',
  ),
  'collections.ledger.v1.PaymentReversed': event(
    Topic.LedgerPayment,
    PaymentReversed,
    'A payment was reversed (NSF, chargeback).',
  ),
  'collections.ledger.v1.DebtorUpserted': event(
    Topic.LedgerDebtor,
    DebtorUpserted,
    'A debtor was created or changed (no PII).',
  ),
  'collections.ledger.v1.HoldChanged': event(
    Topic.LedgerDebtor,
    HoldChanged,
    'A hold was set on or lifted from a debtor.',
  ),
  'collections.ledger.v1.ConsentChanged': event(
    Topic.LedgerDebtor,
    ConsentChanged,
    'A debtor granted or withdrew consent for a channel.',
  ),
  'collections.ledger.v1.AccountOpened': event(Topic.LedgerAccount, AccountOpened, 'An account was opened.'),
  'collections.ledger.v1.StatementIssued': event(Topic.LedgerAccount, StatementIssued, 'A statement cycle was issued.'),
  'collections.ledger.v1.AdjustmentPosted': event(
    Topic.LedgerAccount,
    AdjustmentPosted,
    'An adjustment, settlement discount or write-off was posted.',
  ),
  'collections.ledger.v1.AccountChargedOff': event(
    Topic.LedgerAccount,
    AccountChargedOff,
    'An account was charged off (its balance written off).',
  ),
  'collections.ledger.v1.AccountSettled': event(
    Topic.LedgerAccount,
    AccountSettled,
    'A settlement brought an account to a zero balance.',
  ),
  'collections.ledger.v1.AccountClosed': event(
    Topic.LedgerAccount,
    AccountClosed,
    'An account with a zero balance was closed.',
  ),
  'collections.ledger.v1.AccountReopened': event(
    Topic.LedgerAccount,
    AccountReopened,
    'A settled or closed account owes again: a reversed payment left a balance.',
  ),
  'collections.ledger.v1.BalanceChanged': event(Topic.LedgerBalance, BalanceChanged, "An account's balance changed."),
  'collections.ledger.v1.DelinquencyChanged': event(
    Topic.LedgerBalance,
    DelinquencyChanged,
    'An account moved between aging buckets.',
  ),
  'collections.scoring.v1.AccountScored': event(
    Topic.ScoringScore,
    AccountScored,
    'An account received a new payment-probability score.',
  ),
  'collections.scoring.v1.SegmentChanged': event(
    Topic.ScoringScore,
    SegmentChanged,
    "An account's segment changed (published with the score that changed it).",
  ),
  'collections.orchestrator.v1.ContactDecision': event(
    Topic.OrchestratorContact,
    ContactDecision,
    'The orchestrator allowed or refused a contact, with its reasons.',
  ),
  'collections.orchestrator.v1.ContactScheduled': event(
    Topic.OrchestratorContact,
    ContactScheduled,
    "A contact was put on an account's schedule at an instant the contact law allows.",
  ),
  'collections.orchestrator.v1.ContactSent': event(
    Topic.OrchestratorContact,
    ContactSent,
    'A scheduled contact was accepted by its channel provider.',
  ),
  'collections.orchestrator.v1.ContactFailed': event(
    Topic.OrchestratorContact,
    ContactFailed,
    'A scheduled contact could not be sent (invalid address, refused, retries exhausted, no route).',
  ),
  'collections.orchestrator.v1.ContactDelivered': event(
    Topic.OrchestratorContact,
    ContactDelivered,
    'The channel provider reported a contact delivered or read.',
  ),
  'collections.orchestrator.v1.OptOutRecorded': event(
    Topic.OrchestratorContact,
    OptOutRecorded,
    'A debtor opted out of a channel; pending contacts on it were cancelled.',
  ),
  'collections.promises.v1.PromiseMade': event(
    Topic.PromisesPromise,
    PromiseMade,
    'A promise to pay was made; the collection cadence pauses until it is kept or broken.',
  ),
  'collections.promises.v1.PromiseKept': event(
    Topic.PromisesPromise,
    PromiseKept,
    'A promise to pay was paid in full.',
  ),
  'collections.promises.v1.PromiseKeptWithdrawn': event(
    Topic.PromisesPromise,
    PromiseKeptWithdrawn,
    'A payment that had kept a promise, or an instalment of a plan, was reversed; the promise is no longer kept.',
  ),
  'collections.promises.v1.PromiseBroken': event(
    Topic.PromisesPromise,
    PromiseBroken,
    'A promise, or an instalment of a plan, was not paid by its due date plus the grace days.',
  ),
  'collections.promises.v1.PromiseCancelled': event(
    Topic.PromisesPromise,
    PromiseCancelled,
    'An open single promise ended because the ledger settled or closed its account; it will be neither kept nor broken.',
  ),
  'collections.promises.v1.InstalmentMissed': event(
    Topic.PromisesPlan,
    InstalmentMissed,
    'An instalment of a payment plan was missed.',
  ),
  'collections.promises.v1.InstalmentDueSoon': event(
    Topic.PromisesPlan,
    InstalmentDueSoon,
    'An instalment of a payment plan falls due soon.',
  ),
  'collections.promises.v1.PlanAgreed': event(
    Topic.PromisesPlan,
    PlanAgreed,
    'A payment plan was agreed, with its whole schedule.',
  ),
  'collections.promises.v1.PlanCompleted': event(
    Topic.PromisesPlan,
    PlanCompleted,
    'Every instalment of a payment plan was paid.',
  ),
  'collections.promises.v1.PlanReopened': event(
    Topic.PromisesPlan,
    PlanReopened,
    'A payment of a completed plan was reversed; the plan is active again, with what it still expects.',
  ),
  'collections.promises.v1.PlanDefaulted': event(
    Topic.PromisesPlan,
    PlanDefaulted,
    'A payment plan defaulted after too many missed instalments.',
  ),
  'collections.promises.v1.PlanCancelled': event(
    Topic.PromisesPlan,
    PlanCancelled,
    'An active payment plan was cancelled; it takes no more payments and announces nothing more.',
  ),
  'collections.promises.v1.SettlementAgreed': event(
    Topic.PromisesPlan,
    SettlementAgreed,
    'A settlement (a lump sum below the balance, by a due date) was agreed.',
  ),
  'collections.promises.v1.SettlementPaid': event(
    Topic.PromisesPlan,
    SettlementPaid,
    'A settlement was paid in full and its discount posted to the ledger.',
  ),
  'collections.promises.v1.SettlementPaymentApplied': event(
    Topic.PromisesPlan,
    SettlementPaymentApplied,
    'A payment was counted towards a settlement (or, with a negative amount, one it counted was reversed).',
  ),
  'collections.promises.v1.SettlementLapsed': event(
    Topic.PromisesPlan,
    SettlementLapsed,
    'A settlement lapsed unpaid after its due date and grace days; no discount will be posted.',
  ),
  'collections.promises.v1.SettlementWithdrawn': event(
    Topic.PromisesPlan,
    SettlementWithdrawn,
    'An open settlement ended because the ledger settled or closed its account; it will be neither paid nor lapsed.',
  ),
  'collections.promises.v1.SettlementReviewNeeded': event(
    Topic.PromisesPlan,
    SettlementReviewNeeded,
    'A settlement needs a person: a payment reversed after its discount was posted, or a discount the ledger refused.',
  ),
  'collections.promises.v1.OfferApprovalRequested': event(
    Topic.PromisesPlan,
    OfferApprovalRequested,
    "An agent's offer beyond the agent's limits was held for a supervisor's decision.",
  ),
  'collections.promises.v1.OfferApprovalDecided': event(
    Topic.PromisesPlan,
    OfferApprovalDecided,
    'A supervisor approved or rejected an offer held for approval.',
  ),
  'collections.promises.v1.OfferApprovalExpired': event(
    Topic.PromisesPlan,
    OfferApprovalExpired,
    "An agent's offer held for a supervisor expired with no decision; the debtor still waits for an answer.",
  ),
  'collections.promises.v1.RelapseRiskAssessed': event(
    Topic.PromisesPlan,
    RelapseRiskAssessed,
    'The risk that an account falls behind again, scored when its payment plan completed.',
  ),
  'collections.orchestrator.v1.AgentTaskCreated': event(
    Topic.OrchestratorAgent,
    AgentTaskCreated,
    'A task (call, reply review, negotiation) was put in an agent queue.',
  ),
  'collections.orchestrator.v1.AgentTaskCancelled': event(
    Topic.OrchestratorAgent,
    AgentTaskCancelled,
    'An open call, negotiation or field visit was cancelled: the contact law refuses it for good.',
  ),
  'collections.orchestrator.v1.CallOutcomeRecorded': event(
    Topic.OrchestratorAgent,
    CallOutcomeRecorded,
    "A call's outcome was recorded by an agent or the voice bot.",
  ),
  'collections.orchestrator.v1.DebtorReplied': event(
    Topic.OrchestratorContact,
    DebtorReplied,
    'A debtor replied to a message (the text is not carried).',
  ),
  'collections.orchestrator.v1.PaymentIntentExpressed': event(
    Topic.OrchestratorContact,
    PaymentIntentExpressed,
    "A debtor's reply stated an intent to pay, with an amount and/or a date.",
  ),
} as const;

export type EventType = keyof typeof EVENTS;
export type EventPayload<T extends EventType> = (typeof EVENTS)[T]['codec'] extends PayloadCodec<infer P> ? P : never;

/** A decoded event of one of the given types, discriminated on `type`. */
export type TypedEvent<T extends EventType = EventType> = {
  [K in T]: { type: K; payload: EventPayload<K> };
}[T];

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENTS, type);
}

export function topicOf(type: EventType): Topic {
  return EVENTS[type].topic;
}

export function encodePayload<T extends EventType>(type: T, payload: EventPayload<T>): Uint8Array {
  return (EVENTS[type].codec as PayloadCodec<EventPayload<T>>).encode(payload).finish();
}

/**
 * An encoder for many payloads in a row (a batch): one protobuf writer reused, so its buffer is
 * grown once instead of for every message. The bytes returned are the caller's own.
 */
export function payloadEncoder(): <T extends EventType>(type: T, payload: EventPayload<T>) => Uint8Array {
  const writer = new BinaryWriter();
  return (type, payload) =>
    (EVENTS[type].codec as PayloadCodec<EventPayload<typeof type>>).encode(payload, writer).finish();
}

export function decodePayload<T extends EventType>(type: T, bytes: Uint8Array): EventPayload<T> {
  return (EVENTS[type].codec as PayloadCodec<EventPayload<T>>).decode(bytes);
}
