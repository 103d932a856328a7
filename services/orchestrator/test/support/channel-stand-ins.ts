import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledger } from '@collections/contracts';
import { ServiceUnderTest, startListeningScript } from '@collections/testing';
import { PgOutcomeStore } from '../../src/channels/channel-records';
import { ChannelProvider, ReliableSender } from '../../src/channels/domain';
import { SmtpEmailConfig, SmtpEmailProvider } from '../../src/channels/email/smtp-email.provider';
import { TwilioSmsProvider } from '../../src/channels/sms/twilio.provider';
import { WhatsAppCloudProvider } from '../../src/channels/whatsapp/whatsapp-cloud.provider';
import { ContactDirectory, addressesFrom } from '../../src/dispatch/contact-directory';
import { startTwilioStandIn } from './twilio-stand-in';
import { startWhatsAppStandIn } from './whatsapp-stand-in';

/** The credentials the stand-ins check and the providers send (test values, not secrets). */
export const STAND_IN = {
  twilioSid: 'AC' + '5'.repeat(32),
  twilioToken: 'twilio-token',
  waToken: 'wa-token',
  waSecret: 'wa-app-secret',
  phoneNumberId: '106540352242923',
  waVerifyToken: 'verify-me',
} as const;

/** A message as support/smtp-server.mjs recorded it (one JSON line each). */
export interface ReceivedMail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  body: string;
}

export interface SmtpServer {
  port: number;
  /** Every message the server accepted so far. */
  received(): ReceivedMail[];
  /** The orchestrator's e-mail provider sending to this server (host, port and sender set; `extra` adds or overrides). */
  provider(extra?: Partial<SmtpEmailConfig>): SmtpEmailProvider;
  stop(): Promise<void>;
}

/** The real SMTP server (support/smtp-server.mjs) in its own process, on a free port. */
export async function startSmtpServer(): Promise<SmtpServer> {
  const mailbox = join(mkdtempSync(join(tmpdir(), 'smtp-')), 'received.jsonl');
  const { proc, port } = await startListeningScript('smtp-server', join(__dirname, 'smtp-server.mjs'), {
    SMTP_OUT: mailbox,
  });
  return {
    port,
    received: () =>
      existsSync(mailbox)
        ? readFileSync(mailbox, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as ReceivedMail)
        : [],
    provider: (extra = {}) =>
      new SmtpEmailProvider({ host: '127.0.0.1', port, from: 'cobros@acreedor.example', ...extra }),
    stop: () => proc.stop(5_000),
  };
}

export interface ChannelStandIns {
  smtp: SmtpServer;
  twilio: Awaited<ReturnType<typeof startTwilioStandIn>>;
  meta: Awaited<ReturnType<typeof startWhatsAppStandIn>>;
  /** The orchestrator's own providers, pointed at the stand-ins. */
  providers: { email: SmtpEmailProvider; sms: TwilioSmsProvider; whatsapp: WhatsAppCloudProvider };
  close(): Promise<void>;
}

/** A real SMTP server, the Twilio and WhatsApp Cloud stand-ins, and the providers that send to them. */
export async function startChannelStandIns(): Promise<ChannelStandIns> {
  const smtp = await startSmtpServer();
  let twilio: ChannelStandIns['twilio'] | undefined;
  let meta: ChannelStandIns['meta'];
  try {
    twilio = await startTwilioStandIn(STAND_IN.twilioSid, STAND_IN.twilioToken);
    meta = await startWhatsAppStandIn({ token: STAND_IN.waToken, appSecret: STAND_IN.waSecret });
  } catch (err) {
    // The caller has nothing to close yet: what did start stops here.
    await twilio?.close();
    await smtp.stop();
    throw err;
  }
  const providers = {
    email: smtp.provider(),
    sms: new TwilioSmsProvider({
      baseUrl: twilio.url,
      accountSid: STAND_IN.twilioSid,
      authToken: STAND_IN.twilioToken,
      messagingServiceSid: 'MG' + '3'.repeat(32),
    }),
    whatsapp: new WhatsAppCloudProvider({
      baseUrl: meta.url,
      version: 'v21.0',
      phoneNumberId: STAND_IN.phoneNumberId,
      accessToken: STAND_IN.waToken,
      appSecret: STAND_IN.waSecret,
      verifyToken: STAND_IN.waVerifyToken,
    }),
  };
  return {
    smtp,
    twilio,
    meta,
    providers,
    close: async () => {
      providers.email.close();
      await twilio.close();
      await meta.close();
      await smtp.stop();
    },
  };
}

/**
 * The environment from which the orchestrator builds its own SMS and WhatsApp providers
 * (src/channels/config.ts), pointed at the stand-ins: for a test that starts the service without `providers`.
 */
export function standInEnv(
  { twilio, meta }: Pick<ChannelStandIns, 'twilio' | 'meta'>,
  smsFrom: readonly string[],
): Record<string, string> {
  return {
    TWILIO_BASE_URL: twilio.url,
    TWILIO_ACCOUNT_SID: STAND_IN.twilioSid,
    TWILIO_AUTH_TOKEN: STAND_IN.twilioToken,
    TWILIO_FROM_NUMBERS: smsFrom.join(','),
    WHATSAPP_BASE_URL: meta.url,
    WHATSAPP_PHONE_NUMBER_ID: STAND_IN.phoneNumberId,
    WHATSAPP_ACCESS_TOKEN: STAND_IN.waToken,
    WHATSAPP_APP_SECRET: STAND_IN.waSecret,
    WHATSAPP_VERIFY_TOKEN: STAND_IN.waVerifyToken,
  };
}

/**
 * A sender as the dispatcher builds one — `provider`, each send's outcome kept in the service's
 * database (`channel_delivery`, for the webhooks to find), no waiting between retries.
 */
export function storedSender(
  sut: ServiceUnderTest,
  provider: ChannelProvider,
  record: { to: string; accountId?: string },
): ReliableSender {
  return new ReliableSender(provider, {
    store: new PgOutcomeStore(sut.dataSource, provider.channel, { tenantId: sut.tenant, ...record }, () =>
      sut.clock.now(),
    ),
    delay: async () => undefined,
    random: () => 0.5,
  });
}

/**
 * SMS through the Twilio stand-in from `from`, its status callbacks to the service's SMS webhook,
 * stored like the dispatcher's: a new provider per sender, since `now: () => 0` makes one provider
 * refuse a second send under its per-number rate.
 */
export function standInSmsSender(
  sut: ServiceUnderTest,
  twilio: ChannelStandIns['twilio'],
  from: string,
  record: { to: string; accountId?: string },
): ReliableSender {
  const provider = new TwilioSmsProvider({
    baseUrl: twilio.url,
    accountSid: STAND_IN.twilioSid,
    authToken: STAND_IN.twilioToken,
    from: [from],
    statusCallback: `${sut.app.httpUrl}/webhooks/${sut.tenant}/sms`,
    now: () => 0,
  });
  return storedSender(sut, provider, record);
}

/** Stands for the ledger's ExportDebtor: the same Debtor message, mapped by the same code. */
export function directoryOf(debtors: ReadonlyMap<string, ledger.Debtor>): ContactDirectory {
  return {
    addressesOf: async (_tenant, debtorId) => {
      const d = debtors.get(debtorId);
      return d ? addressesFrom(d) : undefined;
    },
    close: () => undefined,
  };
}
