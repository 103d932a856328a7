import { int, loadConfig, optional, str, url } from '@collections/platform';
import { SmtpEmailProvider } from './email/smtp-email.provider';
import { TwilioSmsProvider } from './sms/twilio.provider';
import { TwilioVoiceProvider } from './voice/twilio-voice.provider';
import { WhatsAppCloudProvider } from './whatsapp/whatsapp-cloud.provider';

export const CHANNEL_PROVIDERS = Symbol('CHANNEL_PROVIDERS');

export interface ChannelProviders {
  email?: SmtpEmailProvider;
  sms?: TwilioSmsProvider;
  whatsapp?: WhatsAppCloudProvider;
  call?: TwilioVoiceProvider;
  /** The public origin providers call (Twilio signs the full URL); else taken from the request's Host. */
  publicBaseUrl?: string;
}

/** Provider accounts from the environment; a channel without its credentials has no webhook. */
export function channelProvidersFromEnv(env: NodeJS.ProcessEnv = process.env): ChannelProviders {
  const c = loadConfig(
    {
      publicBaseUrl: optional(url('CHANNELS_PUBLIC_BASE_URL')),
      smtp: {
        host: optional(str('SMTP_HOST')),
        port: int('SMTP_PORT', { default: 25, min: 1, max: 65535 }),
        from: optional(str('SMTP_FROM')),
      },
      twilio: {
        baseUrl: str('TWILIO_BASE_URL', { default: 'https://api.twilio.com' }),
        accountSid: optional(str('TWILIO_ACCOUNT_SID')),
        authToken: optional(str('TWILIO_AUTH_TOKEN')),
        from: optional(str('TWILIO_FROM_NUMBERS')),
        messagingServiceSid: optional(str('TWILIO_MESSAGING_SERVICE_SID')),
        statusCallback: optional(str('TWILIO_STATUS_CALLBACK')),
        // Messages per second per long code of the pool (1 for US long codes); the buckets are shared by replicas.
        perSecond: int('TWILIO_SMS_PER_SECOND', { default: 1, min: 1, max: 100 }),
      },
      voice: {
        // Caller ids for the voice bot (comma-separated); the voice channel is off without them.
        from: optional(str('TWILIO_VOICE_FROM_NUMBERS')),
        // The voice bot's TwiML URL (its <Gather input="speech"> action posts to /webhooks/{tenant}/call).
        botUrl: optional(url('TWILIO_VOICE_BOT_URL')),
        statusCallback: optional(str('TWILIO_VOICE_STATUS_CALLBACK')),
        callsPerSecond: int('TWILIO_VOICE_CALLS_PER_SECOND', { default: 1, min: 1, max: 100 }),
      },
      whatsapp: {
        baseUrl: str('WHATSAPP_BASE_URL', { default: 'https://graph.facebook.com' }),
        version: str('WHATSAPP_API_VERSION', { default: 'v21.0' }),
        phoneNumberId: optional(str('WHATSAPP_PHONE_NUMBER_ID')),
        accessToken: optional(str('WHATSAPP_ACCESS_TOKEN')),
        appSecret: optional(str('WHATSAPP_APP_SECRET')),
        verifyToken: optional(str('WHATSAPP_VERIFY_TOKEN')),
        // Cloud API throughput per business number (80 msg/s by default; higher tiers allow more).
        perSecond: int('WHATSAPP_MESSAGES_PER_SECOND', { default: 80, min: 1, max: 1000 }),
      },
    },
    env,
  );
  const t = c.twilio;
  const w = c.whatsapp;
  const smtp = c.smtp;
  const v = c.voice;
  return {
    publicBaseUrl: c.publicBaseUrl,
    email:
      smtp.host && smtp.from ? new SmtpEmailProvider({ host: smtp.host, port: smtp.port, from: smtp.from }) : undefined,
    sms:
      t.accountSid && t.authToken && (t.from || t.messagingServiceSid)
        ? new TwilioSmsProvider({
            baseUrl: t.baseUrl,
            accountSid: t.accountSid,
            authToken: t.authToken,
            from: t.from?.split(',').map((s) => s.trim()),
            messagingServiceSid: t.messagingServiceSid,
            statusCallback: t.statusCallback,
            ratePerSecond: t.perSecond,
          })
        : undefined,
    whatsapp:
      w.phoneNumberId && w.accessToken && w.appSecret && w.verifyToken
        ? new WhatsAppCloudProvider({
            baseUrl: w.baseUrl,
            version: w.version,
            phoneNumberId: w.phoneNumberId,
            accessToken: w.accessToken,
            appSecret: w.appSecret,
            verifyToken: w.verifyToken,
            ratePerSecond: w.perSecond,
          })
        : undefined,
    call:
      t.accountSid && t.authToken && v.from
        ? new TwilioVoiceProvider({
            baseUrl: t.baseUrl,
            accountSid: t.accountSid,
            authToken: t.authToken,
            from: v.from.split(',').map((s) => s.trim()),
            botUrl: v.botUrl,
            statusCallback: v.statusCallback,
            callsPerSecond: v.callsPerSecond,
          })
        : undefined,
  };
}
