import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PaymentLinkClaims {
  readonly tenantId: string;
  readonly accountId: string;
  readonly expiresAt: Date;
}

export interface SignedPaymentLink extends PaymentLinkClaims {
  readonly token: string;
  readonly url: string;
}

export type PaymentLinkVerification =
  | ({ readonly valid: true } & PaymentLinkClaims)
  | { readonly valid: false; readonly reason: 'malformed' | 'bad-signature' | 'expired' };

const MIN_SECRET_BYTES = 32;

/**
 * Payment links (issued by the orchestrator in its messages, honoured by the promises service's
 * self-service landing API, both under the same PAYMENT_LINK_SECRET) that say which tenant's account they pay and until when, signed with
 * HMAC-SHA256 under a configured secret: `<base64url(payload)>.<base64url(mac)>`, where the
 * payload is the JSON `{"v":1,"t":tenant,"a":account,"e":expiry in epoch seconds}`.
 */
export class PaymentLinkSigner {
  private readonly secret: Buffer;

  constructor(
    secret: string,
    private readonly baseUrl: string,
  ) {
    this.secret = Buffer.from(secret, 'utf8');
    if (this.secret.length < MIN_SECRET_BYTES) {
      throw new RangeError(`the payment-link secret needs at least ${MIN_SECRET_BYTES} bytes`);
    }
  }

  sign(claims: PaymentLinkClaims): SignedPaymentLink {
    const expiresAt = new Date(Math.floor(claims.expiresAt.getTime() / 1000) * 1000);
    const payload = Buffer.from(
      JSON.stringify({ v: 1, t: claims.tenantId, a: claims.accountId, e: expiresAt.getTime() / 1000 }),
      'utf8',
    ).toString('base64url');
    const token = `${payload}.${this.mac(payload).toString('base64url')}`;
    return {
      tenantId: claims.tenantId,
      accountId: claims.accountId,
      expiresAt,
      token,
      url: `${this.baseUrl}/${token}`,
    };
  }

  /** Refuses a token whose signature does not match, or whose expiry has come by `now`. */
  verify(token: string, now: Date): PaymentLinkVerification {
    const parts = token.split('.');
    if (parts.length !== 2 || !/^[A-Za-z0-9_-]+$/.test(parts[0]) || !/^[A-Za-z0-9_-]+$/.test(parts[1])) {
      return { valid: false, reason: 'malformed' };
    }
    const [payload, mac] = parts;
    const given = Buffer.from(mac, 'base64url');
    const expected = this.mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { valid: false, reason: 'bad-signature' };
    }
    const claims = decode(payload);
    if (!claims) return { valid: false, reason: 'malformed' };
    if (now.getTime() >= claims.expiresAt.getTime()) return { valid: false, reason: 'expired' };
    return { valid: true, ...claims };
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.secret).update(payload, 'utf8').digest();
  }
}

function decode(payload: string): PaymentLinkClaims | null {
  try {
    const raw = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (raw.v !== 1 || typeof raw.t !== 'string' || typeof raw.a !== 'string' || !Number.isSafeInteger(raw.e)) {
      return null;
    }
    return { tenantId: raw.t, accountId: raw.a, expiresAt: new Date((raw.e as number) * 1000) };
  } catch {
    return null;
  }
}
