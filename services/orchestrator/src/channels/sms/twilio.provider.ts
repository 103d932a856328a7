import {
  ALPHANUMERIC_UNSUPPORTED_CODES,
  ChannelProvider,
  DEFAULT_SMS_SENDER_RATES,
  DeliveryStatus,
  OutboundMessage,
  SendResult,
  WebhookEvent,
  WebhookRequest,
  WebhookWarn,
  alphanumericBarredBy,
  parseForm,
  smsSenderRate,
  smsSenderReaches,
} from '../domain';
import { TwilioProvider, TwilioProviderConfig, callbackFor } from '../twilio-rest';

export interface TwilioConfig extends TwilioProviderConfig {
  /**
   * Senders to send from: the shared pool of tenants without numbers of their own (`tenantFrom`).
   * Both may hold long codes, short codes and alphanumeric sender ids (`smsSenderKind`), sent as
   * `From` as they are, each limited at its kind's rate (`ratePerSecond`, `shortCodePerSecond`,
   * `alphanumericPerSecond`); an alphanumeric id is not used for a recipient it cannot reach.
   */
  from?: string[];
  /**
   * Calling codes an alphanumeric sender id is not used for, beyond the ones Twilio documents
   * (`ALPHANUMERIC_UNSUPPORTED_CODES`: +1, +52, +57), e.g. `['+55']`.
   */
  alphanumericUnsupported?: readonly string[];
  /** Sends the messages of tenants without numbers of their own, instead of the shared pool. */
  messagingServiceSid?: string;
  /** Where Twilio posts delivery receipts; `{tenant}` is replaced by the message's tenant (`callbackFor`). */
  statusCallback?: string;
  /** Messages per second per number (long code, toll-free): 1 by default, a US long code's. */
  ratePerSecond?: number;
  /** Messages per second per short code: 100 by default, as Twilio documents. */
  shortCodePerSecond?: number;
  /** Messages per second per alphanumeric sender id: 10 by default, as Twilio documents. */
  alphanumericPerSecond?: number;
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
  /** Calling codes an alphanumeric sender id is not used for. */
  private readonly alphanumericUnsupported: readonly string[];

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
    this.alphanumericUnsupported = [...ALPHANUMERIC_UNSUPPORTED_CODES, ...(config.alphanumericUnsupported ?? [])];
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    // A tenant's own numbers; else the Messaging Service, else the shared pool.
    const viaService = !this.senders.hasOwn(message.tenantId) && !!this.config.messagingServiceSid;
    // From the first of the tenant's senders that can reach the recipient (an alphanumeric id: not
    // to +1 and the other unsupported calling codes) and has a token; none that can: rejected.
    const reaches = (sender: string) => smsSenderReaches(sender, message.to, this.alphanumericUnsupported);
    const admitted = await this.admit(message, viaService, reaches);
    if ('failure' in admitted) {
      const refused = admitted.failure;
      if (!refused.ok && refused.failure.code === 'no-sender-for-recipient') {
        this.log.warn(
          {
            channel: 'sms',
            tenantId: message.tenantId,
            callingCode: alphanumericBarredBy(message.to, this.alphanumericUnsupported) ?? null,
          },
          "SMS rejected: the tenant's senders are alphanumeric ids, which cannot send to this calling code",
        );
      }
      return refused;
    }
    const form = new URLSearchParams({ To: message.to, Body: message.body ?? '' });
    if (admitted.sender) form.set('From', admitted.sender);
    else form.set('MessagingServiceSid', this.config.messagingServiceSid!);
    if (this.config.statusCallback)
      form.set('StatusCallback', callbackFor(this.config.statusCallback, message.tenantId));
    return this.create(form, message);
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
