import { EventType, isEventType } from '@collections/contracts';
import { orderedUuid } from '@collections/platform';

/**
 * CloudEvents 1.0 Kafka protocol binding, binary mode: attributes travel as `ce_*` headers, the
 * record value is the protobuf payload and the record key is the account id.
 * `ce_tenantid` is a CloudEvents extension attribute; `traceparent` is W3C trace context.
 */
export const Header = {
  Id: 'ce_id',
  Type: 'ce_type',
  Source: 'ce_source',
  Time: 'ce_time',
  Subject: 'ce_subject',
  SpecVersion: 'ce_specversion',
  ContentType: 'content-type',
  TenantId: 'ce_tenantid',
  TraceParent: 'traceparent',
} as const;

export const SPEC_VERSION = '1.0';
export const CONTENT_TYPE = 'application/protobuf';

export type Headers = Record<string, string>;

export interface EnvelopeInput {
  type: EventType;
  source: string;
  tenantId: string;
  subject?: string;
  time?: Date;
  id?: string;
  traceparent?: string;
}

export function buildHeaders(input: EnvelopeInput): Headers {
  const headers: Headers = {
    [Header.Id]: input.id ?? orderedUuid(),
    [Header.Type]: input.type,
    [Header.Source]: input.source,
    [Header.Time]: (input.time ?? new Date()).toISOString(),
    [Header.SpecVersion]: SPEC_VERSION,
    [Header.ContentType]: CONTENT_TYPE,
    [Header.TenantId]: input.tenantId,
  };
  if (input.subject) headers[Header.Subject] = input.subject;
  if (input.traceparent) headers[Header.TraceParent] = input.traceparent;
  return headers;
}

/** Why a record cannot be processed at all (never retried; it goes to the dead-letter topic). */
export enum PoisonReason {
  UnknownEventType = 'unknown-event-type',
  UndecodablePayload = 'undecodable-payload',
  MissingTenant = 'missing-tenant',
  MissingEnvelope = 'missing-envelope',
}

export class PoisonRecordError extends Error {
  constructor(
    readonly reason: PoisonReason,
    message: string,
  ) {
    super(message);
    this.name = 'PoisonRecordError';
  }
}

export interface ParsedEnvelope {
  id: string;
  type: EventType;
  source: string;
  time: Date;
  subject?: string;
  tenantId: string;
  traceparent?: string;
}

/** Validates the envelope headers; throws PoisonRecordError naming what is wrong. */
export function parseEnvelope(headers: Readonly<Record<string, string | undefined>>): ParsedEnvelope {
  const id = headers[Header.Id];
  const type = headers[Header.Type];
  if (!id || !type) {
    throw new PoisonRecordError(PoisonReason.MissingEnvelope, `record has no ${!id ? Header.Id : Header.Type} header`);
  }
  if (!isEventType(type)) {
    throw new PoisonRecordError(PoisonReason.UnknownEventType, `unknown event type "${type}"`);
  }
  const tenantId = headers[Header.TenantId];
  if (!tenantId) {
    throw new PoisonRecordError(PoisonReason.MissingTenant, `event ${id} (${type}) has no ${Header.TenantId} header`);
  }
  const time = new Date(headers[Header.Time] ?? '');
  return {
    id,
    type,
    source: headers[Header.Source] ?? '',
    time: Number.isNaN(time.getTime()) ? new Date(0) : time,
    subject: headers[Header.Subject],
    tenantId,
    traceparent: headers[Header.TraceParent],
  };
}
