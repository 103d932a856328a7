import { ConfigError } from '@collections/platform';
import { channelProvidersFromEnv } from '../../src/channels/config';
import { voiceCallOutcome } from '../../src/channels/domain';
import { TwilioVoiceProvider } from '../../src/channels/voice/twilio-voice.provider';
import { startTwilioVoiceStandIn } from '../support/twilio-voice-stand-in';
import { recordingSender } from '../support/recording-sender';

const ACCOUNT = 'AC' + '3'.repeat(32);
const TOKEN = 'twilio-auth-token';
const CALLBACK = 'https://collections.example/webhooks/tenant-a/call';
const BOT = 'https://bot.example/twiml/collections';

describe('TwilioVoiceProvider against the Twilio Calls stand-in', () => {
  let twilio: Awaited<ReturnType<typeof startTwilioVoiceStandIn>>;
  let now: number;

  beforeEach(async () => {
    twilio = await startTwilioVoiceStandIn(ACCOUNT, TOKEN);
    now = 0;
  });
  afterEach(() => twilio.close());

  const provider = (over: Partial<ConstructorParameters<typeof TwilioVoiceProvider>[0]> = {}) =>
    new TwilioVoiceProvider({
      baseUrl: twilio.url,
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: ['+15550000101'],
      botUrl: BOT,
      statusCallback: CALLBACK,
      now: () => now,
      ...over,
    });

  const call = (key: string, to = '+573001234567') => ({ idempotencyKey: key, tenantId: 'tenant-a', to, body: 'Hola' });

  it('places a call to the voice bot with progress callbacks and answering-machine detection', async () => {
    const result = await provider().send(call('k1'));
    expect(result).toEqual({ ok: true, providerMessageId: twilio.calls[0].sid });
    expect(twilio.calls[0]).toMatchObject({
      to: '+573001234567',
      from: '+15550000101',
      url: BOT,
      statusCallback: CALLBACK,
      statusCallbackEvents: ['initiated', 'ringing', 'answered', 'completed'],
      machineDetection: 'Enable',
    });
    expect(twilio.calls[0].sid).toMatch(/^CA[0-9a-f]{32}$/);
  });

  it("gives each tenant's call its own callback and bot URLs, where one fixed URL sent every receipt to one tenant", async () => {
    const voice = provider({
      botUrl: 'https://bot.example/twiml/{tenant}',
      statusCallback: 'https://collect.example/webhooks/{tenant}/call',
    });
    await voice.send(call('k1'));
    now += 1_000; // the caller id's next second
    await voice.send({ ...call('k2'), tenantId: 'tenant b/ñ' });
    expect(twilio.calls.map((c) => [c.url, c.statusCallback])).toEqual([
      ['https://bot.example/twiml/tenant-a', 'https://collect.example/webhooks/tenant-a/call'],
      ['https://bot.example/twiml/tenant%20b%2F%C3%B1', 'https://collect.example/webhooks/tenant%20b%2F%C3%B1/call'],
    ]);
  });

  it('reads the message out (escaped TwiML) when no bot is configured', async () => {
    await provider({ botUrl: undefined }).send({ ...call('k1'), body: 'Saldo <vencido> & "pendiente"' });
    expect(twilio.calls[0].twiml).toBe(
      '<Response><Say>Saldo &lt;vencido&gt; &amp; &quot;pendiente&quot;</Say></Response>',
    );
  });

  describe("in the debtor's language", () => {
    const readOut = (over: Partial<ConstructorParameters<typeof TwilioVoiceProvider>[0]> = {}) =>
      provider({ botUrl: undefined, ...over });
    /** Places the call in the caller id's next second. */
    const place = async (voice: TwilioVoiceProvider, message: Parameters<TwilioVoiceProvider['send']>[0]) => {
      now += 1_000;
      expect(await voice.send(message)).toMatchObject({ ok: true });
    };

    it.each([
      ['a Colombian debtor written to in Spanish', 'es', '+573001234567', 'Hola', 'es-MX'],
      ['a debtor in Spain written to in Spanish', 'es', '+34600123456', 'Hola', 'es-ES'],
      ['a Brazilian debtor written to in Portuguese', 'pt', '+5511987654321', 'Olá', 'pt-BR'],
      ['a debtor whose locale is pt-BR', 'pt-BR', '+5511987654321', 'Olá', 'pt-BR'],
      ['a debtor in Portugal written to in Portuguese', 'pt', '+351912345678', 'Olá', 'pt-PT'],
      ['a French debtor', 'fr', '+33612345678', 'Bonjour', 'fr-FR'],
      ['a Belgian debtor written to in French (Twilio has no fr-BE)', 'fr-BE', '+32470123456', 'Bonjour', 'fr-FR'],
      ['a Polish debtor', 'pl', '+48512345678', 'Dzień dobry', 'pl-PL'],
      ['an English-speaking debtor', 'en', '+15005550006', 'Hello', 'en-US'],
    ])('reads %s the message in Twilio’s voice for it', async (_, language, to, body, say) => {
      await place(readOut(), { ...call('k1', to), body, language });
      expect(twilio.calls[0].twiml).toBe(`<Response><Say language="${say}">${body}</Say></Response>`);
    });

    it('reads it in the voice configured for the language, and in Twilio’s default voice for another', async () => {
      const voice = readOut({ voices: { 'es-MX': 'Polly.Mia', 'pt-BR': 'Polly.Camila-Neural' } });
      await place(voice, { ...call('k1'), body: 'Saldo <vencido> & "pendiente"', language: 'es' });
      await place(voice, { ...call('k2', '+5511987654321'), body: 'Olá', language: 'pt' });
      await place(voice, { ...call('k3', '+34600123456'), body: 'Hola', language: 'es' });
      expect(twilio.calls.map((c) => c.twiml)).toEqual([
        '<Response><Say language="es-MX" voice="Polly.Mia">Saldo &lt;vencido&gt; &amp; &quot;pendiente&quot;</Say></Response>',
        '<Response><Say language="pt-BR" voice="Polly.Camila-Neural">Olá</Say></Response>',
        '<Response><Say language="es-ES">Hola</Say></Response>',
      ]);
    });

    it('tells the voice bot the language (and its voice) in its URL, the tenant still in it', async () => {
      const voice = provider({
        botUrl: 'https://bot.example/twiml/{tenant}?campaign=d%2B1#start',
        voices: { 'fr-FR': 'Polly.Lea' },
      });
      await place(voice, { ...call('k1'), language: 'es' });
      await place(voice, { ...call('k2', '+5511987654321'), language: 'pt-BR' });
      await place(voice, { ...call('k3', '+33612345678'), tenantId: 'tenant b', language: 'fr' });
      await place(voice, { ...call('k4', '+15005550006'), language: 'en' });
      expect(twilio.calls.map((c) => c.url)).toEqual([
        'https://bot.example/twiml/tenant-a?campaign=d%2B1&language=es-MX#start',
        'https://bot.example/twiml/tenant-a?campaign=d%2B1&language=pt-BR#start',
        'https://bot.example/twiml/tenant%20b?campaign=d%2B1&language=fr-FR&voice=Polly.Lea#start',
        'https://bot.example/twiml/tenant-a?campaign=d%2B1&language=en-US#start',
      ]);
      await place(provider({ botUrl: BOT }), { ...call('k5', '+33612345679'), language: 'fr' });
      expect(twilio.calls[4].url).toBe(`${BOT}?language=fr-FR`);
    });

    it('reads a locale Twilio has no voice for in its default, en-US, and says so once per locale without the debtor', async () => {
      const warnings: { fields: object; message: string }[] = [];
      const voice = readOut({ logger: { warn: (fields, message) => warnings.push({ fields, message }) } });
      await place(voice, { ...call('k1', '+905321234567'), body: 'Merhaba', language: 'tr' });
      await place(voice, { ...call('k2', '+905321234568'), body: 'Merhaba', language: 'tr' });
      await place(voice, { ...call('k3', '+306912345678'), body: 'Γεια σας', language: 'el-GR' });
      await place(voice, { ...call('k4', '+15005550006'), body: 'Hello' });
      expect(twilio.calls.map((c) => c.twiml)).toEqual([
        '<Response><Say>Merhaba</Say></Response>',
        '<Response><Say>Merhaba</Say></Response>',
        '<Response><Say>Γεια σας</Say></Response>',
        '<Response><Say>Hello</Say></Response>',
      ]);
      expect(warnings).toEqual([
        { fields: { channel: 'call', locale: 'tr', language: 'en-US' }, message: expect.stringContaining('en-US') },
        { fields: { channel: 'call', locale: 'el-GR', language: 'en-US' }, message: expect.stringContaining('en-US') },
      ]);
      expect(JSON.stringify(warnings)).not.toMatch(/\+90|\+30|Merhaba|Γεια/);
    });

    const env = (voices: string) => ({
      TWILIO_BASE_URL: twilio.url,
      TWILIO_ACCOUNT_SID: ACCOUNT,
      TWILIO_AUTH_TOKEN: TOKEN,
      TWILIO_VOICE_FROM_NUMBERS: '+15550000101',
      TWILIO_VOICE_VOICES: voices,
    });

    it('takes the voices from TWILIO_VOICE_VOICES', async () => {
      const { call: voice } = channelProvidersFromEnv(env('es-MX=Polly.Mia, pt-br=Google.pt-BR-Standard-A'));
      await place(voice!, { ...call('k1', '+5511987654321'), body: 'Olá', language: 'pt' });
      expect(twilio.calls[0].twiml).toBe(
        '<Response><Say language="pt-BR" voice="Google.pt-BR-Standard-A">Olá</Say></Response>',
      );
    });

    it.each([
      ['es-MX:Polly.Mia', '"es-MX:Polly.Mia": expected language=voice'],
      ['es=Polly.Mia', `"es=Polly.Mia": "es" is not a language Twilio's <Say> reads (one of ca-ES,`],
      ['es-CO=Polly.Mia', `"es-CO=Polly.Mia": "es-CO" is not a language Twilio's <Say> reads`],
      ['es-MX=Polly.Mia,es-MX=Polly.Andres', '"es-MX=Polly.Andres": es-MX is named twice'],
      ['pt-BR=Camila', '"pt-BR=Camila": "Camila" is not a Twilio voice'],
      ['es-MX=', '"es-MX=": expected language=voice'],
      [
        'es-MX=Google.es-ES-Standard-A',
        '"es-MX=Google.es-ES-Standard-A": Google.es-ES-Standard-A speaks es-ES, not es-MX',
      ],
    ])('refuses TWILIO_VOICE_VOICES=%s at start-up, naming the entry', (voices, problem) => {
      let error: unknown;
      try {
        channelProvidersFromEnv(env(voices));
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain(`TWILIO_VOICE_VOICES: entry ${problem}`);
    });
  });

  it('refuses bad credentials and marks 21211 an invalid recipient, without retrying', async () => {
    expect(await provider({ authToken: 'wrong' }).send(call('k1'))).toMatchObject({
      ok: false,
      failure: { kind: 'rejected', code: '20003' },
    });
    const { sender, delays } = recordingSender(provider(), { random: () => 1 });
    expect(await sender.send(call('k2', '+15005550001'))).toMatchObject({
      status: 'invalid-recipient',
      attempts: 1,
      failure: { code: '21211' },
    });
    expect(delays).toEqual([]);
  });

  it('backs off through 429 and 5xx, and the call is placed exactly once', async () => {
    twilio.failNext(
      { status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '2' },
      { status: 500, code: 20500, message: 'Internal Server Error' },
      { status: 503, code: 20503, message: 'Service Unavailable' },
    );
    const voice = provider();
    const { sender, delays } = recordingSender(voice, { random: () => 1, onDelay: (ms) => (now += ms) });
    expect(await sender.send(call('k-retry'))).toMatchObject({ status: 'sent', attempts: 4 });
    expect(delays[0]).toBe(2_000);
    expect(twilio.calls).toHaveLength(1);
    now += 1_000;
    expect(await voice.send(call('k-retry'))).toEqual({ ok: true, providerMessageId: twilio.calls[0].sid });
    expect(twilio.calls).toHaveLength(1);
  });

  it('keeps each caller id at its calls per second', async () => {
    const voice = provider();
    expect((await voice.send(call('a'))).ok).toBe(true);
    expect(await voice.send(call('b'))).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 1000, local: true },
    });
    now = 1000;
    expect((await voice.send(call('b'))).ok).toBe(true);
  });

  it('verifies signed callbacks and reads progress, the final status and what the debtor said', async () => {
    const voice = provider();
    await voice.send(call('k1'));
    const sid = twilio.calls[0].sid;
    const ringing = twilio.statusCallback(sid, 'ringing');
    expect(voice.verifySignature({ method: 'POST', ...ringing })).toBe(true);
    expect(voice.parseWebhook({ method: 'POST', ...ringing })).toEqual([
      { kind: 'status', providerMessageId: sid, status: 'sent', recipient: '+573001234567', errorCode: undefined },
    ]);
    const busy = twilio.statusCallback(sid, 'busy');
    expect(voice.parseWebhook({ method: 'POST', ...busy })).toEqual([
      { kind: 'status', providerMessageId: sid, status: 'failed', recipient: '+573001234567', errorCode: 'busy' },
      {
        kind: 'call-result',
        providerMessageId: sid,
        recipient: '+573001234567',
        callStatus: 'busy',
        answeredBy: undefined,
      },
    ]);
    const said = twilio.gatherResult(CALLBACK, sid, 'Pago 500 el viernes');
    expect(voice.verifySignature({ method: 'POST', ...said })).toBe(true);
    expect(voice.parseWebhook({ method: 'POST', ...said })).toEqual([
      {
        kind: 'call-result',
        providerMessageId: sid,
        recipient: '+573001234567',
        callStatus: 'in-progress',
        speech: 'Pago 500 el viernes',
      },
    ]);
    expect(voice.verifySignature({ method: 'POST', ...said, rawBody: said.rawBody.replace('500', '5') })).toBe(false);
    expect(voice.verifySignature({ method: 'POST', ...said, headers: {} })).toBe(false);
  });
});

