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
