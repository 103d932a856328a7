import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the system's CSPRNG this many at a time: one draw per value cost as much as the encryption. */
const IVS_PER_DRAW = 256;

/**
 * Stored personal data that this key cannot decrypt: the service runs with another key than the
 * one the data was encrypted with, or the stored value is damaged. Never garbage: AES-GCM
 * authenticates every value. The message names the key's variable, never a value.
 */
export class PiiUnreadableError extends Error {
  override readonly name = 'PiiUnreadableError';

  constructor(keyVariable: string) {
    super(
      `stored personal data cannot be decrypted: ${keyVariable} is not the key it was encrypted with (or the stored value is damaged)`,
    );
  }
}

/**
 * Encrypts personal data stored at rest in fields that are never queried: AES-256-GCM, stored as
 * iv | tag | ciphertext, a random IV per value (the same value twice is stored as two unrelated
 * values). The key is a secret from configuration (each service its own variable, `keyVariable`,
 * which errors name); SHA-256 of it is the AES key.
 */
export class PiiCipher {
  private readonly key: Buffer;
  private ivs = Buffer.alloc(0);
  private nextIv = 0;

  constructor(
    secret: string,
    /** The configuration variable the secret comes from, for errors. */
    readonly keyVariable: string,
  ) {
    this.key = createHash('sha256').update(secret).digest();
  }

  encrypt(plain: string): Buffer {
    const iv = this.iv();
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  /** The clear value; PiiUnreadableError when this key did not encrypt it. */
  decrypt(stored: Buffer): string {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, stored.subarray(0, IV_BYTES));
      decipher.setAuthTag(stored.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(stored.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new PiiUnreadableError(this.keyVariable);
    }
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
