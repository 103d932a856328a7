import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigField, ConfigParseResult } from './config';
import { KEY_ID, KeyedSecret, LEGACY_KEY_ID, SecretRule, keyList, parseKeyList } from './key-list';

const MIN_SECRET_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Why a token is refused. `bad-signature` also when it names a key no longer configured. */
export type HmacTokenRefusal = {
  readonly ok: false;
  readonly reason: 'malformed' | 'bad-signature';
  /**
   * Only when the token names a key id (`legacy` for a token without one) that this setting does
   * not hold: the key was removed before its links lapsed, or the link is not ours. For the
   * operator's log line; the token is refused exactly as an altered one.
   */
  readonly unconfiguredKeyId?: string;
};

/** A link secret: at least 32 bytes, whichever its key. */
const linkSecretRule: SecretRule = (secret) =>
  Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES
    ? `its secret needs at least ${MIN_SECRET_BYTES} bytes`
    : undefined;

/**
 * Reads a link secret setting (PAYMENT_LINK_SECRET, OPT_OUT_LINK_SECRET) as a PII key setting is
 * read (`parseKeyList`): one secret (key id `legacy`, the form before rotation), or
 * `<id>:<secret>,...` with the key links are signed with first; every secret at least 32 bytes.
 */
export function parseLinkSecrets(raw: string): ConfigParseResult<readonly KeyedSecret[]> {
  return parseKeyList(raw, linkSecretRule);
}

/** A link secret setting (`parseLinkSecrets`), for `loadConfig`: the signing key first. */
export function linkSecrets(name: string, opts: { default?: string } = {}): ConfigField<readonly KeyedSecret[]> {
  return keyList(name, linkSecretRule, opts);
}

/**
 * Tokens `<base64url(JSON payload)>.<base64url(HMAC-SHA256 of the payload)>` under one secret (at
 * least 32 bytes): what payment links and e-mail opt-out links are. `open` answers the payload of a
 * token whose MAC is exactly the one this secret gives, written as `sign` writes it (base64url
 * ignores trailing bits, so a MAC differing only there is refused too).
 *
 * With several keys (a rotation: `parseLinkSecrets`), tokens are signed under the first and opened
 * under the key they name. A token of the `legacy` key (one secret alone, and every token made
 * before key ids) names none and is written exactly as before, so a single-secret setting signs
 * the same bytes as ever. A token of any other key is `<key id>.<payload>.<mac>`, the MAC taken
 * over `<key id>.<payload>`, so the id cannot be swapped.
 */
export class HmacTokens {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly signingKeyId: string;

  /** `what` names the secret in the error, e.g. `payment-link`. */
  constructor(secrets: string | readonly KeyedSecret[], what: string) {
    const list = typeof secrets === 'string' ? [{ id: LEGACY_KEY_ID, secret: secrets }] : secrets;
    if (list.length === 0) throw new RangeError(`the ${what} secret names no key`);
    const keys = new Map<string, Buffer>();
    for (const { id, secret } of list) {
      const bytes = Buffer.from(secret, 'utf8');
      if (bytes.length < MIN_SECRET_BYTES) {
        throw new RangeError(
          `the ${what} secret${id === LEGACY_KEY_ID ? '' : ` (key id "${id}")`} needs at least ${MIN_SECRET_BYTES} bytes`,
        );
      }
      if (!KEY_ID.test(id)) throw new RangeError(`the ${what} secret has a bad key id`);
      if (keys.has(id)) throw new RangeError(`the ${what} secret names key id "${id}" twice`);
      keys.set(id, bytes);
    }
    this.keys = keys;
    this.signingKeyId = list[0].id;
  }

  sign(payload: object): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    const id = this.signingKeyId;
    if (id === LEGACY_KEY_ID) return `${body}.${mac(this.keys.get(id)!, body).toString('base64url')}`;
    const signed = `${id}.${body}`;
    return `${signed}.${mac(this.keys.get(id)!, signed).toString('base64url')}`;
  }

  open(token: string): { ok: true; payload: Record<string, unknown> } | HmacTokenRefusal {
    const parts = token.split('.');
    if ((parts.length !== 2 && parts.length !== 3) || !parts.every((part) => BASE64URL.test(part))) {
      return { ok: false, reason: 'malformed' };
    }
    // A token of the legacy key names none; one naming it is none of ours.
    const id = parts.length === 3 ? parts[0] : LEGACY_KEY_ID;
    if (parts.length === 3 && (!KEY_ID.test(id) || id === LEGACY_KEY_ID)) return { ok: false, reason: 'malformed' };
    const key = this.keys.get(id);
    if (!key) return { ok: false, reason: 'bad-signature', unconfiguredKeyId: id };
    const given = parts[parts.length - 1];
    const body = parts[parts.length - 2];
    const expected = mac(key, parts.slice(0, -1).join('.'));
    const givenBytes = Buffer.from(given, 'base64url');
    if (
      givenBytes.length !== expected.length ||
      !timingSafeEqual(givenBytes, expected) ||
      expected.toString('base64url') !== given
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
}

function mac(key: Buffer, signed: string): Buffer {
  return createHmac('sha256', key).update(signed, 'utf8').digest();
}
