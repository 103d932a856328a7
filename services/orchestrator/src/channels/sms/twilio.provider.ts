import {
  ChannelProvider,
  DeliveryStatus,
  OutboundMessage,
  SendResult,
  SenderThrottle,
  WebhookEvent,
  WebhookRequest,
  parseForm,
} from '../domain';
import { TwilioProvider, TwilioProviderConfig, callbackFor } from '../twilio-rest';

export interface TwilioConfig extends TwilioProviderConfig {
  /** Long codes to send from, each limited to `ratePerSecond` (1 msg/s for US long codes). */
  from?: string[];
  messagingServiceSid?: string;
  /** Where Twilio posts delivery receipts; `{tenant}` is replaced by the message's tenant (`callbackFor`). */
  statusCallback?: string;
  ratePerSecond?: number;
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
  protected readonly pool?: SenderThrottle;

  constructor(private readonly config: TwilioConfig) {
    super(config, 'Messages', { invalidRecipient: INVALID_NUMBER, rejected: REJECTED });
    if (!config.messagingServiceSid && !config.from?.length)
      throw new Error('Twilio needs a MessagingServiceSid or at least one From number');
    if (config.from?.length) this.pool = new SenderThrottle('sms', config.from, config.ratePerSecond ?? 1);
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const admitted = await this.admit(message.to, this.config.messagingServiceSid ? undefined : this.pool);
    if ('failure' in admitted) return admitted.failure;
    const form = new URLSearchParams({ To: message.to, Body: message.body ?? '' });
    if (admitted.sender) form.set('From', admitted.sender);
    else form.set('MessagingServiceSid', this.config.messagingServiceSid!);
    if (this.config.statusCallback)
      form.set('StatusCallback', callbackFor(this.config.statusCallback, message.tenantId));
    return this.create(form, message);
  }

  parseWebhook(request: WebhookRequest): WebhookEvent[] {
    const p = parseForm(request.rawBody);
    const sid = p.MessageSid ?? p.SmsSid;
    if (!sid) return [];
    const status = p.MessageStatus ?? p.SmsStatus;
    if (status === 'received' || (!status && p.Body !== undefined))
      return [{ kind: 'inbound', providerMessageId: sid, from: p.From ?? '', text: p.Body ?? '' }];
    const mapped = status ? STATUS[status] : undefined;
    if (!mapped) return [];
    return [
      { kind: 'status', providerMessageId: sid, status: mapped, recipient: p.To, errorCode: p.ErrorCode || undefined },
    ];
  }
}
