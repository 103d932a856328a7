import { ConfigError } from '@collections/platform';
import { channelProvidersFromEnv } from '../../src/channels/config';
import { OutboundMessage, isPermanent } from '../../src/channels/domain';
import { TwilioSmsProvider } from '../../src/channels/sms/twilio.provider';
import { TwilioVoiceProvider } from '../../src/channels/voice/twilio-voice.provider';
import { STAND_IN } from '../support/channel-stand-ins';
import { startTwilioStandIn } from '../support/twilio-stand-in';
import { startTwilioVoiceStandIn } from '../support/twilio-voice-stand-in';
import { startWhatsAppStandIn } from '../support/whatsapp-stand-in';

const TWILIO = { TWILIO_ACCOUNT_SID: STAND_IN.twilioSid, TWILIO_AUTH_TOKEN: STAND_IN.twilioToken };
const WHATSAPP = {
  WHATSAPP_ACCESS_TOKEN: STAND_IN.waToken,
  WHATSAPP_APP_SECRET: STAND_IN.waSecret,
  WHATSAPP_VERIFY_TOKEN: STAND_IN.waVerifyToken,
};

/** The start-up error `env` gives, as the operator reads it. */
function startUpError(env: Record<string, string>): string {
  try {
    channelProvidersFromEnv({ ...TWILIO, ...WHATSAPP, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('per-tenant numbers: configuration', () => {
  it.each([
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=15550000101', '"acme=15550000101": "15550000101" is not an E.164 number'],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme:+15550000101', '"acme:+15550000101": expected tenant=number|number'],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=+15550000101,,=+15550000102', '"=+15550000102": expected tenant='],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=+15550000101|', '"acme=+15550000101|": "" is not an E.164 number'],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=+15550000101,acme=+15550000102', 'tenant acme is named twice'],
    [
      'TWILIO_VOICE_TENANT_FROM_NUMBERS',
      'acme=+15550000101,globex=+15550000102|+15550000101',
      "+15550000101 is already tenant acme's (a number is one tenant's)",
    ],
    ['WHATSAPP_TENANT_NUMBERS', 'acme=1234567890|1234567891', '"acme=1234567890|1234567891": one number per tenant'],
    ['WHATSAPP_TENANT_NUMBERS', 'acme=+1234567890', '"+1234567890" is not a phone number id'],
    // SMS senders: E.164 numbers, short codes (5 or 6 digits), alphanumeric ids (1–11 of A-Z a-z 0-9 space, a letter).
    [
      'TWILIO_TENANT_FROM_NUMBERS',
      'acme=ACME-BANK',
      '"acme=ACME-BANK": "ACME-BANK" is not an E.164 number (+ and 8 to 15 digits), a short code (5 or 6 digits) or an alphanumeric sender id',
    ],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=ACMEBANK|AcmeCobranza', '"AcmeCobranza" is not an E.164 number'],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=+15550000101|1234', '"1234" is not an E.164 number'],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=1234567', '"1234567" is not an E.164 number'],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=ACMEBANK,globex=ACMEBANK', "ACMEBANK is already tenant acme's"],
    ['TWILIO_TENANT_FROM_NUMBERS', 'acme=55555|55555', '55555 is named twice'],
    // Caller ids stay E.164: Twilio places calls from phone numbers only.
    ['TWILIO_VOICE_TENANT_FROM_NUMBERS', 'acme=55555', '"55555" is not an E.164 number (+ and 8 to 15 digits)'],
    ['TWILIO_VOICE_TENANT_FROM_NUMBERS', 'acme=ACMEBANK', '"ACMEBANK" is not an E.164 number (+ and 8 to 15 digits)'],
    ['TWILIO_ALPHANUMERIC_UNSUPPORTED_CODES', '+55, 54', '"54" is not a calling code'],
    // The shared pool, checked as the map is: a typo stops the start instead of every message failing at Twilio.
    [
      'TWILIO_FROM_NUMBERS',
      '+15550000001, +1555000',
      'entry "+1555000" is not an E.164 number (+ and 8 to 15 digits), a short code (5 or 6 digits) or an alphanumeric sender id',
    ],
    ['TWILIO_FROM_NUMBERS', 'ACME BANK LTD', 'entry "ACME BANK LTD" is not an E.164 number'],
    ['TWILIO_FROM_NUMBERS', '15550000001', 'entry "15550000001" is not an E.164 number'],
    ['TWILIO_FROM_NUMBERS', '55555,+15550000001,55555', 'entry "55555" is named twice'],
    ['TWILIO_FROM_NUMBERS', ' , ', 'names no sender'],
    ['TWILIO_SMS_SHORT_CODE_PER_SECOND', '0', 'TWILIO_SMS_SHORT_CODE_PER_SECOND'],
    // The shared caller ids likewise, E.164 only.
    ['TWILIO_VOICE_FROM_NUMBERS', '+15550000201, 55555', 'entry "55555" is not an E.164 number (+ and 8 to 15 digits)'],
    ['TWILIO_VOICE_FROM_NUMBERS', 'ACMEBANK', 'entry "ACMEBANK" is not an E.164 number'],
    ['TWILIO_VOICE_FROM_NUMBERS', '+15550000201,+15550000201', 'entry "+15550000201" is named twice'],
  ])('%s=%s is refused at start-up, naming the variable and the entry', (variable, value, problem) => {
    const message = startUpError({ [variable]: value });
    expect(message).toContain(`${variable}: `);
    expect(message).toContain(problem);
  });

  it('refuses a number that is both a tenant’s and shared, or one tenant’s SMS number and another’s caller id', () => {
    const message = startUpError({
      TWILIO_FROM_NUMBERS: '+15550000001,+15550000101',
      TWILIO_TENANT_FROM_NUMBERS: 'acme=+15550000101,globex=+15550000201',
      TWILIO_VOICE_FROM_NUMBERS: '+15550000002',
      TWILIO_VOICE_TENANT_FROM_NUMBERS: 'acme=+15550000201',
      WHATSAPP_PHONE_NUMBER_ID: '1000000001',
      WHATSAPP_TENANT_NUMBERS: 'acme=1000000001',
    });
    // Every problem at once, so a deploy is fixed in one round trip.
    expect(message).toContain('3 problems');
    expect(message).toContain('TWILIO_TENANT_FROM_NUMBERS: +15550000101 (tenant acme) is also in TWILIO_FROM_NUMBERS');
    expect(message).toContain(
      "TWILIO_VOICE_TENANT_FROM_NUMBERS: +15550000201 (tenant acme) is tenant globex's in TWILIO_TENANT_FROM_NUMBERS",
    );
    expect(message).toContain('WHATSAPP_TENANT_NUMBERS: 1000000001 (tenant acme) is also in WHATSAPP_PHONE_NUMBER_ID');
  });

  it('refuses a shared pool with a bad entry and a tenant’s sender also shared, every problem at once', () => {
    const message = startUpError({
      TWILIO_FROM_NUMBERS: 'ACMEBANK,ACME BANK LTD',
      TWILIO_TENANT_FROM_NUMBERS: 'acme=+15550000101',
    });
    expect(message).toContain('TWILIO_FROM_NUMBERS: entry "ACME BANK LTD" is not');
    expect(message).not.toContain('"ACMEBANK"');
    // The shared-or-one-tenant's rule holds for short codes and alphanumeric ids too.
    expect(
      startUpError({ TWILIO_FROM_NUMBERS: '55555, ACMEBANK', TWILIO_TENANT_FROM_NUMBERS: 'acme=ACMEBANK|55555' }),
    ).toContain(
      'TWILIO_TENANT_FROM_NUMBERS: ACMEBANK (tenant acme) is also in TWILIO_FROM_NUMBERS, which every tenant without numbers of its own sends from',
    );
  });

  it('accepts a shared pool of numbers, short codes and alphanumeric ids, with blank entries', () => {
    const providers = channelProvidersFromEnv({
      ...TWILIO,
      TWILIO_FROM_NUMBERS: ' +15550000001 , 55555,,Acme Pagos,',
      TWILIO_TENANT_FROM_NUMBERS: 'acme=+15550000101',
      TWILIO_SHORT_CODE_COUNTRIES: '55555=+1',
    });
    expect(providers.sms).toBeDefined();
  });

  it('accepts one tenant’s number for both its SMS and its calls, and blank entries', () => {
    const providers = channelProvidersFromEnv({
      ...TWILIO,
      ...WHATSAPP,
      TWILIO_TENANT_FROM_NUMBERS: ' acme = +15550000101 | +15550000102 , globex=+15550000201,',
      TWILIO_VOICE_TENANT_FROM_NUMBERS: 'acme=+15550000101',
      WHATSAPP_TENANT_NUMBERS: 'acme=1234567890,globex=9876543210',
    });
    expect(providers.sms).toBeDefined();
    expect(providers.call).toBeDefined();
    expect(providers.whatsapp).toBeDefined();
  });

  it('accepts short codes and alphanumeric sender ids as a tenant’s SMS senders, beside its numbers', () => {
    const providers = channelProvidersFromEnv({
      ...TWILIO,
      TWILIO_TENANT_FROM_NUMBERS: 'acme=ACMEBANK|Acme Pagos|55555|+15550000101,globex=123456',
      TWILIO_VOICE_TENANT_FROM_NUMBERS: 'acme=+15550000101',
      TWILIO_ALPHANUMERIC_UNSUPPORTED_CODES: '+55, +54',
      TWILIO_SHORT_CODE_COUNTRIES: ' 55555=+1, 123456=+52 ,',
    });
    expect(providers.sms).toBeDefined();
    expect(providers.call).toBeDefined();
  });

  it.each([
    ['55555=1', '"55555=1": "1" is not a calling code (+ and 1 to 4 digits)'],
    ['5555=+1', '"5555=+1": "5555" is not a short code (5 or 6 digits)'],
    ['55555', '"55555": expected shortcode=callingcode (e.g. 55555=+1)'],
    ['55555=+1,55555=+52', '"55555=+52": 55555 is named twice'],
  ])('TWILIO_SHORT_CODE_COUNTRIES=%s is refused at start-up, naming the variable and the entry', (value, problem) => {
    const message = startUpError({ TWILIO_FROM_NUMBERS: '55555', TWILIO_SHORT_CODE_COUNTRIES: value });
    expect(message).toContain(`TWILIO_SHORT_CODE_COUNTRIES: entry ${problem}`);
  });

  it('refuses a short code whose country is not configured, and a country for a short code no pool holds', () => {
    const message = startUpError({
      TWILIO_FROM_NUMBERS: '55555,+15550000001',
      TWILIO_TENANT_FROM_NUMBERS: 'acme=ACMEBANK|123456',
      TWILIO_SHORT_CODE_COUNTRIES: '55555=+1,77777=+34',
    });
    expect(message).toContain(
      'TWILIO_SHORT_CODE_COUNTRIES: short code 123456 of TWILIO_TENANT_FROM_NUMBERS (tenant acme) has no country: name the calling code it serves (123456=+1)',
    );
    expect(message).toContain(
      'TWILIO_SHORT_CODE_COUNTRIES: short code 77777 is in neither TWILIO_FROM_NUMBERS nor TWILIO_TENANT_FROM_NUMBERS',
    );
    expect(startUpError({ TWILIO_FROM_NUMBERS: '55555' })).toContain(
      'TWILIO_SHORT_CODE_COUNTRIES: short code 55555 of TWILIO_FROM_NUMBERS has no country',
    );
  });
});

