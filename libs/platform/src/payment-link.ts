import { HmacTokens } from './hmac-token';
import { KeyedSecret } from './key-list';

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
  | {
      readonly valid: false;
      readonly reason: 'malformed' | 'bad-signature' | 'expired';
      /** A link naming a key the setting no longer holds (refused as `bad-signature`): for the operator's log. */
      readonly unconfiguredKeyId?: string;
    };

/**
 * Payment links (issued by the orchestrator in its messages, honoured by the promises service's
 * self-service landing API, both under the same PAYMENT_LINK_SECRET) that say which tenant's account they pay and until when, signed with
 * HMAC-SHA256 under a configured secret: `<base64url(payload)>.<base64url(mac)>`, where the
 * payload is the JSON `{"v":1,"t":tenant,"a":account,"e":expiry in epoch seconds}`. During a
 * rotation (`parseLinkSecrets`: `<id>:<secret>,...`) links are signed under the first key and
 * verified under the key they name: `<key id>.<payload>.<mac>` (`HmacTokens`); the `legacy` key's,
 * and every link issued before key ids, name none.
 */
export class PaymentLinkSigner {
  private readonly tokens: HmacTokens;

  constructor(
    /** One secret (key id `legacy`), or the keys, the one links are signed with first. */
    secrets: string | readonly KeyedSecret[],
    private readonly baseUrl: string,
  ) {
    this.tokens = new HmacTokens(secrets, 'payment-link');
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

  /**
   * Refuses a token whose signature does not match (or that names a key no longer configured), or
   * whose expiry has come by `now`.
   */
  verify(token: string, now: Date): PaymentLinkVerification {
    const opened = this.tokens.open(token);
    if (!opened.ok) {
      const { reason, unconfiguredKeyId } = opened;
      return { valid: false, reason, ...(unconfiguredKeyId === undefined ? {} : { unconfiguredKeyId }) };
    }
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
