import { createHmac, timingSafeEqual } from 'node:crypto';

const MIN_SECRET_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Tokens `<base64url(JSON payload)>.<base64url(HMAC-SHA256 of the payload)>` under one secret (at
 * least 32 bytes): what payment links and e-mail opt-out links are. `open` answers the payload of a
 * token whose MAC is exactly the one this secret gives, written as `sign` writes it (base64url
 * ignores trailing bits, so a MAC differing only there is refused too).
 */
export class HmacTokens {
  private readonly secret: Buffer;

  /** `what` names the secret in the error, e.g. `payment-link`. */
  constructor(secret: string, what: string) {
    this.secret = Buffer.from(secret, 'utf8');
    if (this.secret.length < MIN_SECRET_BYTES) {
      throw new RangeError(`the ${what} secret needs at least ${MIN_SECRET_BYTES} bytes`);
    }
  }

  sign(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  open(
    token: string,
  ): { ok: true; payload: Record<string, unknown> } | { ok: false; reason: 'malformed' | 'bad-signature' } {
    const parts = token.split('.');
    if (parts.length !== 2 || !BASE64URL.test(parts[0]) || !BASE64URL.test(parts[1])) {
      return { ok: false, reason: 'malformed' };
    }
    const [body, mac] = parts;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(body);
    if (
      given.length !== expected.length ||
      !timingSafeEqual(given, expected) ||
      expected.toString('base64url') !== mac
    ) {
      return { ok: false, reason: 'bad-signature' };
    }
    try {
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as unknown;
      return payload && typeof payload === 'object' && !Array.isArray(payload)
        ? { ok: true, payload: payload as Record<string, unknown> }
        : { ok: false, reason: 'malformed' };
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body, 'utf8').digest();
  }
}
