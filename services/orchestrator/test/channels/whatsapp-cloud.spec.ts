import { OutboundMessage } from '../../src/channels/domain';
import { WhatsAppCloudProvider } from '../../src/channels/whatsapp/whatsapp-cloud.provider';
import { startWhatsAppStandIn } from '../support/whatsapp-stand-in';
import { recordingSender } from '../support/recording-sender';

const TOKEN = 'EAAG-test-token';
const SECRET = 'app-secret';
const HOOK = 'https://collections.example/webhooks/whatsapp/tenant-a';

describe('WhatsAppCloudProvider against the Cloud API stand-in', () => {
  let meta: Awaited<ReturnType<typeof startWhatsAppStandIn>>;
  let now: number;

  beforeEach(async () => {
    meta = await startWhatsAppStandIn({ token: TOKEN, appSecret: SECRET, undeliverable: ['34600999999'] });
    now = 0;
  });
  afterEach(() => meta.close());

  const provider = (over: Partial<ConstructorParameters<typeof WhatsAppCloudProvider>[0]> = {}) =>
    new WhatsAppCloudProvider({
      baseUrl: meta.url,
      version: 'v21.0',
      phoneNumberId: '106540352242922',
      accessToken: TOKEN,
      appSecret: SECRET,
      verifyToken: 'verify-me',
      now: () => now,
      ...over,
    });

  const msg = (key: string, to = '+34600123456'): OutboundMessage => ({
    idempotencyKey: key,
    tenantId: 'tenant-a',
    to,
    template: { name: 'payment_reminder', language: 'es', parameters: ['Ana', '120,00 €'] },
  });

  const recorder = (wa: WhatsAppCloudProvider) => recordingSender(wa, { onDelay: (ms) => (now += ms) });

  it('sends a template message with a bearer token and gets the wamid', async () => {
    const result = await provider().send(msg('k1'));
    expect(result).toEqual({ ok: true, providerMessageId: meta.sent[0].id });
    expect(meta.sent[0]).toMatchObject({
      phoneNumberId: '106540352242922',
      to: '34600123456',
      bizOpaque: 'k1',
      template: {
        name: 'payment_reminder',
        language: { code: 'es' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Ana' },
              { type: 'text', text: '120,00 €' },
            ],
          },
        ],
      },
    });
  });

  it('refuses free text (needs a template) and bad tokens, without retrying', async () => {
    expect(await provider().send({ idempotencyKey: 'k', tenantId: 't', to: '+34600123456', body: 'hi' })).toMatchObject(
      {
        ok: false,
        failure: { kind: 'rejected', code: 'template' },
      },
    );
    expect(await provider({ accessToken: 'bad' }).send(msg('k'))).toMatchObject({
      ok: false,
      failure: { kind: 'rejected', code: '190' },
    });
  });

  it('marks 131026 undeliverable as an invalid recipient, sent once only', async () => {
    const outcome = await recorder(provider()).sender.send(msg('k1', '+34600999999'));
    expect(outcome).toMatchObject({ status: 'invalid-recipient', attempts: 1, failure: { code: '131026' } });
    expect(meta.requests()).toBe(1);
  });

  it('does not retry 131047 (outside the re-engagement window)', async () => {
    meta.failNext({ status: 400, code: 131047, message: 'Re-engagement message' });
    const outcome = await recorder(provider()).sender.send(msg('k1'));
    expect(outcome).toMatchObject({ status: 'rejected', attempts: 1, failure: { code: '131047' } });
  });

  it('backs off through 130429 and 5xx without duplicating the message', async () => {
    meta.failNext(
      { status: 400, code: 130429, message: 'Rate limit hit' },
      { status: 500, code: 131000, message: 'Something went wrong' },
      { status: 503, code: 2, message: 'Service temporarily unavailable' },
    );
    const wa = provider();
    const r = recorder(wa);
    const outcome = await r.sender.send(msg('k-retry'));
    expect(outcome).toMatchObject({ status: 'sent', attempts: 4 });
    expect(r.delays).toHaveLength(3);
    expect(meta.sent).toHaveLength(1);
    now += 1000;
    expect(await wa.send(msg('k-retry'))).toEqual({ ok: true, providerMessageId: meta.sent[0].id });
    expect(meta.sent).toHaveLength(1);
  });

  it('keeps a number at 80 msg/s', async () => {
    const wa = provider();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => wa.send(msg(`b${i}`))));
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    expect(results.find((x) => !x.ok)).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 13, local: true },
    });
    now = 13;
    expect((await wa.send(msg('b1'))).ok).toBe(true);
  });

  it('answers the GET verification handshake only with the right token', () => {
    const wa = provider();
    expect(
      wa.verifyHandshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'verify-me', 'hub.challenge': '1158201444' }),
    ).toBe('1158201444');
    expect(
      wa.verifyHandshake({ 'hub.mode': 'subscribe', 'hub.verify_token': 'nope', 'hub.challenge': 'x' }),
    ).toBeUndefined();
  });

  it('verifies X-Hub-Signature-256 and reads statuses and inbound text', async () => {
    const wa = provider();
    await wa.send(msg('k1'));
    const id = meta.sent[0].id;
    const read = meta.statusWebhook(HOOK, id, 'read');
    expect(wa.verifySignature({ method: 'POST', ...read })).toBe(true);
    expect(wa.parseWebhook({ method: 'POST', ...read })).toEqual([
      { kind: 'status', providerMessageId: id, status: 'read', recipient: '+34600123456', errorCode: undefined },
    ]);
    const failed = meta.statusWebhook(HOOK, id, 'failed', 131026);
    expect(wa.parseWebhook({ method: 'POST', ...failed })[0]).toMatchObject({ status: 'failed', errorCode: '131026' });
    const inbound = meta.inboundWebhook(HOOK, '106540352242922', '34600123456', 'Sair');
    expect(wa.verifySignature({ method: 'POST', ...inbound })).toBe(true);
    expect(wa.parseWebhook({ method: 'POST', ...inbound })).toEqual([
      expect.objectContaining({ kind: 'inbound', from: '+34600123456', text: 'Sair' }),
    ]);
    expect(wa.verifySignature({ method: 'POST', ...read, rawBody: read.rawBody.replace('"read"', '"failed"') })).toBe(
      false,
    );
    expect(wa.verifySignature({ method: 'POST', ...read, headers: { 'x-hub-signature-256': 'sha256=00' } })).toBe(
      false,
    );
  });
});
