import { MetricsRegistry } from '@collections/platform';
import {
  ALPHANUMERIC_UNSUPPORTED_CODES,
  ChannelProvider,
  DEFAULT_SMS_SENDER_RATES,
  DeliveryStatus,
  OutboundMessage,
  SendResult,
  ShortCodeCountries,
  SmsSenderBar,
  SmsEncoding,
  SmsSenderRules,
  SmsSegments,
  WebhookEvent,
  WebhookRequest,
  WebhookWarn,
  alphanumericBarredBy,
  isAlphanumericSenderId,
  isShortCode,
  parseForm,
  smsSegments,
  smsSenderBar,
  smsSenderKind,
  smsSenderRate,
} from '../domain';
import { TwilioProvider, TwilioProviderConfig, callbackFor } from '../twilio-rest';

export interface TwilioConfig extends TwilioProviderConfig {
  /**
   * Senders to send from: the shared pool of tenants without numbers of their own (`tenantFrom`).
   * Both may hold long codes, short codes and alphanumeric sender ids (`smsSenderKind`), sent as
   * `From` as they are, each limited at its kind's rate (`ratePerSecond`, `shortCodePerSecond`,
   * `alphanumericPerSecond`); an alphanumeric id is not used for a recipient it cannot reach, a
   * short code only for its country's numbers (`shortCodeCountries`).
   */
  from?: string[];
  /**
   * The country (calling code) each short code of `from` and `tenantFrom` serves, e.g.
   * `{ '55555': '+1' }`: every short code must be named (refused when built).
   */
  shortCodeCountries?: ShortCodeCountries;
  /**
   * Calling codes an alphanumeric sender id is not used for, beyond the ones Twilio documents
   * (`ALPHANUMERIC_UNSUPPORTED_CODES`: +1, +52, +57), e.g. `['+55']`.
   */
  alphanumericUnsupported?: readonly string[];
  /** Sends the messages of tenants without numbers of their own, instead of the shared pool. */
  messagingServiceSid?: string;
  /** Where Twilio posts delivery receipts; `{tenant}` is replaced by the message's tenant (`callbackFor`). */
  statusCallback?: string;
  /**
   * Message segments per second per number (long code, toll-free): 1 by default, a US long code's.
   * Each message takes its segments (`smsSegments`) from its sender's bucket, as Twilio meters it.
   */
  ratePerSecond?: number;
  /** Message segments per second per short code: 100 by default, as Twilio documents. */
  shortCodePerSecond?: number;
  /** Message segments per second per alphanumeric sender id: 10 by default, as Twilio documents. */
  alphanumericPerSecond?: number;
}

/** `collections_sms_segments_total`'s `sender_kind`: an SMS sender's kind, or the Messaging Service (it picks). */
const SEGMENT_SENDER_KINDS = ['number', 'short_code', 'alphanumeric', 'messaging_service'] as const;
type SegmentSenderKind = (typeof SEGMENT_SENDER_KINDS)[number];
const SMS_ENCODINGS: readonly SmsEncoding[] = ['gsm7', 'ucs2'];

type SegmentsCounter = { inc(labels: { sender_kind: SegmentSenderKind; encoding: SmsEncoding }, value: number): void };
const segmentCounters = new WeakMap<MetricsRegistry, SegmentsCounter>();

/**
 * `collections_sms_segments_total`, registered once per registry with every series at 0 (increase()
 * sees the first segments, and panels read 0, not "no data"): the orchestrator registers it at
 * boot whether or not SMS is configured, and the SMS provider counts into it (`useMetrics`).
 */
export function smsSegmentsCounter(metrics: MetricsRegistry): SegmentsCounter {
  let counter = segmentCounters.get(metrics);
  if (!counter) {
    counter = metrics.counter({
      name: 'collections_sms_segments_total',
      help: 'SMS message segments Twilio accepted (its unit of throughput and price), by sender kind (number, short_code, alphanumeric, messaging_service) and encoding (gsm7, ucs2)',
      labelNames: ['sender_kind', 'encoding'],
    });
    for (const kind of SEGMENT_SENDER_KINDS)
      for (const encoding of SMS_ENCODINGS) counter.inc({ sender_kind: kind, encoding }, 0);
    segmentCounters.set(metrics, counter);
  }
  return counter;
}

