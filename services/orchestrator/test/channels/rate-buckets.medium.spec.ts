import { ServiceUnderTest, scrapeSeries, startServiceUnderTest } from '@collections/testing';
import { OutboundMessage } from '../../src/channels/domain';
import { Fetch } from '../../src/channels/http';
import { PgRateBuckets } from '../../src/channels/rate-buckets';
import { TwilioSmsProvider } from '../../src/channels/sms/twilio.provider';
import { TwilioVoiceProvider } from '../../src/channels/voice/twilio-voice.provider';
import { WhatsAppCloudProvider } from '../../src/channels/whatsapp/whatsapp-cloud.provider';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { JOB_TIMERS_OFF } from '../support/dispatch-deps';
import { startTwilioStandIn } from '../support/twilio-stand-in';
import { startTwilioVoiceStandIn } from '../support/twilio-voice-stand-in';
import { startWhatsAppStandIn } from '../support/whatsapp-stand-in';

const ACCOUNT = 'AC' + '0'.repeat(32);
const TOKEN = 'twilio-auth-token';
const WA_TOKEN = 'EAAG-test-token';
const WA_SECRET = 'app-secret';
const LONG_CODES = ['+15550000001', '+15550000002'];
/** A pool of a short code (Twilio: 100 msg/s by default) and a long code (1 msg/s). */
const MIXED_POOL = ['55501', '+15550000003'];
/** A long code of its own (1 segment/s), for the segments' tests. */
const LONE_CODE = '+15550000004';
const CALLER_IDS = ['+15550000101'];
const WA_NUMBER = '106540352242922';

/** The most requests any window of `windowMs` (on the injected clock) holds. */
function maxInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end] - sorted[start] >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * The providers' documented throughput (1 SMS/s per long code, 1 call/s per caller id, 80 WhatsApp
 * messages/s per number) held across replicas and restarts: the token buckets are rows in the
 * service's database, so a replica taking over the dispatch turn, or a restarted process, starts
 * from what the last sender left, not from a full bucket. Time is the providers' injected clock.
 */
