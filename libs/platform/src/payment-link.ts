import { HmacTokens } from './hmac-token';

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

/**
 * Payment links (issued by the orchestrator in its messages, honoured by the promises service's
 * self-service landing API, both under the same PAYMENT_LINK_SECRET) that say which tenant's account they pay and until when, signed with
 * HMAC-SHA256 under a configured secret: `<base64url(payload)>.<base64url(mac)>`, where the
 * payload is the JSON `{"v":1,"t":tenant,"a":account,"e":expiry in epoch seconds}`.
 */
export class PaymentLinkSigner {
  private readonly tokens: HmacTokens;

  constructor(
    secret: string,
    private readonly baseUrl: string,
  ) {
    this.tokens = new HmacTokens(secret, 'payment-link');
  }

  sign(claims: PaymentLinkClaims): SignedPaymentLink {
    const expiresAt = new Date(Math.floor(claims.expiresAt.getTime() / 1000) * 1000);
    const token = this.tokens.sign({ v: 1, t: claims.tenantId, a: claims.accountId, e: expiresAt.getTime() / 1000 });
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
    const opened = this.tokens.open(token);
    if (!opened.ok) return { valid: false, reason: opened.reason };
    const claims = decode(opened.payload);
    if (!claims) return { valid: false, reason: 'malformed' };
    if (now.getTime() >= claims.expiresAt.getTime()) return { valid: false, reason: 'expired' };
    return { valid: true, ...claims };
  }
}

function decode(raw: Record<string, unknown>): PaymentLinkClaims | null {
  if (raw.v !== 1 || typeof raw.t !== 'string' || typeof raw.a !== 'string' || !Number.isSafeInteger(raw.e)) {
    return null;
  }
  return { tenantId: raw.t, accountId: raw.a, expiresAt: new Date((raw.e as number) * 1000) };
}
