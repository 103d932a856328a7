import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { loadConfig, str } from '@collections/platform';

/** Development default only: production sets LEDGER_PII_KEY (the boot log says which is used). */
export const DEV_PII_KEY = 'collections-dev-only-pii-key';

/** The PII key's configuration, as the service, the import command and the importers read it. */
export const piiKeyConfig = () => str('LEDGER_PII_KEY', { default: DEV_PII_KEY });

/** The cipher of the configured key (LEDGER_PII_KEY, else the development key). */
export function configuredPiiCipher(): PiiCipher {
  return new PiiCipher(loadConfig({ piiKey: piiKeyConfig() }).piiKey);
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** IVs drawn from the system's CSPRNG this many at a time: one draw per value cost as much as the encryption. */
const IVS_PER_DRAW = 256;

/**
 * Stored personal data that this key cannot decrypt: the ledger runs with another LEDGER_PII_KEY
 * than the one the data was encrypted with, or the stored value is damaged. Never garbage: AES-GCM
 * authenticates every value. The message names no value.
 */
export class PiiUnreadableError extends Error {
  override readonly name = 'PiiUnreadableError';

  constructor() {
    super(
      'stored personal data cannot be decrypted: LEDGER_PII_KEY is not the key it was encrypted with (or the stored value is damaged)',
    );
  }
}

/**
 * Encrypts the debtor's personal data stored at rest in fields that are never queried (the
 * national id, the name, the contact points' values): AES-256-GCM, stored as iv | tag | ciphertext,
 * a random IV per value (the same name twice is stored as two unrelated values). The key comes from
 * configuration (LEDGER_PII_KEY); no clear value and no fingerprint of one is stored, since the
 * ledger never compares, orders or looks up these values in SQL.
 */
export class PiiCipher {
  private readonly key: Buffer;
  private ivs = Buffer.alloc(0);
  private nextIv = 0;

  constructor(secret: string) {
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
      throw new PiiUnreadableError();
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