/** Twilio error codes that mean the number can never receive SMS. */
const INVALID_NUMBER = new Set([21211, 21214, 21217, 21401, 21407, 21421, 21614]);
/** Refused for good for this message (opted out, blocked, permission). */
const REJECTED = new Set([21408, 21610, 21612, 30004, 30007]);

const STATUS: Record<string, DeliveryStatus | undefined> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
};

/** SMS through Twilio's Messages resource (REST, form-encoded, basic auth). */
export class TwilioSmsProvider extends TwilioProvider implements ChannelProvider {
  readonly channel = 'sms' as const;
  /** Which senders may send to which recipients: alphanumeric ids' unsupported calling codes, short codes' countries. */
  private readonly rules: SmsSenderRules;
  /** `collections_sms_segments_total`, once the service gives its metrics (`useMetrics`). */
  private segmentsSent?: SegmentsCounter;

  constructor(private readonly config: TwilioConfig) {
    super(
      config,
      'Messages',
      { invalidRecipient: INVALID_NUMBER, rejected: REJECTED },
      config.from ?? [],
      (sender: string) =>
        smsSenderRate(
          {
            number: config.ratePerSecond ?? DEFAULT_SMS_SENDER_RATES.number,
            'short-code': config.shortCodePerSecond ?? DEFAULT_SMS_SENDER_RATES['short-code'],
            alphanumeric: config.alphanumericPerSecond ?? DEFAULT_SMS_SENDER_RATES.alphanumeric,
          },
          sender,
        ),
    );
    if (!config.messagingServiceSid && !config.from?.length && !this.senders.perTenant)
      throw new Error('Twilio needs a MessagingServiceSid or at least one From number');
    const shortCodeCountries = config.shortCodeCountries ?? {};
    const senders = [...(config.from ?? []), ...this.senders.tenants().flatMap(([, own]) => own)];
    const unplaced = senders.filter((s) => isShortCode(s) && shortCodeCountries[s] === undefined);
    if (unplaced.length)
      throw new Error(`short code ${unplaced.join(', ')} has no country: say which calling code it serves`);
    this.rules = {
      alphanumericUnsupported: [...ALPHANUMERIC_UNSUPPORTED_CODES, ...(config.alphanumericUnsupported ?? [])],
      shortCodeCountries,
    };
  }

  /**
   * Counts the segments of every message Twilio accepts in `metrics`
   * (`collections_sms_segments_total{sender_kind, encoding}`: what Twilio meters and bills), from now on.
   */
  useMetrics(metrics: MetricsRegistry): void {
    this.segmentsSent ??= smsSegmentsCounter(metrics);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    // A tenant's own numbers; else the Messaging Service, else the shared pool.
    const viaService = !this.senders.hasOwn(message.tenantId) && !!this.config.messagingServiceSid;
    // From the first of the tenant's senders that may send it and has a token: an alphanumeric id
    // not to +1 and the other unsupported calling codes, nor (one-way) with a notice asking for a
    // reply it cannot take; a short code only to its country. None that may: rejected.
    const twoWayOnly = message.replyOptOut !== undefined && message.replyOptOut.oneWayBody === undefined;
    const bar = (sender: string) => smsSenderBar(sender, message.to, this.rules, twoWayOnly);
    // What each sender would send, and so its segments: Twilio's rates count segments, not messages.
    const segments = this.segmentsFrom(message);
    const admitted = await this.admit(
      message,
      viaService,
      (sender) => bar(sender) === undefined,
      (sender) => segments(sender).segments,
    );
    if ('failure' in admitted) {
      const refused = admitted.failure;
      if (!refused.ok && refused.failure.code === 'no-sender-for-recipient')
        return this.noSenderFor(message, this.senders.of(message.tenantId).map(bar));
      return refused;
    }
    const form = new URLSearchParams({ To: message.to, Body: bodyFrom(message, admitted.sender) });
    if (admitted.sender) form.set('From', admitted.sender);
    else form.set('MessagingServiceSid', this.config.messagingServiceSid!);
    if (this.config.statusCallback)
      form.set('StatusCallback', callbackFor(this.config.statusCallback, message.tenantId));
    const result = await this.create(form, message);
    if (!result.ok) return result;
    const sent = segments(admitted.sender);
    const kind: SegmentSenderKind = admitted.sender
      ? ((smsSenderKind(admitted.sender) ?? 'number').replace('-', '_') as SegmentSenderKind)
      : 'messaging_service';
    this.segmentsSent?.inc({ sender_kind: kind, encoding: sent.encoding }, sent.segments);
    return { ...result, segments: sent.segments };
  }

