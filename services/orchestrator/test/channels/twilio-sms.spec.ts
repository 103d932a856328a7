import { twilioSignature } from '../../src/channels/domain';
import { TwilioSmsProvider } from '../../src/channels/sms/twilio.provider';
import { startTwilioStandIn } from '../support/twilio-stand-in';
import { recordingSender } from '../support/recording-sender';

const ACCOUNT = 'AC' + '0'.repeat(32);
const TOKEN = 'twilio-auth-token';
const CALLBACK = 'https://collections.example/webhooks/sms/tenant-a/status';

describe('Twilio signature', () => {
  it("matches Twilio's documented example", () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(
      '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
    );
  });
});

describe('TwilioSmsProvider against the Twilio stand-in', () => {
  let twilio: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let now: number;

  beforeEach(async () => {
    twilio = await startTwilioStandIn(ACCOUNT, TOKEN);
    now = 0;
  });
  afterEach(() => twilio.close());

  const provider = (over: Partial<ConstructorParameters<typeof TwilioSmsProvider>[0]> = {}) =>
    new TwilioSmsProvider({
      baseUrl: twilio.url,
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: ['+15550000001', '+15550000002'],
      statusCallback: CALLBACK,
      now: () => now,
      ...over,
    });

  const msg = (key: string, to = '+34600123456') => ({ idempotencyKey: key, tenantId: 'tenant-a', to, body: 'Hola' });

  it('sends form-encoded with basic auth and gets the SM sid', async () => {
    const result = await provider().send(msg('k1'));
    expect(result).toEqual({ ok: true, providerMessageId: twilio.messages[0].sid, segments: 1 });
    expect(twilio.messages[0]).toMatchObject({
      to: '+34600123456',
      from: '+15550000001',
      body: 'Hola',
      statusCallback: CALLBACK,
    });
  });

  it("gives each tenant's message its own receipt URL, where one fixed URL sent every receipt to one tenant", async () => {
    const sms = provider({ statusCallback: 'https://collect.example/webhooks/{tenant}/sms' });
    await sms.send(msg('k1'));
    await sms.send({ ...msg('k2'), tenantId: 'tenant-b' });
    expect(twilio.messages.map((m) => m.statusCallback)).toEqual([
      'https://collect.example/webhooks/tenant-a/sms',
      'https://collect.example/webhooks/tenant-b/sms',
    ]);
  });

  it('uses a MessagingServiceSid instead of From when configured', async () => {
    await provider({ from: undefined, messagingServiceSid: 'MG123' }).send(msg('k1'));
    expect(twilio.messages[0]).toMatchObject({ messagingServiceSid: 'MG123', from: undefined });
  });

  it('refuses bad credentials without retrying', async () => {
    const result = await provider({ authToken: 'wrong' }).send(msg('k1'));
    expect(result).toMatchObject({ ok: false, failure: { kind: 'rejected', code: '20003' } });
  });

  it('marks 21211 as an invalid recipient, never retried', async () => {
    const { sender, delays } = recordingSender(provider(), { random: () => 1 });
    const outcome = await sender.send(msg('k1', '+15005550001'));
    expect(outcome).toMatchObject({ status: 'invalid-recipient', attempts: 1, failure: { code: '21211' } });
    expect(twilio.requests()).toBe(1);
    expect(delays).toEqual([]);
  });

  it('backs off through 429 and 5xx, and the message exists exactly once', async () => {
    twilio.failNext(
      { status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '3' },
      { status: 500, code: 20500, message: 'Internal Server Error' },
      { status: 503, code: 20503, message: 'Service Unavailable' },
    );
    const sms = provider();
    const { sender, delays } = recordingSender(sms, { random: () => 1, onDelay: (ms) => (now += ms) });
    const outcome = await sender.send(msg('k-retry'));
    expect(outcome).toMatchObject({ status: 'sent', attempts: 4 });
    expect(delays[0]).toBe(3_000);
    expect(twilio.messages).toHaveLength(1);
    // The same key again (e.g. after a crash, from another sender): Twilio keeps one message.
    const again = await sms.send(msg('k-retry'));
    expect(again).toEqual({ ok: true, providerMessageId: twilio.messages[0].sid, segments: 1 });
    expect(twilio.messages).toHaveLength(1);
  });

  it('keeps each long code of the pool at 1 msg/s, asking the sender to wait', async () => {
    const sms = provider();
    expect((await sms.send(msg('a'))).ok).toBe(true);
    expect((await sms.send(msg('b'))).ok).toBe(true);
    expect(await sms.send(msg('c'))).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 1000, local: true },
    });
    now = 1000;
    expect((await sms.send(msg('c'))).ok).toBe(true);
    expect(twilio.messages.map((m) => m.from)).toEqual(['+15550000001', '+15550000002', '+15550000001']);
  });

  it("takes a message's segments from its long code: a 3-segment text keeps the next one 3 s back", async () => {
    const sms = provider({ from: ['+15550000001'] });
    // 400 GSM-7 characters: parts of 153, three segments.
    expect((await sms.send({ ...msg('long'), body: 'a'.repeat(400) })).ok).toBe(true);
    now = 1000;
    expect(await sms.send(msg('next'))).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 2000, local: true },
    });
    now = 3000;
    expect((await sms.send(msg('next'))).ok).toBe(true);
  });

  it("counts the segments of the text a one-way sender sends: the opt-out link's, not the reply-STOP body", async () => {
    const sms = provider({ from: ['ACMEBANK'] });
    const notice = (key: string) => ({
      ...msg(key),
      body: 'Hola Ana, su cuota vence hoy. Responda STOP para no recibir mas.',
      // Two GSM-7 segments at 10 per second: the next message waits 100 ms for what was borrowed, then 100 ms.
      replyOptOut: { oneWayBody: 'Hola Ana, su cuota vence hoy. Baja: https://collect.example/o/' + 'x'.repeat(200) },
    });
    expect((await sms.send(notice('a'))).ok).toBe(true);
    expect(twilio.messages[0].body).toContain('https://collect.example/o/');
    expect(await sms.send(notice('b'))).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 200, local: true },
    });
  });

  it('waits for the long code through the sender without spending retry attempts', async () => {
    const sms = provider({ from: ['+15550000001'] });
    const { sender, delays } = recordingSender(sms, { random: () => 1, onDelay: (ms) => (now += ms) });
    const outcomes = [];
    for (const key of ['a', 'b', 'c']) outcomes.push(await sender.send(msg(key)));
    expect(outcomes.map((o) => [o.status, o.attempts])).toEqual([
      ['sent', 1],
      ['sent', 1],
      ['sent', 1],
    ]);
    expect(delays).toEqual([1000, 1000]);
    expect(twilio.messages).toHaveLength(3);
  });

  it('verifies signed status callbacks and reads delivered / failed / inbound', async () => {
    const sms = provider();
    await sms.send(msg('k1'));
    const sid = twilio.messages[0].sid;
    const delivered = twilio.statusCallback(sid, 'delivered');
    expect(sms.verifySignature({ method: 'POST', ...delivered })).toBe(true);
    expect(sms.parseWebhook({ method: 'POST', ...delivered })).toEqual([
      { kind: 'status', providerMessageId: sid, status: 'delivered', recipient: '+34600123456', errorCode: undefined },
    ]);
    const failed = twilio.statusCallback(sid, 'undelivered', undefined, '30005');
    expect(sms.parseWebhook({ method: 'POST', ...failed })[0]).toMatchObject({ status: 'failed', errorCode: '30005' });
    const inbound = twilio.inbound(
      'https://collections.example/webhooks/sms/tenant-a/inbound',
      '+34600123456',
      '+15550000001',
      'BAJA',
    );
    expect(sms.verifySignature({ method: 'POST', ...inbound })).toBe(true);
    expect(sms.parseWebhook({ method: 'POST', ...inbound })[0]).toMatchObject({ kind: 'inbound', text: 'BAJA' });
  });

  it('rejects tampered callbacks', async () => {
    const sms = provider();
    await sms.send(msg('k1'));
    const cb = twilio.statusCallback(twilio.messages[0].sid, 'delivered');
    expect(sms.verifySignature({ method: 'POST', ...cb, rawBody: cb.rawBody.replace('delivered', 'read') })).toBe(
      false,
    );
    expect(sms.verifySignature({ method: 'POST', ...cb, url: cb.url + '?x=1' })).toBe(false);
    expect(sms.verifySignature({ method: 'POST', ...cb, headers: {} })).toBe(false);
  });
});
