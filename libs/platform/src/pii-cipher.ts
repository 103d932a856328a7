import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigField, ConfigParseResult } from './config';
import { KEY_ID, KeyedSecret, LEGACY_KEY_ID, SecretRule, keyList, parseKeyList } from './key-list';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the system's CSPRNG this many at a time: one draw per value cost as much as the encryption. */
const IVS_PER_DRAW = 256;
/**
 * What begins a value that names its key: `MARK`, the key id's length (one byte), the key id
 * (ASCII), then iv | tag | ciphertext as before. A value written before key ids begins with its
 * random IV; the one in 2^32 of those that begins with `MARK` is still read (`decrypt`).
 */
const MARK = Buffer.from([0x00, 0x70, 0x6b, 0x01]);

/**
 * The id of the key of a single-key setting (`<VARIABLE>=<secret>`, the form before rotation) and
 * of the values stored before key ids: they are read with the key of this id.
 */
export const LEGACY_PII_KEY_ID = LEGACY_KEY_ID;
/** A rotated-in key is a new secret: as long as HmacTokens asks of a link secret. */
export const MIN_PII_KEY_CHARS = 32;

/** One key of a service's PII key setting: its id (stored with each value) and its secret. */
export type PiiKey = KeyedSecret;

/** A PII key's secret: a rotated-in one at least `MIN_PII_KEY_CHARS` long (the legacy one as it was). */
const piiSecretRule: SecretRule = (secret, id) =>
  id !== LEGACY_KEY_ID && secret.length < MIN_PII_KEY_CHARS
    ? `its secret needs at least ${MIN_PII_KEY_CHARS} characters`
    : undefined;

/**
 * Stored personal data that this key cannot decrypt: the service runs with another key than the
 * one the data was encrypted with, or the stored value is damaged. Never garbage: AES-GCM
 * authenticates every value. The message names the key's variable and id, never a key or a value.
 */
export class PiiUnreadableError extends Error {
  override readonly name: string = 'PiiUnreadableError';

  constructor(keyVariable: string, keyId: string, message?: string) {
    super(
      message ??
        `stored personal data cannot be decrypted: ${keyVariable} is not the key it was encrypted with (or the stored value is damaged) (key id "${keyId}")`,
    );
  }
}

/**
 * Stored personal data encrypted under a key id the setting no longer (or never) names: the key
 * was removed before every value under it was re-encrypted (the rotation job), or the data comes
 * from another deployment. Names the key id and the variable, never a key.
 */
export class PiiKeyNotConfiguredError extends PiiUnreadableError {
  override readonly name: string = 'PiiKeyNotConfiguredError';

  constructor(
    keyVariable: string,
    readonly keyId: string,
  ) {
    super(
      keyVariable,
      keyId,
      `stored personal data cannot be decrypted: it was encrypted under key id "${keyId}", which ${keyVariable} does not name (add it back, as a later key, until the rotation job has rewritten those values)`,
    );
  }
}

/**
 * Reads a PII key setting (`parseKeyList`): either one secret (the form before rotation; its key
 * id is `LEGACY_PII_KEY_ID`), or `<id>:<secret>` entries separated by commas, the current key (the
 * one new values are written under) first and the keys still read after it. A secret that itself
 * begins with `<id>:` is written `legacy:<secret>`. Every problem is named; no secret is echoed.
 */
export function parsePiiKeys(raw: string): ConfigParseResult<readonly PiiKey[]> {
  return parseKeyList(raw, piiSecretRule);
}

/** A PII key setting (`parsePiiKeys`), for `loadConfig`: the current key first. */
export function piiKeys(name: string, opts: { default?: string } = {}): ConfigField<readonly PiiKey[]> {
  return keyList(name, piiSecretRule, opts);
}

/** The AES key of a secret: SHA-256 of it. */
const aesKey = (secret: string) => createHash('sha256').update(secret).digest();

/**
 * Encrypts personal data stored at rest in fields that are never queried: AES-256-GCM, stored as
 * `MARK` | key id | iv | tag | ciphertext, a random IV per value (the same value twice is stored as
 * two unrelated values). The keys come from configuration (each service its own variable,
 * `keyVariable`, which errors name; `parsePiiKeys`): values are written under the first (current)
 * one and read under the key their id names, so a key is rotated by adding a new one in front,
 * re-encrypting what the old one holds (`keyIdOf` tells), then removing it. SHA-256 of a secret is
 * its AES key.
 */
