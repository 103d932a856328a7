import fc from 'fast-check';
import { ConfigError, loadConfig } from './config';
import { PiiCipher, PiiKeyNotConfiguredError, PiiUnreadableError, parsePiiKeys, piiKeys } from './pii-cipher';

describe(PiiCipher.name, () => {
  const sut = new PiiCipher('a-secret-of-the-deployment', 'SOME_PII_KEY');

  it('reads back what it stored, and stores the same value twice as two unrelated values', () => {
    const first = sut.encrypt('Calle 72 # 10-34, Bogotá');
    const second = sut.encrypt('Calle 72 # 10-34, Bogotá');
    expect([sut.decrypt(first), sut.decrypt(second)]).toEqual(['Calle 72 # 10-34, Bogotá', 'Calle 72 # 10-34, Bogotá']);
    expect(first.equals(second)).toBe(false);
    expect(first.toString('latin1')).not.toContain('Calle');
  });

  it('refuses a value another key encrypted, naming the key variable and never the value', () => {
    const stored = new PiiCipher('another-secret', 'SOME_PII_KEY').encrypt('+573001234567');
    expect(() => sut.decrypt(stored)).toThrow(PiiUnreadableError);
    expect(() => sut.decrypt(stored)).toThrow(/SOME_PII_KEY is not the key it was encrypted with/);
    expect(() => sut.decrypt(stored)).not.toThrow(/573001234567/);
  });
});

describe('PiiCipher key rotation', () => {
  const A = 'the-key-the-service-has-always-run-with';
  const B = 'the-new-key-of-at-least-thirty-two-characters';
  const C = 'a-third-key-of-at-least-thirty-two-characters';
  const config = (raw: string) => loadConfig({ keys: piiKeys('SOME_PII_KEY') }, { SOME_PII_KEY: raw }).keys;

  it('reads what the single key wrote once that key is an older key of the setting', () => {
    const before = new PiiCipher(config(A), 'SOME_PII_KEY');
    const stored = before.encrypt('Ana María Quintero');
    const sut = new PiiCipher(config(`b:${B},legacy:${A}`), 'SOME_PII_KEY');
    expect(sut.decrypt(stored)).toBe('Ana María Quintero');
    expect(sut.keyIdOf(stored)).toBe('legacy');
  });

  it('reads a value stored before key ids (no id: the legacy key) after the rotation', () => {
    const old = new PiiCipher(A, 'SOME_PII_KEY');
    // The format before key ids: iv | tag | ciphertext, as the previous PiiCipher wrote it.
    const written = old.encrypt('52123456');
    const withoutId = written.subarray(written.length - (12 + 16 + Buffer.byteLength('52123456')));
    const sut = new PiiCipher(config(`b:${B},legacy:${A}`), 'SOME_PII_KEY');
    expect(sut.decrypt(withoutId)).toBe('52123456');
    expect(sut.keyIdOf(withoutId)).toBe('legacy');
  });

  it('writes under the current (first) key, which an older key cannot read', () => {
    const sut = new PiiCipher(config(`b:${B},legacy:${A}`), 'SOME_PII_KEY');
    const stored = sut.encrypt('+573001234567');
    expect(sut.keyIdOf(stored)).toBe('b');
    expect(new PiiCipher(config(`b:${B}`), 'SOME_PII_KEY').decrypt(stored)).toBe('+573001234567');
    expect(() => new PiiCipher(config(A), 'SOME_PII_KEY').decrypt(stored)).toThrow(PiiKeyNotConfiguredError);
  });

  it('refuses a value under a key the setting no longer names, naming the key id and never a key or the value', () => {
    const stored = new PiiCipher(config(A), 'SOME_PII_KEY').encrypt('+573001234567');
    const sut = new PiiCipher(config(`b:${B}`), 'SOME_PII_KEY');
    const error = (() => {
      try {
        sut.decrypt(stored);
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error).toBeInstanceOf(PiiKeyNotConfiguredError);
    expect(error).toBeInstanceOf(PiiUnreadableError);
    expect(error?.message).toMatch(/key id "legacy", which SOME_PII_KEY does not name/);
    for (const secret of [A, B, '573001234567']) expect(error?.message).not.toContain(secret);
  });

  it('refuses a value whose key id is configured with another secret, naming the id', () => {
    const stored = new PiiCipher(config(`b:${C}`), 'SOME_PII_KEY').encrypt('Calle 72');
    const sut = new PiiCipher(config(`b:${B}`), 'SOME_PII_KEY');
    expect(() => sut.decrypt(stored)).toThrow(/SOME_PII_KEY is not the key it was encrypted with .*key id "b"/);
  });

  it('round-trips any string under any configured current key, read by any setting that still names that key', () => {
    const keyId = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/).filter((id) => id !== 'zz-new');
    const secret = fc.string({ minLength: 32, maxLength: 64 }).filter((s) => !s.includes(',') && s.trim() === s);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(keyId, secret), { minLength: 1, maxLength: 4, selector: ([id]) => id }),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        fc.nat(),
        (keys, plain, reader) => {
          const setting = keys.map(([id, s]) => `${id}:${s}`).join(',');
          const sut = new PiiCipher(config(setting), 'SOME_PII_KEY');
          const stored = sut.encrypt(plain);
          // A later setting: a new current key in front, the writer's key among the older ones, in any order.
          const later = [...keys.slice(reader % keys.length), ...keys.slice(0, reader % keys.length)];
          const rotated = new PiiCipher(
            config([`zz-new:${C}`, ...later.map(([id, s]) => `${id}:${s}`)].join(',')),
            'SOME_PII_KEY',
          );
          return (
            sut.decrypt(stored) === plain && rotated.decrypt(stored) === plain && sut.keyIdOf(stored) === keys[0][0]
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  describe(parsePiiKeys.name, () => {
    it('reads one secret as the legacy key, unchanged', () => {
      expect(parsePiiKeys(' some old secret, with a comma ')).toEqual({
        ok: true,
        value: [{ id: 'legacy', secret: ' some old secret, with a comma ' }],
      });
    });

    it('reads <id>:<secret> entries, the current key first', () => {
      expect(parsePiiKeys(`k2026:${B}, legacy:${A}`)).toEqual({
        ok: true,
        value: [
          { id: 'k2026', secret: B },
          { id: 'legacy', secret: A },
        ],
      });
    });

    it('names every problem of the setting at boot, never a secret', () => {
      let error: unknown;
      try {
        config(`b:${B},b:${C},bad id:${C},c:short,d:,noseparator`);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toContain('SOME_PII_KEY');
      expect(message).toContain('key 2: key id "b" is named twice');
      expect(message).toContain("key 3: its id must be 1 to 32 letters, digits, '-' or '_'");
      expect(message).toContain('key 4 ("c"): its secret needs at least 32 characters');
      expect(message).toContain('key 5 ("d") has no secret');
      expect(message).toContain('key 6 is not written <id>:<secret>');
      for (const secret of [B, C, 'short']) expect(message).not.toContain(secret);
    });
  });
});
