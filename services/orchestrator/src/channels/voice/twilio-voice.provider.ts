import {
  ChannelProvider,
  DeliveryStatus,
  OutboundMessage,
  SendResult,
  WebhookEvent,
  WebhookRequest,
  WebhookWarn,
  parseForm,
} from '../domain';
import { TwilioProvider, TwilioProviderConfig, callbackFor } from '../twilio-rest';

export interface TwilioVoiceConfig extends TwilioProviderConfig {
  /** Caller ids to call from: those of tenants without caller ids of their own (`tenantFrom`). */
  from?: string[];
  /**
   * The voice bot: the TwiML URL Twilio fetches when the call connects (its <Gather input="speech">
   * posts what the debtor said back to our call webhook). Without it the message body is read out.
   * `{tenant}` is replaced by the call's tenant (`callbackFor`), as in `statusCallback`.
   */
  botUrl?: string;
  /**
   * Our call webhook (`/webhooks/{tenant}/call`, `{tenant}` replaced by the call's tenant): call
   * progress and the bot's results.
   */
  statusCallback?: string;
  /** Calls per second per caller id (Twilio's default CPS is 1). */
  callsPerSecond?: number;
  /** Ask Twilio to tell a person from an answering machine (AnsweredBy). */
  machineDetection?: boolean;
}

/** Twilio error codes that mean the number can never be called. */
const INVALID_NUMBER = new Set([21211, 21214, 21217, 21401, 21407, 13223, 13224]);
/** Refused for good for this call (geo permissions, blocked, unverified caller id). */
const REJECTED = new Set([21210, 21215, 21216, 21610, 13227]);

const STATUS: Record<string, DeliveryStatus | undefined> = {
  initiated: 'sent',
  ringing: 'sent',
  'in-progress': 'delivered',
  completed: 'delivered',
  busy: 'failed',
  'no-answer': 'failed',
  failed: 'failed',
  canceled: 'failed',
};

const xml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** Voice-bot calls through Twilio's Calls resource (REST, form-encoded, basic auth). */
export class TwilioVoiceProvider extends TwilioProvider implements ChannelProvider {
  readonly channel = 'call' as const;

  constructor(private readonly config: TwilioVoiceConfig) {
    super(
      config,
      'Calls',
      { invalidRecipient: INVALID_NUMBER, rejected: REJECTED },
      config.from ?? [],
      config.callsPerSecond ?? 1,
    );
    if (!config.from?.length && !this.senders.perTenant)
      throw new Error('Twilio voice needs at least one caller id (From)');
  }

  async send(message: OutboundMessage): Promise<SendResult> {
    const admitted = await this.admit(message);
    if ('failure' in admitted) return admitted.failure;
    const form = new URLSearchParams({ To: message.to, From: admitted.sender! });
    if (this.config.botUrl) form.set('Url', callbackFor(this.config.botUrl, message.tenantId));
    else form.set('Twiml', `<Response><Say>${xml(message.body ?? '')}</Say></Response>`);
    if (this.config.statusCallback) {
      form.set('StatusCallback', callbackFor(this.config.statusCallback, message.tenantId));
      form.set('StatusCallbackMethod', 'POST');
      for (const e of ['initiated', 'ringing', 'answered', 'completed']) form.append('StatusCallbackEvent', e);
    }
    if (this.config.machineDetection ?? true) form.set('MachineDetection', 'Enable');
    return this.create(form, message);
  }

  /**
   * Status callbacks (CallStatus, AnsweredBy) update the call's delivery record and, once the call
   * is over, give its outcome; the bot's <Gather> action (SpeechResult) gives what the debtor said.
   * A call of another tenant's number (our caller id `From`; an inbound call's `To`) is not the URL
   * tenant's: ignored and told to `warn`.
   */
  parseWebhook(request: WebhookRequest, warn?: WebhookWarn): WebhookEvent[] {
    const p = parseForm(request.rawBody);
    const sid = p.CallSid;
    if (!sid) return [];
    if (this.anotherTenantsNumber(p.Direction === 'inbound' ? p.To : p.From, request, warn)) return [];
    const callStatus = p.CallStatus ?? '';
    if (p.SpeechResult !== undefined)
      return [{ kind: 'call-result', providerMessageId: sid, recipient: p.To, callStatus, speech: p.SpeechResult }];
    const mapped = STATUS[callStatus];
    if (!mapped) return [];
    const events: WebhookEvent[] = [
      {
        kind: 'status',
        providerMessageId: sid,
        status: mapped,
        recipient: p.To,
        errorCode: mapped === 'failed' ? p.ErrorCode || callStatus : undefined,
      },
    ];
    if (['completed', 'busy', 'no-answer', 'failed', 'canceled'].includes(callStatus))
      events.push({
        kind: 'call-result',
        providerMessageId: sid,
        recipient: p.To,
        callStatus,
        answeredBy: p.AnsweredBy || undefined,
      });
    return events;
  }
}
