import { PiiCipher, PiiUnreadableError } from './pii-cipher';

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
