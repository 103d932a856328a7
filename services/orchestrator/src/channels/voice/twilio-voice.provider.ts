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
import { SAY_DEFAULT_LANGUAGE, SayLanguage, sayLanguage } from './say-language';

export interface TwilioVoiceConfig extends TwilioProviderConfig {
  /** Caller ids to call from: those of tenants without caller ids of their own (`tenantFrom`). */
  from?: string[];
  /**
   * The voice bot: the TwiML URL Twilio fetches when the call connects (its <Gather input="speech">
   * posts what the debtor said back to our call webhook). Without it the message body is read out.
   * `{tenant}` is replaced by the call's tenant (`callbackFor`), as in `statusCallback`; the call's
   * `<Say>` language (`language=es-MX`) and that language's voice, when one is set (`voice=…`), are
   * added to its query.
   */
  botUrl?: string;
  /** The voice per `<Say>` language (`es-MX` → `Polly.Mia`); a language without one: Twilio's default voice. */
  voices?: Readonly<Partial<Record<SayLanguage, string>>>;
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

/** Text and attribute values in TwiML: the five XML special characters escaped. */
const xml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/** Voice-bot calls through Twilio's Calls resource (REST, form-encoded, basic auth). */
export class TwilioVoiceProvider extends TwilioProvider implements ChannelProvider {
  readonly channel = 'call' as const;
  /** Locales already told to the log as read in Twilio's default language. */
  private readonly unspoken = new Set<string>();

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
    const language = this.languageOf(message);
    const voice = language && this.config.voices?.[language];
    if (this.config.botUrl) {
      const url = callbackFor(this.config.botUrl, message.tenantId);
      form.set('Url', withQuery(url, { language, voice }));
    } else {
      const attributes = (language ? ` language="${xml(language)}"` : '') + (voice ? ` voice="${xml(voice)}"` : '');
      form.set('Twiml', `<Response><Say${attributes}>${xml(message.body ?? '')}</Say></Response>`);
    }
    if (this.config.statusCallback) {
      form.set('StatusCallback', callbackFor(this.config.statusCallback, message.tenantId));
      form.set('StatusCallbackMethod', 'POST');
      for (const e of ['initiated', 'ringing', 'answered', 'completed']) form.append('StatusCallbackEvent', e);
    }
    if (this.config.machineDetection ?? true) form.set('MachineDetection', 'Enable');
    return this.create(form, message);
  }

  /**
   * The `<Say>` language of the message's locale (`sayLanguage`); none without a locale, or for one
   * Twilio reads no language for: Twilio's default, en-US (told to the log once per locale).
   */
  private languageOf(message: OutboundMessage): SayLanguage | undefined {
    if (!message.language) return undefined;
    const language = sayLanguage(message.language, message.to);
    const locale = message.language.slice(0, 35);
    if (!language && !this.unspoken.has(locale)) {
      this.unspoken.add(locale);
      this.log.warn(
        { channel: 'call', locale, language: SAY_DEFAULT_LANGUAGE },
        `Twilio's <Say> reads no language for this locale: calls in it are read in Twilio's default, ${SAY_DEFAULT_LANGUAGE}`,
      );
    }
    return language;
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

/** `url` with `params` (those set) added to its query, before any fragment; the rest of it as it was. */
function withQuery(url: string, params: Record<string, string | undefined>): string {
  const query = Object.entries(params)
    .filter((e): e is [string, string] => !!e[1])
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  if (!query) return url;
  const hash = url.indexOf('#');
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${base}${base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?'}${query}${fragment}`;
}
