import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { ConfigError, loadConfig } from './config';
import { linkSecrets, parseLinkSecrets } from './hmac-token';
import { KeyedSecret } from './key-list';
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

  describe('with rotatable keys (PAYMENT_LINK_SECRET=<id>:<secret>,...)', () => {
    const NOW = new Date('2026-03-01T00:00:00Z');
    const claims = { tenantId: 'tenant-a', accountId: 'acct-1', expiresAt: EXPIRY };
    const under = (setting: string) => {
      const keys = parseLinkSecrets(setting);
      if (!keys.ok) throw new Error(keys.problem);
      return new PaymentLinkSigner(keys.value, 'https://pay.example/p');
    };

    it('signs with one secret exactly the bytes the release before key ids signed (rollback, links already sent)', () => {
      // Signed by the release before this change with SECRET: a link in an SMS already sent.
      const sentBefore =
        'eyJ2IjoxLCJ0IjoidGVuYW50LWEiLCJhIjoiYWNjdC0xIiwiZSI6MTc3Mzk4MjgwMH0.MPAdA1chs9Es2KAQWLxIbqLPPYry-YU_rMKLJqlvogs';
      expect(under(SECRET).sign(claims).token).toBe(sentBefore);
      expect(link.token).toBe(sentBefore);
      // The old key listed by its id `legacy`, first or later: the same link signed, and read.
      expect(under(`legacy:${SECRET},k2027:${'n'.repeat(32)}`).sign(claims).token).toBe(sentBefore);
      expect(under(`k2027:${'n'.repeat(32)},legacy:${SECRET}`).verify(sentBefore, NOW)).toMatchObject({ valid: true });
    });

    it('signs under the first key, naming it, and reads each link under the key it names', () => {
      const rotated = under(`k2027:${'n'.repeat(32)},legacy:${SECRET}`);
      const signed = rotated.sign(claims);
      expect(signed.token.startsWith('k2027.')).toBe(true);
      expect(signed.url).toBe(`https://pay.example/p/${signed.token}`);
      expect(rotated.verify(signed.token, NOW)).toEqual({ valid: true, ...claims });
      // The key id is signed: naming another configured key breaks the link.
      const renamed = `legacy.${signed.token.split('.').slice(1).join('.')}`;
      expect(rotated.verify(renamed, NOW)).toMatchObject({ valid: false });
      const [, body, mac] = signed.token.split('.');
      expect(rotated.verify(`${body}.${mac}`, NOW)).toEqual({ valid: false, reason: 'bad-signature' });
    });

    it('refuses a link naming a key no longer configured as an altered one, and says which key it named', () => {
      const sentBefore = link.token;
      const afterRotation = under(`k2027:${'n'.repeat(32)}`);
      expect(afterRotation.verify(sentBefore, NOW)).toEqual({
        valid: false,
        reason: 'bad-signature',
        unconfiguredKeyId: 'legacy',
      });
      const other = under(`k2028:${'m'.repeat(32)}`).sign(claims).token;
      expect(afterRotation.verify(other, NOW)).toEqual({
        valid: false,
        reason: 'bad-signature',
        unconfiguredKeyId: 'k2028',
      });
    });

    /** A key id and a secret as a setting can hold them (no comma, no surrounding blank). */
    const key = fc.record({
      id: fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
      secret: fc.stringMatching(/^[A-Za-z0-9_+/=-]{32,64}$/),
    });
    const keyLists = fc.uniqueArray(key, { minLength: 1, maxLength: 4, selector: (k) => k.id });
    const setting = (keys: readonly KeyedSecret[]) => keys.map((k) => `${k.id}:${k.secret}`).join(',');

    it('verifies a link under any setting holding its key, whatever the other keys and their order', () => {
      fc.assert(
        fc.property(keyLists, keyLists, fc.nat(), fc.string({ maxLength: 20 }), (signing, others, at, account) => {
          const current = signing[0];
          const reader = others.filter((k) => k.id !== current.id);
          reader.splice(at % (reader.length + 1), 0, current);
          const token = under(setting(signing)).sign({ ...claims, accountId: account }).token;
          expect(under(setting(reader)).verify(token, NOW)).toEqual({ valid: true, ...claims, accountId: account });
        }),
        { numRuns: 200 },
      );
    });

    it('verifies a link under no setting lacking its key, even one holding its secret under another id', () => {
      fc.assert(
        fc.property(keyLists, keyLists, (signing, others) => {
          const current = signing[0];
          // The current secret under every other id too: a link is read by its key's id, not by trying secrets.
          const reader = others
            .filter((k) => k.id !== current.id)
            .map((k, i) => (i === 0 ? { ...k, secret: current.secret } : k));
          fc.pre(reader.length > 0);
          const token = under(setting(signing)).sign(claims).token;
          expect(under(setting(reader)).verify(token, NOW)).toEqual({
            valid: false,
            reason: 'bad-signature',
            unconfiguredKeyId: current.id,
          });
        }),
        { numRuns: 200 },
      );
    });

    it('signs with one secret (any, or listed alone as legacy) the bytes of the format before key ids', () => {
      fc.assert(
        fc.property(key, fc.string({ maxLength: 20 }), fc.boolean(), ({ secret }, account, listed) => {
          const token = under(listed ? `legacy:${secret}` : secret).sign({ ...claims, accountId: account }).token;
          const body = Buffer.from(
            JSON.stringify({ v: 1, t: claims.tenantId, a: account, e: EXPIRY.getTime() / 1000 }),
          ).toString('base64url');
          expect(token).toBe(`${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`);
        }),
        { numRuns: 100 },
      );
    });

    it('reads the setting: one secret as the legacy key, or <id>:<secret> entries, the signing key first', () => {
      expect(parseLinkSecrets(SECRET)).toEqual({ ok: true, value: [{ id: 'legacy', secret: SECRET }] });
      expect(parseLinkSecrets(`k2027:${'n'.repeat(32)}, legacy:${SECRET}`)).toEqual({
        ok: true,
        value: [
          { id: 'k2027', secret: 'n'.repeat(32) },
          { id: 'legacy', secret: SECRET },
        ],
      });
    });

    it('stops the boot on a bad setting, naming the variable and each problem, never a secret', () => {
      const load = (value: string) => () =>
        loadConfig({ keys: linkSecrets('PAYMENT_LINK_SECRET') }, { PAYMENT_LINK_SECRET: value });
      expect(load('short')).toThrow(ConfigError);
      expect(load('short')).toThrow('PAYMENT_LINK_SECRET: its secret needs at least 32 bytes');
      // 31 bytes in 16 characters: bytes count, as HMAC keys are bytes.
      expect(load('é'.repeat(15) + 'x')).toThrow(/at least 32 bytes/);
      let message = '';
      try {
        load(`a:${SECRET},a:${'n'.repeat(32)},b:tiny,c:,bad id:${'m'.repeat(32)}`)();
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toContain('PAYMENT_LINK_SECRET');
      expect(message).toContain('key 2: key id "a" is named twice');
      expect(message).toContain('key 3 ("b"): its secret needs at least 32 bytes');
      expect(message).toContain('key 4 ("c") has no secret');
      expect(message).toContain("key 5: its id must be 1 to 32 letters, digits, '-' or '_'");
      for (const secret of [SECRET, 'n'.repeat(32), 'tiny', 'm'.repeat(32)]) expect(message).not.toContain(secret);
    });
  });
});