describe(voiceCallOutcome.name, () => {
  const ctx = { today: '2026-03-02', currency: 'COP' };
  it.each<[string, Parameters<typeof voiceCallOutcome>[0], ReturnType<typeof voiceCallOutcome>]>([
    ['busy', { callStatus: 'busy' }, { outcome: 'no_answer' }],
    ['no answer', { callStatus: 'no-answer' }, { outcome: 'no_answer' }],
    ['an answering machine', { callStatus: 'completed', answeredBy: 'machine_end_beep' }, { outcome: 'no_answer' }],
    [
      'a person who said nothing the bot understood',
      { callStatus: 'completed', answeredBy: 'human' },
      { outcome: 'right_party_contact' },
    ],
    ['a call still ringing', { callStatus: 'ringing' }, undefined],
    [
      '"número equivocado"',
      { callStatus: 'in-progress', speech: 'Número equivocado, no conozco a esa persona' },
      { outcome: 'wrong_party' },
    ],
    [
      '"não reconheço essa dívida"',
      { callStatus: 'in-progress', speech: 'Não reconheço essa dívida' },
      { outcome: 'dispute' },
    ],
    [
      '"I don\'t owe you anything"',
      { callStatus: 'in-progress', speech: "I don't owe you anything" },
      { outcome: 'dispute' },
    ],
    [
      '"ya pagué, el resto lo pago el viernes" (a claim of payment disputes the amount owed)',
      { callStatus: 'in-progress', speech: 'Ya pagué, el resto lo pago el viernes' },
      { outcome: 'dispute' },
    ],
    [
      '"I already paid this last month"',
      { callStatus: 'in-progress', speech: 'I already paid this last month' },
      { outcome: 'dispute' },
    ],
    ['"no voy a pagar"', { callStatus: 'in-progress', speech: 'No voy a pagar eso' }, { outcome: 'refusal' }],
    [
      '"pago 500 el viernes"',
      { callStatus: 'in-progress', speech: 'pago 500 el viernes' },
      {
        outcome: 'promise',
        intent: { language: 'es', amount: { amountMinor: 50_000, currency: 'COP' }, date: '2026-03-06' },
      },
    ],
    [
      '"sí, soy yo"',
      { callStatus: 'in-progress', speech: 'Sí, soy yo, ¿qué necesita?' },
      { outcome: 'right_party_contact' },
    ],
  ])('%s', (_, call, expected) => {
    expect(voiceCallOutcome(call, ctx)).toEqual(expected);
  });
});
