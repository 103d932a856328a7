import { HmacTokens } from '@collections/platform';
import { OptOutLinkSigner, PaymentLinkSigner } from '../../src/templates/domain';

const SECRET = 'opt-out-secret-for-tests-0123456789abcdef';
const claims = {
  tenantId: 'tenant-a',
  channel: 'email' as const,
  deliveryId: '5e4e36e4-2ea1-4bf1-89bd-a4146ee8d05c',
};

describe(OptOutLinkSigner.name, () => {
  const sut = new OptOutLinkSigner(SECRET, 'https://collect.example/opt-out/');

  it('links to the base with the token, and reads back the tenant, channel and delivery, nothing of the address', () => {
    const link = sut.sign(claims);
    expect(link.url).toBe(`https://collect.example/opt-out/${link.token}`);
    expect(sut.verify(link.token)).toEqual({ valid: true, ...claims });
    expect(JSON.parse(Buffer.from(link.token.split('.')[0], 'base64url').toString('utf8'))).not.toHaveProperty('h');
  });

  it("reads a link of an e-mail sent before version 2, with the address's hash", () => {
    const old = new HmacTokens(SECRET, 'opt-out link').sign({
      v: 1,
      p: 'opt-out',
      t: claims.tenantId,
      c: 'email',
      h: 'a'.repeat(64),
      d: claims.deliveryId,
    });
    expect(sut.verify(old)).toEqual({ valid: true, ...claims, addressHash: 'a'.repeat(64) });
  });

  it('refuses the token with any one character changed', () => {
    const { token } = sut.sign(claims);
    for (let i = 0; i < token.length; i++) {
      if (token[i] === '.') continue;
      const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(sut.verify(altered).valid).toBe(false);
    }
  });

  it('is no payment link, and a payment link is no opt-out link, even under one secret', () => {
    const payments = new PaymentLinkSigner(SECRET, 'https://collect.example/pay');
    const payment = payments.sign({ tenantId: 'tenant-a', accountId: 'acct-1', expiresAt: new Date('2030-01-01') });
    expect(sut.verify(payment.token).valid).toBe(false);
    expect(payments.verify(sut.sign(claims).token, new Date('2026-01-01')).valid).toBe(false);
  });

  it('offers a mailto: naming the token only when an address is configured', () => {
    const { token } = sut.sign(claims);
    expect(sut.mailtoFor(token)).toBeUndefined();
    const withMailbox = new OptOutLinkSigner(SECRET, 'https://collect.example/opt-out', 'unsubscribe@collect.example');
    expect(withMailbox.mailtoFor(token)).toBe(`mailto:unsubscribe@collect.example?subject=unsubscribe%20${token}`);
  });
});