describe('rate buckets shared by replicas (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let twilio: Awaited<ReturnType<typeof startTwilioStandIn>>;
  let voice: Awaited<ReturnType<typeof startTwilioVoiceStandIn>>;
  let meta: Awaited<ReturnType<typeof startWhatsAppStandIn>>;
  const saved = { ...process.env };
  /** The providers' clock (epoch ms), moved by the tests. */
  let now = 0;
  /** Every request that reached a provider: when (injected clock) and from which sender. */
  let requests: { at: number; from: string }[] = [];

  const recording: Fetch = async (url, init) => {
    const body = String(init?.body ?? '');
    const from = body.startsWith('{') ? WA_NUMBER : (new URLSearchParams(body).get('From') ?? '');
    requests.push({ at: now, from });
    return fetch(url, init);
  };

  const sms = () =>
    new TwilioSmsProvider({
      baseUrl: twilio.url,
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: LONG_CODES,
      now: () => now,
      fetch: recording,
    });
  const mixedSms = () =>
    new TwilioSmsProvider({
      baseUrl: twilio.url,
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: MIXED_POOL,
      // The short code serves the recipients' country (Spain).
      shortCodeCountries: { [MIXED_POOL[0]]: '+34' },
      now: () => now,
      fetch: recording,
    });
  const loneSms = () =>
    replica(
      new TwilioSmsProvider({
        baseUrl: twilio.url,
        accountSid: ACCOUNT,
        authToken: TOKEN,
        from: [LONE_CODE],
        now: () => now,
        fetch: recording,
      }),
    );
  const calls = () =>
    new TwilioVoiceProvider({
      baseUrl: voice.url,
      accountSid: ACCOUNT,
      authToken: TOKEN,
      from: CALLER_IDS,
      now: () => now,
      fetch: recording,
    });
  const whatsapp = () =>
    new WhatsAppCloudProvider({
      baseUrl: meta.url,
      version: 'v21.0',
      phoneNumberId: WA_NUMBER,
      accessToken: WA_TOKEN,
      appSecret: WA_SECRET,
      verifyToken: 'verify-me',
      now: () => now,
      fetch: recording,
    });

  /** The service's own providers: replica A. Another replica (or a restarted process) is built like `replica`. */
  let service: { sms: TwilioSmsProvider; call: TwilioVoiceProvider; whatsapp: WhatsAppCloudProvider };
  const replica = <P extends { useRateBuckets(b: PgRateBuckets): void }>(provider: P): P => {
    provider.useRateBuckets(new PgRateBuckets(sut.dataSource));
    return provider;
  };

  let seq = 0;
  const text = (): OutboundMessage => ({
    idempotencyKey: `k-${++seq}`,
    tenantId: 'tenant-a',
    to: '+34600123456',
    body: 'Hola',
  });
  const template = (): OutboundMessage => ({
    ...text(),
    template: { name: 'payment_reminder', language: 'es', parameters: ['Ana'] },
  });

  beforeAll(async () => {
    twilio = await startTwilioStandIn(ACCOUNT, TOKEN);
    voice = await startTwilioVoiceStandIn(ACCOUNT, TOKEN);
    meta = await startWhatsAppStandIn({ token: WA_TOKEN, appSecret: WA_SECRET });
    Object.assign(process.env, JOB_TIMERS_OFF);
    service = { sms: sms(), call: calls(), whatsapp: whatsapp() };
    sut = await startServiceUnderTest(createOrchestratorService({ providers: service }));
  });

  beforeEach(async () => {
    // Each test on a clock of its own, far from the last one's: every bucket full again.
    now += 3_600_000;
    requests = [];
  });

  afterAll(async () => {
    await sut?.close();
    await Promise.all([twilio?.close(), voice?.close(), meta?.close()]);
    process.env = saved;
  });

  it('two replicas sending side by side put at most one SMS a second through each long code', async () => {
    const a = service.sms;
    const b = replica(sms());
    const start = now;
    for (let t = 0; t <= 10_000; t += 250) {
      now = start + t;
      // Both replicas at this instant, twice each: a token is taken once.
      await Promise.all([a.send(text()), b.send(text()), a.send(text()), b.send(text())]);
    }
    for (const code of LONG_CODES)
      expect(
        maxInWindow(
          requests.filter((r) => r.from === code).map((r) => r.at),
          1000,
        ),
      ).toBe(1);
    // 1 msg/s for 10 s on each of two long codes (the first second's bucket full): 22, not 44.
    expect(requests).toHaveLength(22);
  });

  it('a replica taking over, or a restarted process, starts from the bucket the last sender left', async () => {
    const start = now;
    expect((await service.sms.send(text())).ok).toBe(true);
    expect((await service.sms.send(text())).ok).toBe(true);
    now = start + 400;
    const heldBack = { ok: false, failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 600, local: true } };
    expect(await replica(sms()).send(text())).toEqual(heldBack);
    expect(await replica(sms()).send(text())).toEqual(heldBack);
    now = start + 1000;
    expect(await replica(sms()).send(text())).toMatchObject({ ok: true });
    expect(requests.map((r) => [r.at - start, r.from])).toEqual([
      [0, LONG_CODES[0]],
      [0, LONG_CODES[1]],
      [1000, LONG_CODES[0]],
    ]);
  });

  it('a short code sends 100 SMS a second across replicas where a long code sends 1', async () => {
    const [shortCode, longCode] = MIXED_POOL;
    const replicas = [replica(mixedSms()), replica(mixedSms())];
    const start = now;
    for (let t = 0; t < 1_000; t += 2.5) {
      now = start + t;
      if (t === 500) replicas[1] = replica(mixedSms()); // a restart half-way
      await Promise.all(replicas.map((r) => r.send(text())));
    }
    const from = (sender: string) => requests.filter((r) => r.from === sender).map((r) => r.at - start);
    // The short code one every 10 ms, whichever replica sends it; the long code once, its bucket full at 0.
    expect(from(shortCode)).toEqual(Array.from({ length: 100 }, (_, i) => i * 10));
    expect(from(longCode)).toEqual([0]);
    expect(requests).toHaveLength(101);
  });

  it('a 3-segment text from a 1-per-second long code takes 3 of its tokens: the next message, on any replica, waits 3 s', async () => {
    const start = now;
    // 400 GSM-7 characters: three segments of 153, which Twilio meters as three at 1 a second.
    expect((await loneSms().send({ ...text(), body: 'a'.repeat(400) })).ok).toBe(true);
    now = start + 1000;
    expect(await loneSms().send(text())).toEqual({
      ok: false,
      failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 2000, local: true },
    });
    now = start + 2999;
    expect(await loneSms().send(text())).toMatchObject({ ok: false, failure: { retryAfterMs: 1 } });
    now = start + 3000;
    expect((await loneSms().send(text())).ok).toBe(true);
    expect(requests.map((r) => [r.at - start, r.from])).toEqual([
      [0, LONE_CODE],
      [3000, LONE_CODE],
    ]);
  });

  it('a message of more segments than the bucket holds still goes, once a token is there', async () => {
    const start = now;
    expect((await loneSms().send(text())).ok).toBe(true);
    // Ten segments (1,500 characters) wait for one token as a one-segment message would, and borrow the rest.
    const long = { ...text(), body: 'a'.repeat(1500) };
    expect(await loneSms().send(long)).toMatchObject({ ok: false, failure: { retryAfterMs: 1000 } });
    now = start + 1000;
    expect((await loneSms().send(long)).ok).toBe(true);
    expect(await loneSms().send(text())).toMatchObject({ ok: false, failure: { retryAfterMs: 10_000 } });
  });

  it('counts the SMS segments Twilio accepted in collections_sms_segments_total, by sender kind and encoding', async () => {
    const series = () => scrapeSeries(sut.app.httpUrl, 'collections_sms_segments_total', ['sender_kind', 'encoding']);
    const before = await series();
    expect(before).toMatchObject({ 'number gsm7': expect.any(Number), 'number ucs2': expect.any(Number) });
    // Three GSM-7 segments, then two UCS-2 ones (an "á" and 100 characters: parts of 67), one from each long code.
    expect((await service.sms.send({ ...text(), body: 'a'.repeat(400) })).ok).toBe(true);
    expect((await service.sms.send({ ...text(), body: 'Olá ' + 'a'.repeat(100) })).ok).toBe(true);
    // Held back by the buckets: nothing reached Twilio, nothing is counted.
    expect((await service.sms.send(text())).ok).toBe(false);
    const after = await series();
    expect(after['number gsm7'] - before['number gsm7']).toBe(3);
    expect(after['number ucs2'] - before['number ucs2']).toBe(2);
    expect(after['short_code gsm7']).toBe(before['short_code gsm7']);
  });

  it('holds a call a second per caller id across replicas', async () => {
    const start = now;
    expect((await service.call.send(text())).ok).toBe(true);
    expect(await replica(calls()).send(text())).toMatchObject({
      ok: false,
      failure: { kind: 'rate-limited', local: true, retryAfterMs: 1000 },
    });
    now = start + 1000;
    expect((await replica(calls()).send(text())).ok).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it('holds 80 WhatsApp messages a second per number across replicas and restarts', async () => {
    const replicas = [service.whatsapp, replica(whatsapp()), replica(whatsapp())];
    const start = now;
    for (let t = 0; t < 1_000; t += 2.5) {
      now = start + t;
      if (t === 500) replicas[2] = replica(whatsapp()); // a restart half-way
      await Promise.all(replicas.map((r) => r.send(template())));
    }
    // One every 12.5 ms from the first, whichever replica sends it: 80 in the second, not 240.
    expect(requests.map((r) => r.at - start)).toEqual(Array.from({ length: 80 }, (_, i) => i * 12.5));
  });
});
