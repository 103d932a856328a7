import {
  ChannelProvider,
  DeliveryStatus,
  OutboundMessage,
  PoolLimiter,
  SendResult,
  WebhookEvent,
  WebhookRequest,
  isE164,
  parseForm,
  verifyTwilioSignature,
} from '../domain';
import { Fetch } from '../http';
import { createTwilioResource } from '../twilio-rest';

export interface TwilioConfig {
  /** https://api.twilio.com in production; the stand-in's URL in tests. */
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** Long codes to send from, each limited to `ratePerSecond` (1 msg/s for US long codes). */
  from?: string[];
  messagingServiceSid?: string;
  statusCallback?: string;
  ratePerSecond?: number;
  now?: () => number;
  fetch?: Fetch;
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
export class TwilioSmsProvider implements ChannelProvider {
  readonly channel = 'sms' as const;
  private readonly pool?: PoolLimiter;
  private readonly now: () => number;
  private readonly fetch: Fetch;

  constructor(private readonly config: TwilioConfig) {
    if (!config.messagingServiceSid && !config.from?.length)
      throw new Error('Twilio needs a MessagingServiceSid or at least one From number');
    if (config.from?.length) this.pool = new PoolLimiter(config.from, config.ratePerSecond ?? 1);
    this.now = config.now ?? Date.now;
    this.fetch = config.fetch ?? fetch;
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    if (!isE164(message.to))
      return { ok: false, failure: { kind: 'invalid-recipient', code: 'e164', detail: 'not an E.164 number' } };
    const form = new URLSearchParams({ To: message.to, Body: message.body ?? '' });
    if (this.config.messagingServiceSid) form.set('MessagingServiceSid', this.config.messagingServiceSid);
    else {
      const slot = this.pool!.take(this.now());
      if (!slot.ok)
        return { ok: false, failure: { kind: 'rate-limited', code: 'local', retryAfterMs: slot.waitMs, local: true } };
      form.set('From', slot.sender);
    }
    if (this.config.statusCallback) form.set('StatusCallback', this.config.statusCallback);
    return createTwilioResource(
      this.fetch,
      this.config,
      'Messages',
      form,
      `${message.tenantId}:${message.idempotencyKey}`,
      this.now,
      { invalidRecipient: INVALID_NUMBER, rejected: REJECTED },
    );
  }

  verifySignature(request: WebhookRequest): boolean {
    return verifyTwilioSignature(
      this.config.authToken,
      request.url,
      parseForm(request.rawBody),
      request.headers['x-twilio-signature'],
    );
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