describe('per-tenant numbers: each tenant sends from its own (stand-ins)', () => {
  let twilio: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let voice: Awaited<ReturnType<typeof startTwilioVoiceStandIn>>;
  let meta: Awaited<ReturnType<typeof startWhatsAppStandIn>>;

  beforeEach(async () => {
    twilio = await startTwilioStandIn(STAND_IN.twilioSid, STAND_IN.twilioToken);
    voice = await startTwilioVoiceStandIn(STAND_IN.twilioSid, STAND_IN.twilioToken);
    meta = await startWhatsAppStandIn({ token: STAND_IN.waToken, appSecret: STAND_IN.waSecret });
  });
  afterEach(async () => {
    await twilio.close();
    await voice.close();
    await meta.close();
  });

  const env = (extra: Record<string, string>) =>
    channelProvidersFromEnv({
      ...TWILIO,
      ...WHATSAPP,
      TWILIO_BASE_URL: twilio.url,
      WHATSAPP_BASE_URL: meta.url,
      ...extra,
    });
  const message = (tenantId: string, key: string, to: string): OutboundMessage => ({
    idempotencyKey: key,
    tenantId,
    to,
    body: 'Hola',
    template: { name: 'recordatorio', language: 'es' },
  });

  it('no map: every tenant sends from the deployment’s numbers, as before', async () => {
    const providers = env({
      TWILIO_FROM_NUMBERS: '+15550000001,+15550000002',
      WHATSAPP_PHONE_NUMBER_ID: STAND_IN.phoneNumberId,
    });
    expect(await providers.sms!.send(message('acme', 'k1', '+34600100001'))).toMatchObject({ ok: true });
    expect(await providers.sms!.send(message('globex', 'k2', '+34600100002'))).toMatchObject({ ok: true });
    expect(await providers.whatsapp!.send(message('globex', 'k3', '+5511955551001'))).toMatchObject({ ok: true });
    // One pool for all tenants (which of its codes depends on the wall clock's buckets).
    expect(twilio.messages.map((m) => m.from)).toEqual(['+15550000001', expect.stringMatching(/^\+1555000000[12]$/)]);
    expect(meta.sent.map((m) => m.phoneNumberId)).toEqual([STAND_IN.phoneNumberId]);
  });

  it("two tenants' SMS, WhatsApp and calls go out from each tenant's own numbers; an unlisted tenant's from the shared ones", async () => {
    const providers = env({
      TWILIO_FROM_NUMBERS: '+15550000001',
      TWILIO_TENANT_FROM_NUMBERS: 'acme=+15550000101,globex=+15550000201',
      TWILIO_VOICE_TENANT_FROM_NUMBERS: 'acme=+15550000101,globex=+15550000202',
      WHATSAPP_PHONE_NUMBER_ID: STAND_IN.phoneNumberId,
      WHATSAPP_TENANT_NUMBERS: 'acme=1234567890,globex=9876543210',
    });
    const voiceProvider = channelProvidersFromEnv({
      ...TWILIO,
      TWILIO_BASE_URL: voice.url,
      TWILIO_VOICE_TENANT_FROM_NUMBERS: 'acme=+15550000101,globex=+15550000202',
    }).call!;
    for (const [tenant, n] of [
      ['acme', 1],
      ['globex', 2],
      ['initech', 3],
    ] as const) {
      expect(await providers.sms!.send(message(tenant, `sms-${n}`, `+3460010000${n}`))).toMatchObject({ ok: true });
      expect(await providers.whatsapp!.send(message(tenant, `wa-${n}`, `+551195555100${n}`))).toMatchObject({
        ok: true,
      });
    }
    for (const [tenant, n] of [
      ['acme', 1],
      ['globex', 2],
    ] as const)
      expect(await voiceProvider.send(message(tenant, `call-${n}`, `+3460010000${n}`))).toMatchObject({ ok: true });

    expect(twilio.messages.map((m) => [m.to, m.from])).toEqual([
      ['+34600100001', '+15550000101'],
      ['+34600100002', '+15550000201'],
      ['+34600100003', '+15550000001'],
    ]);
    expect(meta.sent.map((m) => [m.to, m.phoneNumberId])).toEqual([
      ['5511955551001', '1234567890'],
      ['5511955551002', '9876543210'],
      ['5511955551003', STAND_IN.phoneNumberId],
    ]);
    expect(voice.calls.map((c) => [c.to, c.from])).toEqual([
      ['+34600100001', '+15550000101'],
      ['+34600100002', '+15550000202'],
    ]);
  });

  it('with a map and no shared number, an unlisted tenant cannot send: refused for good, nothing reaches the provider', async () => {
    const providers = env({
      TWILIO_TENANT_FROM_NUMBERS: 'acme=+15550000101',
      WHATSAPP_TENANT_NUMBERS: 'acme=1234567890',
    });
    const refused = { ok: false, failure: expect.objectContaining({ kind: 'rejected', code: 'no-sender' }) };
    expect(await providers.sms!.send(message('initech', 'k1', '+34600100001'))).toEqual(refused);
    expect(await providers.whatsapp!.send(message('initech', 'k1', '+5511955551001'))).toEqual(refused);
    expect(twilio.messages).toEqual([]);
    expect(meta.requests()).toBe(0);
    // The listed tenant sends.
    expect(await providers.sms!.send(message('acme', 'k2', '+34600100002'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => m.from)).toEqual(['+15550000101']);
  });

  it('with a map beside a Messaging Service, a listed tenant sends from its numbers and an unlisted one through the service', async () => {
    const providers = env({
      TWILIO_MESSAGING_SERVICE_SID: 'MG' + '3'.repeat(32),
      TWILIO_TENANT_FROM_NUMBERS: 'acme=+15550000101',
    });
    await providers.sms!.send(message('acme', 'k1', '+34600100001'));
    await providers.sms!.send(message('initech', 'k2', '+34600100002'));
    expect(twilio.messages.map((m) => [m.from ?? null, m.messagingServiceSid ?? null])).toEqual([
      ['+15550000101', null],
      [null, 'MG' + '3'.repeat(32)],
    ]);
  });

  it("a tenant's number has a bucket of its own: one tenant at its rate does not hold back the other", async () => {
    const sms = new TwilioSmsProvider({
      baseUrl: twilio.url,
      accountSid: STAND_IN.twilioSid,
      authToken: STAND_IN.twilioToken,
      tenantFrom: { acme: ['+15550000101'], globex: ['+15550000201'] },
      now: () => 0,
    });
    expect(await sms.send(message('acme', 'k1', '+34600100001'))).toMatchObject({ ok: true });
    // acme's one long code has sent its message of this second…
    expect(await sms.send(message('acme', 'k2', '+34600100002'))).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 1000, local: true },
    });
    // …globex's has not.
    expect(await sms.send(message('globex', 'k3', '+34600100003'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => m.from)).toEqual(['+15550000101', '+15550000201']);
  });
});

