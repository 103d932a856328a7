import fc from 'fast-check';
import { containsToken, tokenSpans } from '../src/reconciliation/domain/matcher';

describe('the reference spans reconciliation looks accounts up by', () => {
  it('are the token-bounded substrings of the reference, lower-cased', () => {
    expect(tokenSpans('Pago LN-5001/abc').sort()).toEqual(
      [
        'abc',
        'ln',
        'ln-5001',
        'ln-5001/abc',
        'pago',
        'pago ln',
        'pago ln-5001',
        'pago ln-5001/abc',
        '5001',
        '5001/abc',
      ].sort(),
    );
    expect(tokenSpans('')).toEqual([]);
  });

  it('include every external reference the matcher would find written in the reference', () => {
    const alphabet = fc.constantFrom('a', 'B', '1', '9', '-', ' ', '/', 'é', '_');
    const text = fc.array(alphabet, { maxLength: 24 }).map((a) => a.join(''));
    fc.assert(
      fc.property(text, fc.nat(), fc.nat(), (reference, i, j) => {
        const from = i % (reference.length + 1);
        const to = from + (j % (reference.length - from + 1));
        const token = reference.slice(from, to);
        // An external reference is never blank.
        if (token.trim() && containsToken(reference, token))
          expect(tokenSpans(reference)).toContain(token.toLowerCase());
      }),
      { numRuns: 2_000 },
    );
  });
});
