import { HmacTokens, KeyedSecret } from '@collections/platform';

/**
 * The channels with opt-out links: e-mail, and SMS sent from a one-way sender (an alphanumeric id,
 * which takes no "reply STOP").
 */
export type OptOutLinkChannel = 'email' | 'sms';

/** What an opt-out link names: which delivery (and so which address), in which tenant, on which channel. */
export interface OptOutLinkClaims {
  readonly tenantId: string;
  readonly channel: OptOutLinkChannel;
  /** The delivery (schedule row id, the send's idempotency key) the link came in: its recipient is the address. */
  readonly deliveryId: string;
  /**
   * Only in a link of an e-mail sent before version 2 (`v: 1`): the address's `addressHash`, a plain
   * SHA-256 that anyone could test guessed addresses against. New links name the delivery alone.
   */
  readonly addressHash?: string;
}

export interface SignedOptOutLink extends OptOutLinkClaims {
  readonly token: string;
  readonly url: string;
}

export type OptOutLinkVerification =
  | ({ readonly valid: true } & OptOutLinkClaims)
  | {
      readonly valid: false;
      readonly reason: 'malformed' | 'bad-signature';
      /** A link naming a key the setting no longer holds (refused as `bad-signature`): for the operator's log. */
      readonly unconfiguredKeyId?: string;
    };

/** Names the token's purpose inside what is signed: no other token of ours reads as one. */
const PURPOSE = 'opt-out';
const HASH = /^[0-9a-f]{64}$/;

/**
 * Opt-out links of e-mails and of SMS from one-way senders (Regulation F §1006.6(e), RFC 8058 one-click): the payment links'
 * shape (`libs/platform/src/payment-link.ts`, HMAC-SHA256, `<base64url(payload)>.<base64url(mac)>`)
 * under a secret of their own (OPT_OUT_LINK_SECRET), with the purpose in the payload, so a payment
 * link is no opt-out link and the other way round. The payload is the JSON
 * `{"v":2,"p":"opt-out","t":tenant,"c":channel,"d":delivery}`: nothing of the address, which the
 * delivery's record names. Links of e-mails sent before, `{"v":1,...,"h":address hash,...}` (the
 * address's plain `addressHash`), are still read. No expiry: an opt-out link keeps working for as
 * long as the e-mail is kept, and as long as its key is configured: during a rotation
 * (`<id>:<secret>,...`) links are signed under the first key and read under the key they name
 * (`<key id>.<payload>.<mac>`; the `legacy` key's, and every link made before key ids, name none).
 */
export class OptOutLinkSigner {
  private readonly tokens: HmacTokens;

  constructor(
    /** One secret (key id `legacy`), or the keys, the one links are signed with first. */
    secrets: string | readonly KeyedSecret[],
    /** Where the links point (OPT_OUT_URL): the token is appended as a path segment. */
    readonly baseUrl: string,
    /** An address that takes opt-outs by e-mail (OPT_OUT_MAILTO), for `List-Unsubscribe`. */
    readonly mailto?: string,
  ) {
    this.tokens = new HmacTokens(secrets, 'opt-out link');
  }

  sign(claims: Omit<OptOutLinkClaims, 'addressHash'>): SignedOptOutLink {
    const { tenantId, channel, deliveryId } = claims;
    const token = this.tokens.sign({ v: 2, p: PURPOSE, t: tenantId, c: channel, d: deliveryId });
    return { tenantId, channel, deliveryId, token, url: `${this.baseUrl.replace(/\/+$/, '')}/${token}` };
  }

  /** The `mailto:` of `List-Unsubscribe`, naming the token in its subject; none without an address. */
  mailtoFor(token: string): string | undefined {
    return this.mailto ? `mailto:${this.mailto}?subject=${encodeURIComponent(`unsubscribe ${token}`)}` : undefined;
  }

  /**
   * Refuses a token whose signature does not match (one character changed is enough), or that
   * names a key no longer configured.
   */
  verify(token: string): OptOutLinkVerification {
    const opened = this.tokens.open(token);
    if (!opened.ok) {
      const { reason, unconfiguredKeyId } = opened;
      return { valid: false, reason, ...(unconfiguredKeyId === undefined ? {} : { unconfiguredKeyId }) };
    }
    const claims = decode(opened.payload);
    return claims ? { valid: true, ...claims } : { valid: false, reason: 'malformed' };
  }
}

function decode(raw: Record<string, unknown>): OptOutLinkClaims | null {
  if (
    (raw.v !== 1 && raw.v !== 2) ||
    raw.p !== PURPOSE ||
    typeof raw.t !== 'string' ||
    !raw.t ||
    (raw.c !== 'email' && raw.c !== 'sms') ||
    typeof raw.d !== 'string' ||
    !raw.d
  ) {
    return null;
  }
  const claims: OptOutLinkClaims = { tenantId: raw.t, channel: raw.c, deliveryId: raw.d };
  if (raw.v === 2) return 'h' in raw ? null : claims;
  // Version 1 was e-mail's only.
  if (raw.c !== 'email') return null;
  // A link of an e-mail sent before version 2: the address's plain hash beside the delivery.
  return typeof raw.h === 'string' && HASH.test(raw.h) ? { ...claims, addressHash: raw.h } : null;
}
