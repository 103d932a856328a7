import { PaymentLinkSigner } from './payment-link';

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const EXPIRY = new Date('2026-03-20T05:00:00Z');

describe(PaymentLinkSigner.name, () => {
  const sut = new PaymentLinkSigner(SECRET, 'https://pay.example/p');
  const link = sut.sign({ tenantId: 'tenant-a', accountId: 'acct-1', expiresAt: EXPIRY });

  it('signs a link that verifies until it expires', () => {
    expect(link.url).toBe(`https://pay.example/p/${link.token}`);
    expect(sut.verify(link.token, new Date('2026-03-20T04:59:59Z'))).toEqual({
      valid: true,
      tenantId: 'tenant-a',
      accountId: 'acct-1',
      expiresAt: EXPIRY,
    });
  });

  it('refuses a link at and after its expiry', () => {
    expect(sut.verify(link.token, EXPIRY)).toEqual({ valid: false, reason: 'expired' });
    expect(sut.verify(link.token, new Date('2027-01-01T00:00:00Z'))).toEqual({ valid: false, reason: 'expired' });
  });

  it('refuses a link whose account, tenant or expiry was changed', () => {
    const [, mac] = link.token.split('.');
    const forge = (claims: object) => `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`;
    const now = new Date('2026-03-01T00:00:00Z');
    expect(sut.verify(forge({ v: 1, t: 'tenant-a', a: 'acct-2', e: EXPIRY.getTime() / 1000 }), now)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
    expect(sut.verify(forge({ v: 1, t: 'tenant-b', a: 'acct-1', e: EXPIRY.getTime() / 1000 }), now)).toMatchObject({
      valid: false,
    });
    expect(sut.verify(forge({ v: 1, t: 'tenant-a', a: 'acct-1', e: EXPIRY.getTime() / 1000 + 86_400 }), now)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
  });

  it('refuses a link signed with another secret, a flipped signature bit and garbage', () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const other = new PaymentLinkSigner('another-secret-of-at-least-32-bytes!', 'https://pay.example/p');
    expect(other.verify(link.token, now)).toEqual({ valid: false, reason: 'bad-signature' });
    const [payload, mac] = link.token.split('.');
    const bytes = Buffer.from(mac, 'base64url');
    bytes[0] ^= 1;
    expect(sut.verify(`${payload}.${bytes.toString('base64url')}`, now)).toEqual({
      valid: false,
      reason: 'bad-signature',
    });
    expect(sut.verify('not-a-token', now)).toEqual({ valid: false, reason: 'malformed' });
    expect(sut.verify(`${payload}.${mac}.x`, now)).toEqual({ valid: false, reason: 'malformed' });
    expect(sut.verify('', now)).toEqual({ valid: false, reason: 'malformed' });
  });

  it('will not sign with a short secret', () => {
    expect(() => new PaymentLinkSigner('short', 'https://pay.example/p')).toThrow(RangeError);
  });
});
