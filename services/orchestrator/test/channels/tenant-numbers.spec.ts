import { ConfigError } from '@collections/platform';
import { channelProvidersFromEnv } from '../../src/channels/config';
import { OutboundMessage } from '../../src/channels/domain';
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
