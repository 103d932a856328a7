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
