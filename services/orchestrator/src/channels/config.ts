import {
  ConfigError,
  ConfigField,
  ConfigParseResult,
  ConfigProblem,
  int,
  loadConfig,
  optional,
  str,
  url,
} from '@collections/platform';
import {
  DEFAULT_SMS_SENDER_RATES,
  ShortCodeCountries,
  isCallingCode,
  isE164,
  isShortCode,
  smsSenderKind,
} from './domain';
import { SmtpEmailProvider } from './email/smtp-email.provider';
import { TwilioSmsProvider } from './sms/twilio.provider';
import { SAY_LANGUAGES, SayLanguage, sayLanguageNamed, sayVoiceProblem } from './voice/say-language';
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

type TenantNumbers = Readonly<Record<string, readonly string[]>>;

/**
 * What a tenant map's numbers are: E.164 numbers (caller ids), SMS senders (E.164 numbers, short
 * codes, alphanumeric sender ids), or Meta's phone number ids (digits).
 */
const NUMBER_KINDS = {
  e164: { test: isE164, what: 'an E.164 number (+ and 8 to 15 digits)' },
  'sms-sender': {
    test: (n: string) => smsSenderKind(n) !== undefined,
    what:
      'an E.164 number (+ and 8 to 15 digits), a short code (5 or 6 digits) or an alphanumeric sender id ' +
      '(1 to 11 letters, digits or spaces, at least one letter)',
  },
  'phone-number-id': { test: (n: string) => /^\d{1,32}$/.test(n), what: "a phone number id (Meta's, digits)" },
} as const;

/**
 * A tenant → numbers map, `tenant=number|number,tenant=number` (`|` between one tenant's numbers,
 * `,` between tenants: neither is in an E.164 number or a tenant id). Each number is one tenant's;
 * a tenant is named once; `single`: one number per tenant.
 */