export class PiiCipher {
  /** The id of the key new values are written under. */
  readonly currentKeyId: string;
  /** The ids of every configured key, the current one first. */
  readonly keyIds: readonly string[];
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly currentKey: Buffer;
  private readonly currentHeader: Buffer;
  private ivs = Buffer.alloc(0);
  private nextIv = 0;

  constructor(
    /** One secret (key id `legacy`), or the configured keys, the current one first. */
    keys: string | readonly PiiKey[],
    /** The configuration variable the keys come from, for errors. */
    readonly keyVariable: string,
  ) {
    const list = typeof keys === 'string' ? [{ id: LEGACY_PII_KEY_ID, secret: keys }] : keys;
    if (list.length === 0) throw new RangeError(`${keyVariable} names no key`);
    this.keys = new Map(list.map((k) => [k.id, aesKey(k.secret)]));
    this.keyIds = list.map((k) => k.id);
    this.currentKeyId = list[0].id;
    this.currentKey = this.keys.get(this.currentKeyId)!;
    this.currentHeader = header(this.currentKeyId);
  }

  /** What every value written under the current key begins with (the rotation job's SQL filter). */
  get currentKeyPrefix(): Buffer {
    return Buffer.from(this.currentHeader);
  }

  encrypt(plain: string): Buffer {
    const iv = this.iv();
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([this.currentHeader, iv, cipher.getAuthTag(), body]);
  }

  /**
   * The clear value, under the key the stored value names (a value without one: the `legacy`
   * key's). PiiKeyNotConfiguredError when that key is not configured; PiiUnreadableError when it
   * did not encrypt this value.
   */
  decrypt(stored: Buffer): string {
    return this.open(stored).plain;
  }

  /** The id of the key that encrypted the stored value (it decrypts it; errors as `decrypt`). */
  keyIdOf(stored: Buffer): string {
    return this.open(stored).keyId;
  }

  private open(stored: Buffer): { plain: string; keyId: string } {
    const named = keyIdNamed(stored);
    const legacy = this.keys.get(LEGACY_PII_KEY_ID);
    if (named) {
      const key = this.keys.get(named.keyId);
      const plain = key && openWith(key, named.body);
      if (plain !== undefined) return { plain, keyId: named.keyId };
      // A value from before key ids whose random IV begins with the mark.
      const old = legacy && openWith(legacy, stored);
      if (old !== undefined) return { plain: old, keyId: LEGACY_PII_KEY_ID };
      if (!key) throw new PiiKeyNotConfiguredError(this.keyVariable, named.keyId);
      throw new PiiUnreadableError(this.keyVariable, named.keyId);
    }
    if (!legacy) throw new PiiKeyNotConfiguredError(this.keyVariable, LEGACY_PII_KEY_ID);
    const plain = openWith(legacy, stored);
    if (plain === undefined) throw new PiiUnreadableError(this.keyVariable, LEGACY_PII_KEY_ID);
    return { plain, keyId: LEGACY_PII_KEY_ID };
  }

  private iv(): Buffer {
    if (this.nextIv + IV_BYTES > this.ivs.length) {
      this.ivs = randomBytes(IV_BYTES * IVS_PER_DRAW);
      this.nextIv = 0;
    }
    const iv = this.ivs.subarray(this.nextIv, this.nextIv + IV_BYTES);
    this.nextIv += IV_BYTES;
    return iv;
  }
}

function header(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'ascii');
  return Buffer.concat([MARK, Buffer.from([id.length]), id]);
}

/** The key id a stored value names and the rest of it, or undefined for a value without one. */
function keyIdNamed(stored: Buffer): { keyId: string; body: Buffer } | undefined {
  if (stored.length < MARK.length + 1 || !stored.subarray(0, MARK.length).equals(MARK)) return undefined;
  const length = stored[MARK.length];
  const end = MARK.length + 1 + length;
  if (length === 0 || stored.length < end + IV_BYTES + TAG_BYTES) return undefined;
  const keyId = stored.subarray(MARK.length + 1, end).toString('latin1');
  return KEY_ID.test(keyId) ? { keyId, body: stored.subarray(end) } : undefined;
}

/** iv | tag | ciphertext decrypted with `key`, or undefined when `key` did not encrypt it. */
function openWith(key: Buffer, body: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
    decipher.setAuthTag(body.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
