import fc from 'fast-check';
import { HmacTokens, parseLinkSecrets } from '@collections/platform';
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

  it('signs an SMS’s link (sent from a one-way sender) and reads it back as the SMS channel’s', () => {
    const link = sut.sign({ ...claims, channel: 'sms' });
    expect(sut.verify(link.token)).toEqual({ valid: true, ...claims, channel: 'sms' });
    // Links before version 2 were e-mails' only.
    const old = new HmacTokens(SECRET, 'opt-out link').sign({
      v: 1,
      p: 'opt-out',
      t: claims.tenantId,
      c: 'sms',
      h: 'a'.repeat(64),
      d: claims.deliveryId,
    });
    expect(sut.verify(old)).toEqual({ valid: false, reason: 'malformed' });
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

  describe('with rotatable keys (OPT_OUT_LINK_SECRET=<id>:<secret>,...)', () => {
    const NEW = 'the-new-opt-out-link-secret-of-at-least-32-bytes';
    const under = (setting: string) => {
      const keys = parseLinkSecrets(setting);
      if (!keys.ok) throw new Error(keys.problem);
      return new OptOutLinkSigner(keys.value, 'https://collect.example/opt-out');
    };
    /** Signed by the release before key ids with SECRET: the link in an e-mail already sent. */
    const SENT_BEFORE =
      'eyJ2IjoyLCJwIjoib3B0LW91dCIsInQiOiJ0ZW5hbnQtYSIsImMiOiJlbWFpbCIsImQiOiI1ZTRlMzZlNC0yZWExLTRiZjEtODliZC1hNDE0NmVlOGQwNWMifQ.W3PAkkiy_EMAm4wnkfm7XNCT1w1SfLZhwzCtESxaVjA';
    const v1 = new HmacTokens(SECRET, 'opt-out link').sign({
      v: 1,
      p: 'opt-out',
      t: claims.tenantId,
      c: 'email',
      h: 'a'.repeat(64),
      d: claims.deliveryId,
    });

    it('signs with one secret exactly the bytes the release before key ids signed', () => {
      expect(sut.sign(claims).token).toBe(SENT_BEFORE);
      expect(under(`legacy:${SECRET},k2027:${NEW}`).sign(claims).token).toBe(SENT_BEFORE);
    });

    it('reads links of both versions made before key ids under the legacy key, and new ones under the key they name', () => {
      const rotated = under(`k2027:${NEW},legacy:${SECRET}`);
      expect(rotated.verify(SENT_BEFORE)).toEqual({ valid: true, ...claims });
      expect(rotated.verify(v1)).toEqual({ valid: true, ...claims, addressHash: 'a'.repeat(64) });
      const signed = rotated.sign(claims);
      expect(signed.token.startsWith('k2027.')).toBe(true);
      expect(signed.url).toBe(`https://collect.example/opt-out/${signed.token}`);
      expect(rotated.verify(signed.token)).toEqual({ valid: true, ...claims });
      expect(under(`k2027:${NEW}`).verify(signed.token)).toEqual({ valid: true, ...claims });
    });

    it('refuses a link naming a key no longer configured as an altered one, naming the key', () => {
      const rotated = under(`k2027:${NEW}`);
      for (const token of [SENT_BEFORE, v1])
        expect(rotated.verify(token)).toEqual({ valid: false, reason: 'bad-signature', unconfiguredKeyId: 'legacy' });
      const { token } = rotated.sign(claims);
      for (let i = 0; i < token.length; i++) {
        if (token[i] === '.') continue;
        const altered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
        expect(rotated.verify(altered).valid).toBe(false);
      }
    });

    it('verifies a link under a setting exactly when it holds the link’s key id with its secret', () => {
      const ids = fc.constantFrom('legacy', 'k2026', 'k2027', 'k2028');
      const secrets = fc.constantFrom(SECRET, NEW, 'yet-another-opt-out-secret-0123456789');
      const setting = fc.uniqueArray(fc.record({ id: ids, secret: secrets }), {
        minLength: 1,
        maxLength: 4,
        selector: (k) => k.id,
      });
      fc.assert(
        fc.property(setting, setting, (signing, reading) => {
          const write = (keys: typeof signing) => keys.map((k) => `${k.id}:${k.secret}`).join(',');
          const { token } = under(write(signing)).sign(claims);
          const held = reading.find((k) => k.id === signing[0].id);
          const verified = under(write(reading)).verify(token);
          if (held?.secret === signing[0].secret) expect(verified).toEqual({ valid: true, ...claims });
          else if (held) expect(verified).toEqual({ valid: false, reason: 'bad-signature' });
          else expect(verified).toEqual({ valid: false, reason: 'bad-signature', unconfiguredKeyId: signing[0].id });
        }),
        { numRuns: 300 },
      );
    });
  });
});