function tenantNumbers(name: string, kind: keyof typeof NUMBER_KINDS, single = false): ConfigField<TenantNumbers> {
  const { test, what } = NUMBER_KINDS[kind];
  const parse = (raw: string): ConfigParseResult<TenantNumbers> => {
    const map = new Map<string, string[]>();
    const owner = new Map<string, string>();
    const problems: string[] = [];
    for (const entry of raw.split(',').map((e) => e.trim())) {
      if (entry === '') continue;
      const bad = (problem: string) => problems.push(`entry ${JSON.stringify(entry)}: ${problem}`);
      const eq = entry.indexOf('=');
      const tenant = entry.slice(0, eq).trim();
      const numbers = entry
        .slice(eq + 1)
        .split('|')
        .map((n) => n.trim());
      if (eq < 0 || !/^[^\s=,|/?#]+$/.test(tenant)) {
        bad(single ? 'expected tenant=number' : 'expected tenant=number|number…');
        continue;
      }
      if (map.has(tenant)) {
        bad(`tenant ${tenant} is named twice`);
        continue;
      }
      if (single && numbers.length > 1) bad('one number per tenant');
      const own: string[] = [];
      map.set(tenant, own);
      for (const number of numbers) {
        const other = owner.get(number);
        if (!test(number)) bad(`${JSON.stringify(number)} is not ${what}`);
        else if (other === tenant) bad(`${number} is named twice`);
        else if (other !== undefined) bad(`${number} is already tenant ${other}'s (a number is one tenant's)`);
        else {
          owner.set(number, tenant);
          own.push(number);
        }
      }
    }
    return problems.length ? { ok: false, problem: problems.join('; ') } : { ok: true, value: Object.fromEntries(map) };
  };
  return { kind: 'config-field', name, parse, hasDefault: false, defaultValue: undefined };
}

/**
 * A shared pool of senders, comma-separated, each of `kind` as a tenant's are (`NUMBER_KINDS`) and
 * named once; blank entries are skipped. SMS (`sms-sender`: `+15550001001,55555,ACMEBANK`, an E.164
 * number, a short code or an alphanumeric sender id) and caller ids (`e164`: a call needs a phone
 * number). Twilio would refuse every message or call from a bad one.
 */
function senderPool(name: string, kind: keyof typeof NUMBER_KINDS): ConfigField<readonly string[]> {
  const { test, what } = NUMBER_KINDS[kind];
  const parse = (raw: string): ConfigParseResult<readonly string[]> => {
    const senders: string[] = [];
    const problems: string[] = [];
    for (const entry of raw.split(',').map((e) => e.trim())) {
      if (entry === '') continue;
      if (!test(entry)) problems.push(`entry ${JSON.stringify(entry)} is not ${what}`);
      else if (senders.includes(entry)) problems.push(`entry ${JSON.stringify(entry)} is named twice`);
      else senders.push(entry);
    }
    if (!problems.length && !senders.length) problems.push('names no sender (leave it unset for none)');
    return problems.length ? { ok: false, problem: problems.join('; ') } : { ok: true, value: senders };
  };
  return { kind: 'config-field', name, parse, hasDefault: false, defaultValue: undefined };
}

/** Calling codes, comma-separated (`+55,+54`): each `+` and 1 to 4 digits. */
function callingCodes(name: string): ConfigField<readonly string[]> {
  const parse = (raw: string): ConfigParseResult<readonly string[]> => {
    const codes = raw
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const bad = codes.filter((c) => !isCallingCode(c));
    return bad.length
      ? {
          ok: false,
          problem: bad.map((c) => `entry ${JSON.stringify(c)} is not a calling code (+ and 1 to 4 digits)`).join('; '),
        }
      : { ok: true, value: codes };
  };
  return { kind: 'config-field', name, parse, hasDefault: false, defaultValue: undefined };
}

/**
 * Each short code's country, `shortcode=callingcode,…` (`55555=+1,12345=+52`): a short code (5 or 6
 * digits) named once, with the calling code (+ and 1 to 4 digits) of the one country it serves.
 */
function shortCodeCountries(name: string): ConfigField<ShortCodeCountries> {
  const parse = (raw: string): ConfigParseResult<ShortCodeCountries> => {
    const countries: Record<string, string> = {};
    const problems: string[] = [];
    for (const entry of raw.split(',').map((e) => e.trim())) {
      if (entry === '') continue;
      const bad = (problem: string) => problems.push(`entry ${JSON.stringify(entry)}: ${problem}`);
      const eq = entry.indexOf('=');
      const shortCode = entry.slice(0, eq).trim();
      const code = entry.slice(eq + 1).trim();
      if (eq < 0) bad('expected shortcode=callingcode (e.g. 55555=+1)');
      else if (!isShortCode(shortCode)) bad(`${JSON.stringify(shortCode)} is not a short code (5 or 6 digits)`);
      else if (!isCallingCode(code)) bad(`${JSON.stringify(code)} is not a calling code (+ and 1 to 4 digits)`);
      else if (countries[shortCode] !== undefined) bad(`${shortCode} is named twice`);
      else countries[shortCode] = code;
    }
    return problems.length ? { ok: false, problem: problems.join('; ') } : { ok: true, value: countries };
  };
  return { kind: 'config-field', name, parse, hasDefault: false, defaultValue: undefined };
}

/**
 * A short code of the SMS pools (`TWILIO_FROM_NUMBERS`, `TWILIO_TENANT_FROM_NUMBERS`) whose country
 * `TWILIO_SHORT_CODE_COUNTRIES` does not say (it would be used for no one), or one it names that no
 * pool holds (a short code removed, or mistyped, in one place and not the other).
 */
function shortCodeCountryProblems(
  shared: readonly string[],
  tenants: TenantNumbers | undefined,
  countries: ShortCodeCountries,
): ConfigProblem[] {
  const pools = [
    ...shared.map((s) => ({ sender: s, where: 'TWILIO_FROM_NUMBERS' })),
    ...Object.entries(tenants ?? {}).flatMap(([tenant, own]) =>
      own.map((s) => ({ sender: s, where: `TWILIO_TENANT_FROM_NUMBERS (tenant ${tenant})` })),
    ),
  ];
  return [
    ...pools
      .filter(({ sender }) => isShortCode(sender) && countries[sender] === undefined)
      .map(({ sender, where }) => ({
        variable: 'TWILIO_SHORT_CODE_COUNTRIES',
        problem: `short code ${sender} of ${where} has no country: name the calling code it serves (${sender}=+1)`,
      })),
    ...Object.keys(countries)
      .filter((shortCode) => !pools.some(({ sender }) => sender === shortCode))
      .map((shortCode) => ({
        variable: 'TWILIO_SHORT_CODE_COUNTRIES',
        problem: `short code ${shortCode} is in neither TWILIO_FROM_NUMBERS nor TWILIO_TENANT_FROM_NUMBERS`,
      })),
  ];
}

type SayVoices = Readonly<Partial<Record<SayLanguage, string>>>;

/**
 * The voice bot's voice per `<Say>` language, `language=voice,language=voice` (e.g.
 * `es-MX=Polly.Mia,pt-BR=Polly.Camila`): each language one Twilio reads (`SAY_LANGUAGES`), named
 * once, with a Polly or Google voice that speaks it (`sayVoiceProblem`).
 */
function sayVoices(name: string): ConfigField<SayVoices> {
  const parse = (raw: string): ConfigParseResult<SayVoices> => {
    const voices: Partial<Record<SayLanguage, string>> = {};
    const problems: string[] = [];
    for (const entry of raw.split(',').map((e) => e.trim())) {
      if (entry === '') continue;
      const bad = (problem: string) => problems.push(`entry ${JSON.stringify(entry)}: ${problem}`);
      const eq = entry.indexOf('=');
      const named = entry.slice(0, eq).trim();
      const voice = entry.slice(eq + 1).trim();
      const language = sayLanguageNamed(named);
      if (eq < 0 || !named || !voice) bad('expected language=voice (e.g. es-MX=Polly.Mia)');
      else if (!language)
        bad(`${JSON.stringify(named)} is not a language Twilio's <Say> reads (one of ${SAY_LANGUAGES.join(', ')})`);
      else if (voices[language]) bad(`${language} is named twice`);
      else {
        const problem = sayVoiceProblem(language, voice);
        if (problem) bad(problem);
        else voices[language] = voice;
      }
    }
    return problems.length ? { ok: false, problem: problems.join('; ') } : { ok: true, value: voices };
  };
  return { kind: 'config-field', name, parse, hasDefault: false, defaultValue: undefined };
}

/** A tenant's number also shared: it serves every tenant without numbers of their own, so it is no one tenant's. */
function sharedNumberProblems(
  variable: string,
  map: TenantNumbers | undefined,
  sharedVariable: string,
  shared: readonly string[],
): ConfigProblem[] {
  return Object.entries(map ?? {}).flatMap(([tenant, numbers]) =>
    numbers
      .filter((n) => shared.includes(n))
      .map((n) => ({
        variable,
        problem: `${n} (tenant ${tenant}) is also in ${sharedVariable}, which every tenant without numbers of its own sends from`,
      })),
  );
}

/** A Twilio number one tenant's for SMS and another's for calls: a number is one tenant's. */
function crossChannelProblems(sms: TenantNumbers | undefined, voice: TenantNumbers | undefined): ConfigProblem[] {
  const smsOwner = new Map(Object.entries(sms ?? {}).flatMap(([tenant, numbers]) => numbers.map((n) => [n, tenant])));
  return Object.entries(voice ?? {}).flatMap(([tenant, numbers]) =>
    numbers
      .filter((n) => smsOwner.has(n) && smsOwner.get(n) !== tenant)
      .map((n) => ({
        variable: 'TWILIO_VOICE_TENANT_FROM_NUMBERS',
        problem: `${n} (tenant ${tenant}) is tenant ${smsOwner.get(n)}'s in TWILIO_TENANT_FROM_NUMBERS (a number is one tenant's)`,
      })),
  );
}

/**
 * Provider accounts from the environment; a channel without its credentials has no webhook. With a
 * tenant map, a tenant in it sends from its own numbers and webhooks about them count for it only;
 * one not in it sends from the shared numbers, or not at all when there are none.
 */
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
        // The shared pool (tenants without senders of their own), checked at start as the map's: +15550001,55555,ACMEBANK.
        from: optional(senderPool('TWILIO_FROM_NUMBERS', 'sms-sender')),
        // Tenant → its own senders, long codes, short codes or alphanumeric ids: acme=ACMEBANK|+15550001,globex=55555.
        tenantFrom: optional(tenantNumbers('TWILIO_TENANT_FROM_NUMBERS', 'sms-sender')),
        // Calling codes an alphanumeric sender id is not used for, beyond +1, +52 and +57: +55,+54.
        alphanumericUnsupported: optional(callingCodes('TWILIO_ALPHANUMERIC_UNSUPPORTED_CODES')),
        // The country each short code of the pools serves (it is used for that country's numbers only): 55555=+1.
        shortCodeCountries: optional(shortCodeCountries('TWILIO_SHORT_CODE_COUNTRIES')),
        messagingServiceSid: optional(str('TWILIO_MESSAGING_SERVICE_SID')),
        statusCallback: optional(str('TWILIO_STATUS_CALLBACK')),
        // Message segments per second per number of a pool (1 for US long codes), as Twilio meters them: a
        // message takes its segments (smsSegments) from its sender's bucket; the buckets are shared by replicas.
        perSecond: int('TWILIO_SMS_PER_SECOND', { default: DEFAULT_SMS_SENDER_RATES.number, min: 1, max: 100 }),
        // Segments per second per short code (Twilio: 100 by default, more bought) and per alphanumeric sender id (Twilio: 10 by default).
        shortCodePerSecond: int('TWILIO_SMS_SHORT_CODE_PER_SECOND', {
          default: DEFAULT_SMS_SENDER_RATES['short-code'],
          min: 1,
          max: 1000,
        }),
        alphanumericPerSecond: int('TWILIO_SMS_ALPHANUMERIC_PER_SECOND', {
          default: DEFAULT_SMS_SENDER_RATES.alphanumeric,
          min: 1,
          max: 1000,
        }),
      },
      voice: {
        // Caller ids for the voice bot (comma-separated); the voice channel is off without them.
        from: optional(senderPool('TWILIO_VOICE_FROM_NUMBERS', 'e164')),
        // Tenant → its own caller ids, as TWILIO_TENANT_FROM_NUMBERS.
        tenantFrom: optional(tenantNumbers('TWILIO_VOICE_TENANT_FROM_NUMBERS', 'e164')),
        // The voice bot's TwiML URL (its <Gather input="speech"> action posts to /webhooks/{tenant}/call).
        botUrl: optional(url('TWILIO_VOICE_BOT_URL')),
        // The voice per <Say> language: es-MX=Polly.Mia,pt-BR=Polly.Camila (else Twilio's default voice).
        voices: optional(sayVoices('TWILIO_VOICE_VOICES')),
        statusCallback: optional(str('TWILIO_VOICE_STATUS_CALLBACK')),
        callsPerSecond: int('TWILIO_VOICE_CALLS_PER_SECOND', { default: 1, min: 1, max: 100 }),
      },
      whatsapp: {
        baseUrl: str('WHATSAPP_BASE_URL', { default: 'https://graph.facebook.com' }),
        version: str('WHATSAPP_API_VERSION', { default: 'v21.0' }),
        phoneNumberId: optional(str('WHATSAPP_PHONE_NUMBER_ID')),
        // Tenant → its own business number under the same app: acme=1234567890,globex=9876543210.
        tenantNumbers: optional(tenantNumbers('WHATSAPP_TENANT_NUMBERS', 'phone-number-id', true)),
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
  const smsFrom = t.from ? [...t.from] : undefined;
  const voiceFrom = v.from ? [...v.from] : undefined;
  const conflicts = [
    ...sharedNumberProblems('TWILIO_TENANT_FROM_NUMBERS', t.tenantFrom, 'TWILIO_FROM_NUMBERS', smsFrom ?? []),
    ...sharedNumberProblems(
      'TWILIO_VOICE_TENANT_FROM_NUMBERS',
      v.tenantFrom,
      'TWILIO_VOICE_FROM_NUMBERS',
      voiceFrom ?? [],
    ),
    ...sharedNumberProblems(
      'WHATSAPP_TENANT_NUMBERS',
      w.tenantNumbers,
      'WHATSAPP_PHONE_NUMBER_ID',
      w.phoneNumberId ? [w.phoneNumberId.trim()] : [],
    ),
    ...crossChannelProblems(t.tenantFrom, v.tenantFrom),
    ...shortCodeCountryProblems(smsFrom ?? [], t.tenantFrom, t.shortCodeCountries ?? {}),
  ];
  if (conflicts.length) throw new ConfigError(conflicts);
  const waTenants = w.tenantNumbers
    ? Object.fromEntries(Object.entries(w.tenantNumbers).map(([tenant, [id]]) => [tenant, id]))
    : undefined;
  return {
    publicBaseUrl: c.publicBaseUrl,
    email:
      smtp.host && smtp.from ? new SmtpEmailProvider({ host: smtp.host, port: smtp.port, from: smtp.from }) : undefined,
    sms:
      t.accountSid && t.authToken && (t.from || t.messagingServiceSid || t.tenantFrom)
        ? new TwilioSmsProvider({
            baseUrl: t.baseUrl,
            accountSid: t.accountSid,
            authToken: t.authToken,
            from: smsFrom,
            tenantFrom: t.tenantFrom,
            alphanumericUnsupported: t.alphanumericUnsupported,
            shortCodeCountries: t.shortCodeCountries,
            messagingServiceSid: t.messagingServiceSid,
            statusCallback: t.statusCallback,
            ratePerSecond: t.perSecond,
            shortCodePerSecond: t.shortCodePerSecond,
            alphanumericPerSecond: t.alphanumericPerSecond,
          })
        : undefined,
    whatsapp:
      (w.phoneNumberId || waTenants) && w.accessToken && w.appSecret && w.verifyToken
        ? new WhatsAppCloudProvider({
            baseUrl: w.baseUrl,
            version: w.version,
            phoneNumberId: w.phoneNumberId,
            tenantPhoneNumberIds: waTenants,
            accessToken: w.accessToken,
            appSecret: w.appSecret,
            verifyToken: w.verifyToken,
            ratePerSecond: w.perSecond,
          })
        : undefined,
    call:
      t.accountSid && t.authToken && (v.from || v.tenantFrom)
        ? new TwilioVoiceProvider({
            baseUrl: t.baseUrl,
            accountSid: t.accountSid,
            authToken: t.authToken,
            from: voiceFrom,
            tenantFrom: v.tenantFrom,
            botUrl: v.botUrl,
            voices: v.voices,
            statusCallback: v.statusCallback,
            callsPerSecond: v.callsPerSecond,
          })
        : undefined,
  };
}
