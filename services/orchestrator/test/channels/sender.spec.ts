import {
  ChannelProvider,
  InMemoryOutcomeStore,
  OutboundMessage,
  ProviderAnswer,
  ReliableSender,
  SendResult,
  backoffDelay,
  defaultBackoff,
} from '../../src/channels/domain';
import { recordingSender } from '../support/recording-sender';

function scriptedProvider(results: SendResult[]) {
  const calls: OutboundMessage[] = [];
  const provider: ChannelProvider = {
    channel: 'sms',
    send: async (m) => {
      calls.push(m);
      const next = results.shift();
      if (!next) throw new Error('no more scripted results');
      return next;
    },
    verifySignature: () => false,
    parseWebhook: () => [],
  };
  return { provider, calls };
}

const message: OutboundMessage = { idempotencyKey: 'k-1', tenantId: 't', to: '+34600000001', body: 'hola' };

function sender(provider: ChannelProvider, delays: number[], random = () => 0.5) {
  return recordingSender(provider, { random, onDelay: (ms) => delays.push(ms) }).sender;
}

describe('ReliableSender', () => {
  it('tells each answer the provider gave, and nothing for an outcome on record or a wait for our own limiter', async () => {
    const { provider } = scriptedProvider([
      { ok: false, failure: { kind: 'rate-limited', code: 'local', retryAfterMs: 10, local: true } },
      { ok: false, failure: { kind: 'transient', code: '503', detail: 'busy' } },
      { ok: true, providerMessageId: 'SM1' },
    ]);
    const answers: ProviderAnswer[] = [];
    const sut = new ReliableSender(provider, {
      store: new InMemoryOutcomeStore(),
      delay: async () => undefined,
      random: () => 0.5,
      onAnswer: (answer) => answers.push(answer),
    });

    await sut.send(message);
    await sut.send(message); // the outcome on record: the provider is not asked again

    expect(answers).toEqual(['retried', 'sent']);
  });

  it('retries 5xx and 429 with growing jittered delays, then sends once', async () => {
    const { provider, calls } = scriptedProvider([
      { ok: false, failure: { kind: 'transient', code: '500', detail: 'boom' } },
      { ok: false, failure: { kind: 'transient', code: '503', detail: 'busy' } },
      { ok: false, failure: { kind: 'rate-limited', code: '20429', retryAfterMs: 7_000 } },
      { ok: true, providerMessageId: 'SM1' },
    ]);
    const delays: number[] = [];
    const outcome = await sender(provider, delays).send(message);
    expect(outcome).toEqual({ status: 'sent', providerMessageId: 'SM1', attempts: 4 });
    expect(delays).toEqual([250, 500, 7_000]);
    expect(calls.every((c) => c.idempotencyKey === 'k-1')).toBe(true);
  });

  it('never retries an invalid recipient', async () => {
    const { provider, calls } = scriptedProvider([
      { ok: false, failure: { kind: 'invalid-recipient', code: '21211', detail: "invalid 'To'" } },
    ]);
    const delays: number[] = [];
    const outcome = await sender(provider, delays).send(message);
    expect(outcome.status).toBe('invalid-recipient');
    expect(calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('gives up after the attempt budget instead of retrying forever', async () => {
    const results: SendResult[] = Array.from({ length: 10 }, () => ({
      ok: false as const,
      failure: { kind: 'transient' as const, code: '502', detail: 'bad gateway' },
    }));
    const { provider, calls } = scriptedProvider(results);
    const outcome = await sender(provider, []).send(message);
    expect(outcome.status).toBe('gave-up');
    expect(calls).toHaveLength(defaultBackoff.maxAttempts);
  });

  it('sends once per idempotency key, also for concurrent and later callers', async () => {
    const { provider, calls } = scriptedProvider([{ ok: true, providerMessageId: 'SM9' }]);
    const s = sender(provider, []);
    const [a, b] = await Promise.all([s.send(message), s.send(message)]);
    const c = await s.send(message);
    expect(calls).toHaveLength(1);
    expect([a, b, c].map((o) => o.status === 'sent' && o.providerMessageId)).toEqual(['SM9', 'SM9', 'SM9']);
  });

  it('treats a thrown error as transient', async () => {
    let n = 0;
    const provider: ChannelProvider = {
      channel: 'email',
      send: async () => {
        n += 1;
        if (n === 1) throw new Error('ECONNRESET');
        return { ok: true, providerMessageId: 'm' };
      },
      verifySignature: () => false,
      parseWebhook: () => [],
    };
    expect((await sender(provider, []).send(message)).status).toBe('sent');
  });

  it('keeps the jittered delay within [retry-after, cap]', () => {
    expect(backoffDelay(defaultBackoff, 30, 1)).toBe(defaultBackoff.capMs);
    expect(backoffDelay(defaultBackoff, 0, 0)).toBe(0);
    expect(backoffDelay(defaultBackoff, 0, 0, 1_000)).toBe(1_000);
  });
});