  /** The segments of what `message` would be sent as from each sender (none: the Messaging Service), each counted once. */
  private segmentsFrom(message: OutboundMessage): (sender?: string) => SmsSegments {
    const counted = new Map<string, SmsSegments>();
    return (sender) => {
      const body = bodyFrom(message, sender);
      let got = counted.get(body);
      if (!got) counted.set(body, (got = smsSegments(body)));
      return got;
    };
  }

  /**
   * The refusal of a message none of the tenant's senders may send (`bars`: why each may not), told
   * to the log with the tenant and calling codes, never the number: `no-two-way-sender` where an
   * alphanumeric id was held back only because the message's opt-out notice asks for a reply (an
   * opt-out link makes it sendable), else `no-sender-for-recipient`.
   */
  private noSenderFor(message: OutboundMessage, bars: readonly (SmsSenderBar | undefined)[]): SendResult {
    const callingCode = alphanumericBarredBy(message.to, this.rules.alphanumericUnsupported) ?? null;
    const fields = { channel: 'sms', tenantId: message.tenantId, callingCode };
    if (bars.includes('one-way')) {
      this.log.warn(
        fields,
        "SMS rejected: its opt-out notice asks the debtor to reply STOP, the tenant's senders that may send to this number are one-way alphanumeric ids, and no opt-out link could be made for it: give the tenant a number or short code that takes replies, or configure OPT_OUT_URL",
      );
      return {
        ok: false,
        failure: {
          kind: 'rejected',
          code: 'no-two-way-sender',
          detail: "the opt-out notice asks for a reply, and none of this tenant's senders for the recipient takes one",
        },
      };
    }
    if (bars.every((b) => b === 'alphanumeric-unsupported'))
      this.log.warn(
        fields,
        "SMS rejected: the tenant's senders are alphanumeric ids, which cannot send to this calling code",
      );
    else
      this.log.warn(
        {
          ...fields,
          shortCodeCountries: [
            ...new Set(this.senders.of(message.tenantId).flatMap((s) => this.rules.shortCodeCountries[s] ?? [])),
          ],
        },
        "SMS rejected: none of the tenant's senders serves the recipient's country (its short codes serve the calling codes named; alphanumeric ids cannot send to some)",
      );
    return {
      ok: false,
      failure: {
        kind: 'rejected',
        code: 'no-sender-for-recipient',
        detail: "none of this tenant's senders can reach the recipient's country",
      },
    };
  }

  /**
   * A receipt of our message or a message to us. One about another tenant's number (an inbound
   * message's `To`, our message's `From`) is not the URL tenant's: ignored and told to `warn`.
   * A receipt of a message sent from an alphanumeric id has that id as `From`, bound like a number;
   * no reply ever comes to one (one-way), while a short code receives replies (STOP) as a number does.
   */
  parseWebhook(request: WebhookRequest, warn?: WebhookWarn): WebhookEvent[] {
    const p = parseForm(request.rawBody);
    const sid = p.MessageSid ?? p.SmsSid;
    if (!sid) return [];
    const status = p.MessageStatus ?? p.SmsStatus;
    const inbound = status === 'received' || (!status && p.Body !== undefined);
    if (this.anotherTenantsNumber(inbound ? p.To : p.From, request, warn)) return [];
    if (inbound) return [{ kind: 'inbound', providerMessageId: sid, from: p.From ?? '', text: p.Body ?? '' }];
    const mapped = status ? STATUS[status] : undefined;
    if (!mapped) return [];
    return [
      { kind: 'status', providerMessageId: sid, status: mapped, recipient: p.To, errorCode: p.ErrorCode || undefined },
    ];
  }
}

/**
 * The text `message` goes as from `sender`: its `oneWayBody` from a one-way sender (an alphanumeric
 * id) when it has one, else its body (the Messaging Service, no sender named: its body).
 */
function bodyFrom(message: OutboundMessage, sender?: string): string {
  const oneWayBody = sender && isAlphanumericSenderId(sender) && message.replyOptOut?.oneWayBody;
  return oneWayBody || (message.body ?? '');
}