describe('per-tenant SMS senders: short codes and alphanumeric ids (stand-in)', () => {
  let twilio: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let clock = 0;
  let warnings: unknown[][];

  beforeEach(async () => {
    twilio = await startTwilioStandIn(STAND_IN.twilioSid, STAND_IN.twilioToken);
    clock = 0;
    warnings = [];
  });
  afterEach(() => twilio.close());

  const sms = (
    tenantFrom: Record<string, string[]>,
    extra: Partial<ConstructorParameters<typeof TwilioSmsProvider>[0]> = {},
  ) =>
    new TwilioSmsProvider({
      baseUrl: twilio.url,
      accountSid: STAND_IN.twilioSid,
      authToken: STAND_IN.twilioToken,
      tenantFrom,
      statusCallback: 'https://collect.example/webhooks/{tenant}/sms',
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
      now: () => clock,
      ...extra,
    });
  const message = (tenantId: string, key: string, to: string): OutboundMessage => ({
    idempotencyKey: key,
    tenantId,
    to,
    body: 'Hola',
  });

  it('an alphanumeric id sends to a country that takes one, and is skipped for a +1 number: the next sender goes', async () => {
    const provider = sms({ acme: ['ACMEBANK', '+15550000101'] });
    // To the US: the alphanumeric id, first in the pool and with its token, is not used.
    expect(await provider.send(message('acme', 'k1', '+12125550101'))).toMatchObject({ ok: true });
    // To Spain: the alphanumeric id.
    expect(await provider.send(message('acme', 'k2', '+34600100002'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => [m.to, m.from])).toEqual([
      ['+12125550101', '+15550000101'],
      ['+34600100002', 'ACMEBANK'],
    ]);
    // Both have sent this second's message: a +1 message waits for the number, not the id.
    expect(await provider.send(message('acme', 'k3', '+12125550103'))).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 1000, local: true },
    });
    clock = 1000;
    // Colombia and Mexico take no alphanumeric id either (Twilio's guidelines): the number.
    expect(await provider.send(message('acme', 'k4', '+573005550104'))).toMatchObject({ ok: true });
    expect(twilio.messages.at(-1)).toMatchObject({ to: '+573005550104', from: '+15550000101' });
    expect(warnings).toEqual([]);
  });

  it('a tenant with alphanumeric ids only: a +1 message is rejected for good, nothing sent, logged without the number', async () => {
    const provider = sms({ acme: ['ACMEBANK', 'Acme Pagos'] });
    const refused = await provider.send(message('acme', 'k1', '+12125550101'));
    expect(refused).toEqual({
      ok: false,
      failure: expect.objectContaining({ kind: 'rejected', code: 'no-sender-for-recipient' }),
    });
    expect(!refused.ok && isPermanent(refused.failure)).toBe(true);
    expect(twilio.requests()).toBe(0);
    expect(warnings).toEqual([
      [
        { channel: 'sms', tenantId: 'acme', callingCode: '+1' },
        "SMS rejected: the tenant's senders are alphanumeric ids, which cannot send to this calling code",
      ],
    ]);
    expect(JSON.stringify(warnings)).not.toContain('2125550101');
    // To Spain it sends.
    expect(await provider.send(message('acme', 'k2', '+34600100002'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => m.from)).toEqual(['ACMEBANK']);
  });

  it('a deployment adds calling codes an alphanumeric id is not used for; a short code sends as a number does', async () => {
    const provider = sms(
      { acme: ['ACMEBANK'], globex: ['55555'] },
      { alphanumericUnsupported: ['+55'], shortCodeCountries: { '55555': '+1' } },
    );
    expect(await provider.send(message('acme', 'k1', '+5511955551001'))).toMatchObject({
      ok: false,
      failure: { kind: 'rejected', code: 'no-sender-for-recipient' },
    });
    expect(await provider.send(message('globex', 'k2', '+12125550102'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => [m.to, m.from])).toEqual([['+12125550102', '55555']]);
  });

  it('each sender at its kind’s rate: in one second a short code sends 100 messages, an alphanumeric id 10, a long code 1', async () => {
    const provider = sms(
      { acme: ['55555'], globex: ['ACMEBANK'], initech: ['+15550000101'] },
      { shortCodeCountries: { '55555': '+34' } },
    );
    // A message waiting for each tenant every 5 ms of one second (the injected clock).
    for (let t = 0; t < 1000; t += 5) {
      clock = t;
      for (const tenant of ['acme', 'globex', 'initech'])
        await provider.send(message(tenant, `${tenant}-${t}`, `+3460010${String(t).padStart(4, '0')}`));
    }
    const sent = (from: string) => twilio.messages.filter((m) => m.from === from).length;
    expect([sent('55555'), sent('ACMEBANK'), sent('+15550000101')]).toEqual([100, 10, 1]);
  });

  it('through the configuration: the shared pool’s senders each at the rate its kind is given', async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(0);
    try {
      const provider = channelProvidersFromEnv({
        ...TWILIO,
        TWILIO_BASE_URL: twilio.url,
        TWILIO_FROM_NUMBERS: '55555,ACMEBANK,+15550000001',
        TWILIO_SHORT_CODE_COUNTRIES: '55555=+34',
        TWILIO_SMS_SHORT_CODE_PER_SECOND: '20',
        TWILIO_SMS_ALPHANUMERIC_PER_SECOND: '2',
        TWILIO_SMS_PER_SECOND: '5',
      }).sms!;
      // A message every 5 ms of one second, each from the first of the pool with a token.
      for (let t = 0; t < 1000; t += 5) {
        now.mockReturnValue(t);
        await provider.send(message('acme', `k-${t}`, `+3460020${String(t).padStart(4, '0')}`));
      }
    } finally {
      now.mockRestore();
    }
    const sent = (from: string) => twilio.messages.filter((m) => m.from === from).length;
    expect([sent('55555'), sent('ACMEBANK'), sent('+15550000001')]).toEqual([20, 2, 5]);
  });

  it('through the configuration: TWILIO_ALPHANUMERIC_UNSUPPORTED_CODES and the map', async () => {
    const provider = channelProvidersFromEnv({
      ...TWILIO,
      TWILIO_BASE_URL: twilio.url,
      TWILIO_TENANT_FROM_NUMBERS: 'acme=ACMEBANK|+15550000101',
      TWILIO_ALPHANUMERIC_UNSUPPORTED_CODES: '+44',
    }).sms!;
    expect(await provider.send(message('acme', 'k1', '+447700900001'))).toMatchObject({ ok: true });
    expect(await provider.send(message('acme', 'k2', '+34600100002'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => [m.to, m.from])).toEqual([
      ['+447700900001', '+15550000101'],
      ['+34600100002', 'ACMEBANK'],
    ]);
  });

  it("the receipt of a message sent from acme's alphanumeric id counts at acme's URL, not at globex's", async () => {
    const provider = channelProvidersFromEnv({
      ...TWILIO,
      TWILIO_BASE_URL: twilio.url,
      TWILIO_TENANT_FROM_NUMBERS: 'acme=ACMEBANK,globex=+15550000201',
      TWILIO_STATUS_CALLBACK: 'https://collect.example/webhooks/{tenant}/sms',
    }).sms!;
    const sent = await provider.send(message('acme', 'k1', '+34600100001'));
    if (!sent.ok) throw new Error('not sent');
    const hookWarnings: unknown[][] = [];
    const warn = (...args: unknown[]) => hookWarnings.push(args);

    const atGlobex = twilio.statusCallback(
      sent.providerMessageId,
      'undelivered',
      'https://collect.example/webhooks/globex/sms',
      '30005',
    );
    expect(atGlobex.rawBody).toContain('From=ACMEBANK');
    expect(provider.parseWebhook({ method: 'POST', ...atGlobex, tenantId: 'globex' }, warn)).toEqual([]);
    expect(hookWarnings).toEqual([
      [{ numberTenant: 'acme' }, "Twilio SMS webhook for another tenant's number ignored"],
    ]);

    const atAcme = twilio.statusCallback(sent.providerMessageId, 'undelivered', undefined, '30005');
    expect(provider.parseWebhook({ method: 'POST', ...atAcme, tenantId: 'acme' }, warn)).toEqual([
      expect.objectContaining({ kind: 'status', status: 'failed', errorCode: '30005' }),
    ]);
  });

  it('a short code serves its own country only: another country’s number goes from the next sender, or is refused', async () => {
    const provider = sms(
      { acme: ['55555', '+15550000101'], globex: ['123456'] },
      { shortCodeCountries: { '55555': '+1', '123456': '+52' } },
    );
    // A US short code to a US number; to Spain and Colombia the long code, the short code's token unused.
    expect(await provider.send(message('acme', 'k1', '+12125550101'))).toMatchObject({ ok: true });
    expect(await provider.send(message('acme', 'k2', '+34600100002'))).toMatchObject({ ok: true });
    clock = 1000;
    expect(await provider.send(message('acme', 'k3', '+573005550103'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => [m.to, m.from])).toEqual([
      ['+12125550101', '55555'],
      ['+34600100002', '+15550000101'],
      ['+573005550103', '+15550000101'],
    ]);
    // A tenant whose only sender is a Mexican short code: a US number is refused for good, nothing sent.
    const refused = await provider.send(message('globex', 'k4', '+12125550104'));
    expect(refused).toEqual({
      ok: false,
      failure: expect.objectContaining({ kind: 'rejected', code: 'no-sender-for-recipient' }),
    });
    expect(twilio.requests()).toBe(3);
    expect(warnings).toEqual([
      [
        { channel: 'sms', tenantId: 'globex', callingCode: '+1', shortCodeCountries: ['+52'] },
        expect.stringContaining("none of the tenant's senders serves the recipient's country"),
      ],
    ]);
    expect(JSON.stringify(warnings)).not.toContain('2125550104');
    expect(await provider.send(message('globex', 'k5', '+525512345678'))).toMatchObject({ ok: true });
    expect(twilio.messages.at(-1)).toMatchObject({ to: '+525512345678', from: '123456' });
  });

  it('refuses to build with a short code whose country is not given', () => {
    expect(() => sms({ acme: ['55555', '+15550000101'] })).toThrow(
      'short code 55555 has no country: say which calling code it serves',
    );
  });

  it('through the configuration: TWILIO_SHORT_CODE_COUNTRIES', async () => {
    const provider = channelProvidersFromEnv({
      ...TWILIO,
      TWILIO_BASE_URL: twilio.url,
      TWILIO_TENANT_FROM_NUMBERS: 'acme=55555|+15550000101',
      TWILIO_SHORT_CODE_COUNTRIES: '55555=+44',
    }).sms!;
    expect(await provider.send(message('acme', 'k1', '+34600100001'))).toMatchObject({ ok: true });
    expect(await provider.send(message('acme', 'k2', '+447700900002'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => [m.to, m.from])).toEqual([
      ['+34600100001', '+15550000101'],
      ['+447700900002', '55555'],
    ]);
  });
});

describe('the opt-out notice fits the SMS sender: a one-way sender links, a two-way one takes STOP (stand-in)', () => {
  let twilio: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let warnings: unknown[][];

  beforeEach(async () => {
    twilio = await startTwilioStandIn(STAND_IN.twilioSid, STAND_IN.twilioToken);
    warnings = [];
  });
  afterEach(() => twilio.close());

  const sms = (tenantFrom: Record<string, string[]>) =>
    new TwilioSmsProvider({
      baseUrl: twilio.url,
      accountSid: STAND_IN.twilioSid,
      authToken: STAND_IN.twilioToken,
      tenantFrom,
      logger: { warn: (...args: unknown[]) => warnings.push(args) },
      now: () => 0,
    });
  const BODY = 'Hi Ana, your payment is due.\n\nTo stop receiving messages on this channel, reply STOP';
  const LINKED =
    'Hi Ana, your payment is due.\n\nTo stop receiving messages on this channel, visit https://x.example/opt-out/t';
  const notice = (key: string, to: string, oneWayBody?: string): OutboundMessage => ({
    idempotencyKey: key,
    tenantId: 'acme',
    to,
    body: BODY,
    replyOptOut: oneWayBody === undefined ? {} : { oneWayBody },
  });

  it('from an alphanumeric id the text carries the link, never "reply STOP"; from a number the text as it was', async () => {
    const provider = sms({ acme: ['ACMEBANK', '+15550000101'] });
    expect(await provider.send(notice('k1', '+34600100001', LINKED))).toMatchObject({ ok: true });
    expect(await provider.send(notice('k2', '+12125550102', LINKED))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => [m.from, m.body])).toEqual([
      ['ACMEBANK', LINKED],
      ['+15550000101', BODY],
    ]);
    expect(twilio.messages[0].body).not.toContain('reply STOP');
  });

  it('no link: a two-way sender of the tenant sends the text, the alphanumeric id first in its pool unused', async () => {
    const provider = sms({ acme: ['ACMEBANK', '+15550000101'] });
    expect(await provider.send(notice('k1', '+34600100001'))).toMatchObject({ ok: true });
    expect(twilio.messages.map((m) => [m.from, m.body])).toEqual([['+15550000101', BODY]]);
    expect(warnings).toEqual([]);
  });

  it('no link and only one-way senders: refused for good with the reason, nothing sent, logged without the number', async () => {
    const provider = sms({ acme: ['ACMEBANK'] });
    const refused = await provider.send(notice('k1', '+34600100001'));
    expect(refused).toEqual({
      ok: false,
      failure: {
        kind: 'rejected',
        code: 'no-two-way-sender',
        detail: "the opt-out notice asks for a reply, and none of this tenant's senders for the recipient takes one",
      },
    });
    expect(!refused.ok && isPermanent(refused.failure)).toBe(true);
    expect(twilio.requests()).toBe(0);
    expect(warnings).toEqual([
      [
        { channel: 'sms', tenantId: 'acme', callingCode: null },
        expect.stringContaining('give the tenant a number or short code that takes replies, or configure OPT_OUT_URL'),
      ],
    ]);
    expect(JSON.stringify(warnings)).not.toContain('600100001');
    // A message with no opt-out notice still goes from the id.
    expect(await provider.send({ ...notice('k2', '+34600100002'), replyOptOut: undefined })).toMatchObject({
      ok: true,
    });
    expect(twilio.messages.map((m) => [m.from, m.body])).toEqual([['ACMEBANK', BODY]]);
  });
});

describe('per-tenant numbers: Twilio voice callbacks', () => {
  let voice: Awaited<ReturnType<typeof startTwilioVoiceStandIn>>;

  beforeEach(async () => {
    voice = await startTwilioVoiceStandIn(STAND_IN.twilioSid, STAND_IN.twilioToken);
  });
  afterEach(() => voice.close());

  it("a call placed from acme's caller id counts at acme's URL, not at globex's (told to the log without the numbers)", async () => {
    const provider = new TwilioVoiceProvider({
      baseUrl: voice.url,
      accountSid: STAND_IN.twilioSid,
      authToken: STAND_IN.twilioToken,
      tenantFrom: { acme: ['+15550000101'], globex: ['+15550000201'] },
      statusCallback: 'https://collect.example/webhooks/{tenant}/call',
    });
    const sent = await provider.send({ idempotencyKey: 'c1', tenantId: 'acme', to: '+573005550100', body: 'Hola' });
    if (!sent.ok) throw new Error('call not placed');
    const warnings: unknown[][] = [];
    const warn = (...args: unknown[]) => warnings.push(args);

    const atGlobex = voice.statusCallback(sent.providerMessageId, 'busy', {
      url: 'https://collect.example/webhooks/globex/call',
    });
    expect(provider.parseWebhook({ method: 'POST', ...atGlobex, tenantId: 'globex' }, warn)).toEqual([]);
    expect(warnings).toEqual([[{ numberTenant: 'acme' }, "Twilio call webhook for another tenant's number ignored"]]);

    const atAcme = voice.statusCallback(sent.providerMessageId, 'busy');
    expect(provider.parseWebhook({ method: 'POST', ...atAcme, tenantId: 'acme' }, warn)).toContainEqual(
      expect.objectContaining({ kind: 'call-result', callStatus: 'busy' }),
    );
  });
});
