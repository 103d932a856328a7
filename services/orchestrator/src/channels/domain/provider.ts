/** One provider per channel (novu's shape): send, verify a webhook's signature, read its events. */
export type ChannelName = 'email' | 'sms' | 'whatsapp' | 'call';

export interface TemplateRef {
  name: string;
  language: string;
  /** Positional body parameters ({{1}}, {{2}}, …). */
  parameters?: string[];
}

export interface OutboundMessage {
  /** Same key, same message: providers and the sender never send it twice. */
  idempotencyKey: string;
  tenantId: string;
  to: string;
  subject?: string;
  body?: string;
  /**
   * The BCP 47 locale the message is written in (`es`, `pt-BR`): a call reads the body out in it
   * (Twilio's `<Say language>`) and tells the voice bot. Absent: the provider's default (English).
   */
  language?: string;
  template?: TemplateRef;
  /**
   * E-mail: where this message's recipient opts out (its own signed link, and a `mailto:` when
   * one is configured), sent as `List-Unsubscribe` with RFC 8058's one-click `List-Unsubscribe-Post`.
   */
  unsubscribe?: { url: string; mailto?: string };
  /**
   * SMS whose `body` carries an opt-out notice that asks for a reply ("reply STOP"), which a one-way
   * sender (an alphanumeric id) never receives: from one the message goes as `oneWayBody` instead
   * (the notice a signed link to opt out by) and, without one, not at all (a two-way sender of the
   * tenant's sends it, or none: refused, `no-two-way-sender`). Absent: any sender sends `body`.
   */
  replyOptOut?: { oneWayBody?: string };
}

export type SendFailure =
  /** The address or number can never be reached: mark it invalid, never retry. */
  | { kind: 'invalid-recipient'; code: string; detail: string }
  /** The provider refuses this message for good (policy, re-engagement window, bad request). */
  | { kind: 'rejected'; code: string; detail: string }
  /**
   * Slow down: retry no sooner than retryAfterMs when the provider says so. `local` when our own
   * throughput limiter (not the provider) held the message back: nothing was sent.
   */
  | { kind: 'rate-limited'; code: string; retryAfterMs?: number; local?: boolean }
  /** 5xx or network: retry with backoff. */
  | { kind: 'transient'; code: string; detail: string };

export type SendResult =
  /** `segments`: an SMS's message segments (`smsSegments` of the text its sender sent); other channels none. */
  { ok: true; providerMessageId: string; segments?: number } | { ok: false; failure: SendFailure };

export function isPermanent(failure: SendFailure): boolean {
  return failure.kind === 'invalid-recipient' || failure.kind === 'rejected';
}

export interface WebhookRequest {
  method: 'GET' | 'POST';
  /** The full public URL the provider called (Twilio signs it). */
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: string;
  /**
   * The tenant in the URL (`/webhooks/{tenant}/…`). With per-tenant numbers a provider applies only
   * what concerns that tenant's numbers; without a tenant, only what concerns the shared ones.
   */
  tenantId?: string;
}

/**
 * Tells the service's log about part of a verified request ignored on purpose (e.g. a WhatsApp
 * change for another business number, a Twilio message to another tenant's number). Fields carry
 * no personal data: no addresses, no texts.
 */
export type WebhookWarn = (fields: Record<string, unknown>, message: string) => void;

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';

export type WebhookEvent =
  | { kind: 'status'; providerMessageId: string; status: DeliveryStatus; recipient?: string; errorCode?: string }
  | { kind: 'inbound'; providerMessageId: string; from: string; text: string }
  /**
   * What a voice-bot call came to: the provider's final call status (with its answering-machine
   * verdict), or what the debtor said to the bot (`speech`). Read into a call outcome code.
   */
  | {
      kind: 'call-result';
      providerMessageId: string;
      recipient?: string;
      callStatus: string;
      answeredBy?: string;
      speech?: string;
    };

export interface ChannelProvider {
  readonly channel: ChannelName;
  send(message: OutboundMessage): Promise<SendResult>;
  /** True only when the request carries the provider's valid signature. */
  verifySignature(request: WebhookRequest): boolean;
  /** The events in a (verified) webhook request; what it ignores on purpose goes to `warn`. */
  parseWebhook(request: WebhookRequest, warn?: WebhookWarn): WebhookEvent[];
}
