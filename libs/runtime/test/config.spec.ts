import { backboneRetention, loadServiceConfig } from '../src/config';

/** What a service's relay does with the events it published, as its environment says. */
describe('outbox retention settings', () => {
  const relayOf = (env: Record<string, string>) =>
    backboneRetention(loadServiceConfig('promises', { API_KEYS: 'tenant-a:key-a', ...env }).retention).relay;

  it('keeps published events a week unless told otherwise', () => {
    expect(relayOf({})).toEqual({ retentionMs: 168 * 3_600_000, published: 'keep' });
  });

  it('deletes them as it publishes them with OUTBOX_PUBLISHED=delete', () => {
    expect(relayOf({ OUTBOX_PUBLISHED: 'delete' })).toEqual({ retentionMs: 168 * 3_600_000, published: 'delete' });
  });

  it('refuses any other value, naming the variable', () => {
    expect(() => relayOf({ OUTBOX_PUBLISHED: 'drop' })).toThrow(/OUTBOX_PUBLISHED/);
  });
});

/** How long a service keeps its replayed dead letters, as its environment says. */
describe('dead-letter retention settings', () => {
  const deadLettersOf = (env: Record<string, string>) =>
    backboneRetention(loadServiceConfig('promises', { API_KEYS: 'tenant-a:key-a', ...env }).retention).deadLetters;

  it('keeps replayed dead letters 30 days unless told otherwise, and for ever with 0', () => {
    expect(deadLettersOf({})).toEqual({ retentionMs: 30 * 24 * 3_600_000 });
    expect(deadLettersOf({ DEAD_LETTER_RETENTION_DAYS: '7' })).toEqual({ retentionMs: 7 * 24 * 3_600_000 });
    expect(deadLettersOf({ DEAD_LETTER_RETENTION_DAYS: '0' })).toEqual({ retentionMs: 0 });
  });

  it('refuses a negative retention, naming the variable', () => {
    expect(() => deadLettersOf({ DEAD_LETTER_RETENTION_DAYS: '-1' })).toThrow(/DEAD_LETTER_RETENTION_DAYS/);
  });
});

/** Which proxies' X-Forwarded-For a service believes, as its environment says. */
describe('trusted proxy settings', () => {
  const trustOf = (value?: string) =>
    loadServiceConfig('promises', {
      API_KEYS: 'tenant-a:key-a',
      ...(value === undefined ? {} : { HTTP_TRUST_PROXY: value }),
    }).http.trustProxy;

  it('trusts no proxy unless told: the peer is the client', () => {
    expect(trustOf()).toBe(false);
    expect(trustOf('')).toBe(false);
  });

  it('takes a number of hops, or addresses, ranges and the named private ranges', () => {
    expect(trustOf('1')).toBe(1);
    expect(trustOf('loopback, 10.0.0.0/8,2001:db8::/32,192.0.2.7')).toEqual([
      'loopback',
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.0.2.7',
    ]);
  });

  it('refuses what would trust everyone or is not an address, naming the variable and the value', () => {
    for (const bad of ['0', '0.0.0.0/0', '::/0', 'true', 'everyone', '10.0.0.0/33', '10.0.0.1/8/2', '999'])
      expect(() => trustOf(bad)).toThrow(/HTTP_TRUST_PROXY/);
    expect(() => trustOf('lb.internal')).toThrow(/"lb\.internal"/);
  });
});

/** Where a service runs its outbox relay, as its environment says. */
describe('outbox relay thread setting', () => {
  const threadOf = (env: Record<string, string>) =>
    loadServiceConfig('promises', { API_KEYS: 'tenant-a:key-a', ...env }).relayThread;

  it("runs the relay on the service's event loop unless told to give it a thread", () => {
    expect(threadOf({})).toBe('main');
    expect(threadOf({ OUTBOX_RELAY_THREAD: 'worker' })).toBe('worker');
  });

  it('refuses any other value, naming the variable', () => {
    expect(() => threadOf({ OUTBOX_RELAY_THREAD: 'process' })).toThrow(/OUTBOX_RELAY_THREAD/);
  });

  it('restarts a thread that publishes nothing while events wait after a minute, or when told, or never (0)', () => {
    const stallOf = (env: Record<string, string>) =>
      loadServiceConfig('promises', { API_KEYS: 'tenant-a:key-a', ...env }).relayThreadStallMs;
    expect(stallOf({})).toBe(60_000);
    expect(stallOf({ OUTBOX_RELAY_STALL_MS: '120000' })).toBe(120_000);
    expect(stallOf({ OUTBOX_RELAY_STALL_MS: '0' })).toBe(0);
    expect(() => stallOf({ OUTBOX_RELAY_STALL_MS: '-1' })).toThrow(/OUTBOX_RELAY_STALL_MS/);
    // Not within a publish's 30 s deadline: a publish still waiting would read as a stall.
    expect(() => stallOf({ OUTBOX_RELAY_STALL_MS: '30000' })).toThrow(/OUTBOX_RELAY_STALL_MS.*30000 ms deadline/);
    expect(() => stallOf({ OUTBOX_RELAY_STALL_MS: '5000' })).toThrow(/OUTBOX_RELAY_STALL_MS/);
    expect(stallOf({ OUTBOX_RELAY_STALL_MS: '30001' })).toBe(30_001);
  });
});
