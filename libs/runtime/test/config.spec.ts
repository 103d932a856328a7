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
